"""Every step a scenario can take, by name: what people do and what they expect to see.

A step is a function registered with :func:`step`, taking the run context and its validated
parameters. Action steps drive the fakes the way people do (the Canvas API a teacher's page
calls, a browser for launches); ``expect_*`` steps read what a person or system could observe
and raise :class:`ExpectationFailed` with expected and actual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from sim.browser import Window, sees, what_is_seen
from sim.flows import install_accredible
from sim.scenario.model import Alias, Region, Strict

if TYPE_CHECKING:
    from sim.scenario.runner import RunContext


class ExpectationFailed(AssertionError):
    """What a person would have seen differs from what the scenario expects."""

    def __init__(self, what: str, expected: Any, actual: Any) -> None:
        super().__init__(f"{what}: expected {expected!r}, got {actual!r}")
        self.what = what
        self.expected = expected
        self.actual = actual


class StepError(Exception):
    """A step that cannot be taken as written (the message says what to change)."""


@dataclass(frozen=True)
class StepDef:
    name: str
    params: type[Strict]
    run: Callable[[RunContext, Any], None]
    doc: str


STEPS: dict[str, StepDef] = {}


def step(name: str, params: type[Strict]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register ``fn`` as the step ``name`` with parameter model ``params``."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        if name in STEPS:
            raise ValueError(f"step {name!r} is registered twice")
        STEPS[name] = StepDef(name, params, fn, (fn.__doc__ or "").strip().splitlines()[0])
        return fn

    return register


def check(what: str, expected: Any, actual: Any) -> None:
    """Raise :class:`ExpectationFailed` unless ``actual == expected``."""
    if expected != actual:
        raise ExpectationFailed(what, expected, actual)


Requirement = Literal["must_view", "must_submit", "must_contribute", "min_score", "must_mark_done"]
ItemKind = Literal["page", "assignment", "quiz", "discussion", "subheader", "url"]


# -- the admin installs the app ---------------------------------------------------------------
class InstallApp(Strict):
    privacy_level: Literal["public", "name_only", "email_only", "anonymous"] = Field(
        "public", description="What the app may share; Accredible needs name and email (public)."
    )
    context: Literal["account", "course"] = Field(
        "account", description="Install for the account or one course."
    )
    as_: Alias | None = Field(None, alias="as", description="Who installs it (first admin).")


@step("install_app", InstallApp)
def install_app(ctx: RunContext, p: InstallApp) -> None:
    """The admin installs Accredible in Canvas (an LTI 1.3 developer key and tool) and connects it in Accredible."""
    context = ("accounts", ctx.account_id) if p.context == "account" else ("courses", ctx.course_id)
    ctx.tool = install_accredible(
        ctx.canvas_as(p.as_ or ctx.first("admin")),
        ctx.accredible_http,
        canvas_url=ctx.fakes.urls["canvas"],
        api_key=ctx.api_key,
        account_id=ctx.account_id,
        context=context,
        privacy_level=p.privacy_level,
    )


# -- the teacher builds the course ------------------------------------------------------------
class AddModule(Strict):
    module: str = Field(description="Module name; later steps refer to it by this name.")
    require_sequential_progress: bool = False
    prerequisites: list[str] = Field(
        default_factory=list, description="Earlier modules (by name) to complete first."
    )
    unlock_in_days: float | None = Field(
        None, ge=0, description="Locked until this many days from now."
    )
    published: bool = Field(
        True, description="Publish it (and its items) once its items are added."
    )
    as_: Alias | None = Field(None, alias="as", description="Who does it (first teacher).")


@step("add_module", AddModule)
def add_module(ctx: RunContext, p: AddModule) -> None:
    """A teacher adds a module (published when the scenario's items are in, unless published: false)."""
    canvas = ctx.canvas_as(p.as_ or ctx.first("teacher"))
    fields: dict[str, Any] = {
        "name": p.module,
        "require_sequential_progress": p.require_sequential_progress,
    }
    if p.prerequisites:
        fields["prerequisite_module_ids"] = [ctx.module_id(m) for m in p.prerequisites]
    if p.unlock_in_days is not None:
        fields["unlock_at"] = (ctx.now() + timedelta(days=p.unlock_in_days)).isoformat()
    module = canvas.create_module(ctx.course_id, **fields)
    ctx.modules[p.module] = module["id"]
    if p.published:
        ctx.publish_later.add(p.module)


def _requirement(kind: Requirement | None, min_score: float | None) -> dict[str, Any] | None:
    if kind is None:
        return None
    out: dict[str, Any] = {"type": kind}
    if kind == "min_score":
        out["min_score"] = min_score if min_score is not None else 1
    return out


class AddItem(Strict):
    module: str
    type: ItemKind = Field(description="page, assignment, quiz, discussion, subheader or url.")
    title: str
    requirement: Requirement | None = Field(None, description="The completion requirement on it.")
    min_score: float | None = Field(None, description="For requirement min_score.")
    points: float = Field(10, ge=0, description="Points possible (assignments and quizzes).")
    as_: Alias | None = Field(None, alias="as")


@step("add_item", AddItem)
def add_item(ctx: RunContext, p: AddItem) -> None:
    """A teacher adds course content (a page, assignment, quiz, discussion, heading or link) to a module."""
    canvas = ctx.canvas_as(p.as_ or ctx.first("teacher"))
    cid, mid = ctx.course_id, ctx.module_id(p.module)
    requirement = _requirement(p.requirement, p.min_score)
    content: dict[str, Any] = {}
    if p.type == "page":
        content = canvas.create_page(cid, title=p.title, body=f"<p>{p.title}</p>", published=True)
        item = canvas.create_item(
            cid, mid, type="Page", page_url=content["url"], completion_requirement=requirement
        )
    elif p.type in ("assignment", "quiz", "discussion"):
        if p.type == "assignment":
            content = canvas.create_assignment(
                cid, name=p.title, points_possible=p.points, published=True
            )
        elif p.type == "quiz":
            content = canvas.create_quiz(
                cid, title=p.title, points_possible=p.points, published=True
            )
        else:
            content = canvas.create_discussion(cid, p.title)
        item = canvas.create_item(
            cid, mid, type=p.type.capitalize(), content_id=content["id"],
            completion_requirement=requirement,
        )  # fmt: skip
    elif p.type == "subheader":
        item = canvas.create_item(cid, mid, type="SubHeader", title=p.title)
    else:
        item = canvas.create_item(
            cid, mid, type="ExternalUrl", title=p.title, external_url="https://example.org/reading",
            completion_requirement=requirement,
        )  # fmt: skip
    ctx.items[(p.module, p.title)] = item["id"]
    ctx.content[(p.module, p.title)] = {"kind": p.type, **content}


class AddAccredibleItem(Strict):
    module: str = Field(description="The module (by name) the item goes into.")
    new_tab: bool = Field(
        description='The "Load in a new tab" box: ticked for EU issuers, unticked for US.'
    )
    requirement: Literal["must_view"] | None = Field(
        None, description="Completion requirement on the item itself."
    )
    as_: Alias | None = Field(None, alias="as")


@step("add_accredible_item", AddAccredibleItem)
def add_accredible_item(ctx: RunContext, p: AddAccredibleItem) -> None:
    """A teacher adds an External Tool item and clicks Accredible: its URL and title fill in."""
    canvas = ctx.canvas_as(p.as_ or ctx.first("teacher"))
    offered = canvas.list_tools(ctx.course_id, placement="link_selection")
    tool = next((t for t in offered if t["name"] == "Accredible"), None)
    if tool is None:
        raise StepError(
            "the External Tool list does not offer Accredible: add an install_app step before this one"
        )
    selection = tool.get("link_selection") or {}
    url = selection.get("target_link_uri") or selection.get("url") or tool["url"]
    item = canvas.create_item(
        ctx.course_id,
        ctx.module_id(p.module),
        type="ExternalTool",
        content_id=tool["id"],
        external_url=url,
        title=tool["name"],
        new_tab=p.new_tab,
        completion_requirement={"type": p.requirement} if p.requirement else None,
    )
    ctx.items[(p.module, "Accredible")] = item["id"]


class PublishModule(Strict):
    module: str
    published: bool = True
    as_: Alias | None = Field(None, alias="as")


@step("publish_module", PublishModule)
def publish_module(ctx: RunContext, p: PublishModule) -> None:
    """A teacher publishes (or unpublishes) a module and its items."""
    ctx.publish_later.discard(p.module)
    ctx.canvas_as(p.as_ or ctx.first("teacher")).update_module(
        ctx.course_id, ctx.module_id(p.module), published=p.published
    )


# -- students work through the course ---------------------------------------------------------
class CompleteRequirement(Strict):
    student: Alias
    module: str
    item: str = Field(description="The item's title.")
    score: float | None = Field(None, description="For min_score: the grade the teacher gives.")


@step("complete_requirement", CompleteRequirement)
def complete_requirement(ctx: RunContext, p: CompleteRequirement) -> None:
    """The student does what the item's requirement asks (view, submit, contribute, mark done; a teacher grades min_score)."""
    student = ctx.canvas_as(p.student)
    cid, mid, iid = ctx.course_id, ctx.module_id(p.module), ctx.item_id(p.module, p.item)
    item = student.get_item(cid, mid, iid)
    requirement = (item.get("completion_requirement") or {}).get("type")
    content = ctx.content.get((p.module, p.item), {})
    if requirement is None:
        raise StepError(f"the item {p.item!r} has no completion requirement to complete")
    if requirement == "must_view":
        student.mark_read(cid, mid, iid)
    elif requirement == "must_mark_done":
        student.mark_done(cid, mid, iid)
    elif requirement == "must_contribute":
        student.post_entry(cid, content["id"], "My contribution")
    elif requirement in ("must_submit", "min_score"):
        if content["kind"] == "quiz":
            student.take_quiz(cid, content["id"])
            assignment_id = content["assignment_id"]
        else:
            student.submit(cid, content["id"])
            assignment_id = content["id"]
        if requirement == "min_score":
            score = p.score if p.score is not None else item["completion_requirement"]["min_score"]
            teacher = ctx.canvas_as(ctx.first("teacher"))
            teacher.grade(cid, assignment_id, ctx.person(p.student).canvas_id, score)


# -- people open Accredible in their browsers -------------------------------------------------
class OpenItem(Strict):
    person: Alias
    module: str
    item: str = "Accredible"
    click_new_window: bool = Field(
        True, description='Click "Load Accredible in a new window" when Canvas shows it.'
    )


@step("open_item", OpenItem)
def open_item(ctx: RunContext, p: OpenItem) -> None:
    """A person opens a module item in Canvas in their browser (an LTI launch for Accredible)."""
    window = ctx.visit(
        p.person, f"/courses/{ctx.course_id}/modules/items/{ctx.item_id(p.module, p.item)}"
    )
    _look(ctx, p.person, window, p.click_new_window)


class OpenNavigation(Strict):
    person: Alias
    click_new_window: bool = True


@step("open_course_navigation", OpenNavigation)
def open_course_navigation(ctx: RunContext, p: OpenNavigation) -> None:
    """A person clicks the course navigation's Accredible link."""
    if ctx.tool is None:
        raise StepError("Accredible is not installed: add an install_app step before this one")
    window = ctx.visit(p.person, f"/courses/{ctx.course_id}/external_tools/{ctx.tool['id']}")
    _look(ctx, p.person, window, p.click_new_window)


def _look(ctx: RunContext, alias: str, window: Window, click_new_window: bool) -> None:
    sight = sees(window)
    frame: str | None = "tool_content" if sight.where == "embedded" else None
    if sight.what == "new_window_button" and click_new_window:
        browser = ctx.browser(alias)
        window.click("in a new window")
        window = browser.windows[-1]
        sight, frame = sees(window), None
    ctx.sights[alias] = sight
    ctx.tool_pages[alias] = (window, frame)
    doc = window.frames[frame].doc if frame else window.doc
    marked = next((e for e in doc.root.iter() if "data-group-id" in e.attrs), None) if doc else None
    if marked is not None:  # the group Canvas's launch created or found (R5)
        ctx.groups.setdefault("course", int(marked.attrs["data-group-id"]))


class PersonStep(Strict):
    person: Alias


@step("click_new_window", PersonStep)
def click_new_window(ctx: RunContext, p: PersonStep) -> None:
    """The person clicks Canvas's "Load Accredible in a new window" button (some time after opening the item)."""
    found = ctx.tool_pages.get(p.person)
    if found is None or ctx.sights[p.person].what != "new_window_button":
        raise StepError(
            f"{p.person} is not looking at Canvas's new-window button: open_item with click_new_window: false first"
        )
    _look(ctx, p.person, found[0], True)


@step("replay_launch", PersonStep)
def replay_launch(ctx: RunContext, p: PersonStep) -> None:
    """The person's browser sends its last Accredible launch again (Back and resubmit, or a replay)."""
    try:
        window, frame = ctx.browser(p.person).replay_last_post("/v1/canvas/lti/launch")
    except LookupError:
        raise StepError(f"{p.person} has not launched Accredible yet") from None
    if frame is None:
        ctx.sights[p.person] = sees(window)
    else:
        ctx.sights[p.person] = what_is_seen(window.frames[frame].doc, "embedded") or sees(window)
    ctx.tool_pages[p.person] = (window, frame)


class NameGroup(Strict):
    name: str
    as_: Alias | None = Field(
        None, alias="as", description="The teacher, on Accredible's page they opened."
    )


@step("name_group", NameGroup)
def name_group(ctx: RunContext, p: NameGroup) -> None:
    """The teacher names the Accredible group on the management view they opened from Canvas."""
    _manage(ctx, p.as_ or ctx.first("teacher"), {"name": p.name})


class ChooseDesign(Strict):
    kind: Literal["certificate", "badge"]
    design: str | None = Field(
        None, description="The design's name (the first of its kind when absent)."
    )
    as_: Alias | None = Field(None, alias="as")


@step("choose_design", ChooseDesign)
def choose_design(ctx: RunContext, p: ChooseDesign) -> None:
    """The teacher picks a certificate or badge design (Manage Certificate Design / Manage Badge Design)."""
    alias = p.as_ or ctx.first("teacher")
    window, frame = _manage_page(ctx, alias)
    doc = window.frames[frame].doc if frame else window.doc
    assert doc is not None
    select = next(
        (s for s in doc.all("select") if s.attrs.get("name") == f"{p.kind}_design_id"), None
    )
    options = [
        o for o in (select.iter() if select else []) if o.tag == "option" and o.attrs.get("value")
    ]
    chosen = next((o for o in options if p.design is None or o.text() == p.design), None)
    if chosen is None:
        names = ", ".join(o.text() for o in options)
        raise StepError(f"no {p.kind} design named {p.design!r}; the page offers: {names}")
    _manage(ctx, alias, {f"{p.kind}_design_id": chosen.attrs["value"]})


def _manage_page(ctx: RunContext, alias: str) -> tuple[Window, str | None]:
    found = ctx.tool_pages.get(alias)
    sight = ctx.sights.get(alias)
    if found is None or sight is None or sight.what != "manage_view":
        seen = sight.what if sight else "nothing yet"
        raise StepError(
            f"{alias} is not on Accredible's management view (they see {seen}): open the item as a teacher first"
        )
    return found


def _manage(ctx: RunContext, alias: str, values: dict[str, str]) -> None:
    window, frame = _manage_page(ctx, alias)
    window.submit("manage_form", values, frame=frame)
    ctx.sights[alias] = sees(window)


# -- the issuer, in Accredible's dashboard and API --------------------------------------------
class CreateGroup(Strict):
    group: str = Field(description="How later steps name this group.")
    name: str | None = Field(None, description="The group's Identifier (generated when absent).")
    course_name: str | None = None
    course_description: str | None = None
    design: Literal["none", "certificate", "badge"] = "none"
    allow_duplicates: bool = False


@step("create_group", CreateGroup)
def create_group(ctx: RunContext, p: CreateGroup) -> None:
    """The issuer creates an Accredible group through the API (with or without a design)."""
    fields: dict[str, Any] = {
        "name": p.name or f"{ctx.course_code}-{p.group}",
        "course_name": p.course_name or ctx.course_name,
        "course_description": p.course_description or f"Awarded on completing {ctx.course_name}.",
        "allow_duplicate_credentials": p.allow_duplicates,
    }
    if p.design != "none":
        fields[f"{p.design}_design_id"] = ctx.design_id(p.design)
    ctx.groups[p.group] = ctx.accredible.create_group(**fields)["id"]


class GroupRef(Strict):
    group: str = Field(
        "course", description="A group created in the scenario, or course: the one Canvas created."
    )


class AssignDesign(GroupRef):
    design: Literal["certificate", "badge"]


@step("assign_design", AssignDesign)
def assign_design(ctx: RunContext, p: AssignDesign) -> None:
    """The issuer picks a certificate or badge design for the group in the dashboard."""
    ctx.dashboard("set_design", group_id=ctx.group_id(p.group), kind=p.design)


@step("turn_group_emails_off", GroupRef)
def turn_group_emails_off(ctx: RunContext, p: GroupRef) -> None:
    """The issuer unticks "Send email notifications for this group" in the dashboard."""
    ctx.dashboard("set_group_emails", group_id=ctx.group_id(p.group), enabled=False)


@step("turn_group_emails_on", GroupRef)
def turn_group_emails_on(ctx: RunContext, p: GroupRef) -> None:
    """The issuer ticks "Send email notifications for this group" again."""
    ctx.dashboard("set_group_emails", group_id=ctx.group_id(p.group), enabled=True)


@step("publish_credentials", GroupRef)
def publish_credentials(ctx: RunContext, p: GroupRef) -> None:
    """The issuer publishes every unapproved credential of the group in the dashboard."""
    ctx.dashboard("publish_group", group_id=ctx.group_id(p.group))


class AllowDuplicates(GroupRef):
    allow: bool = True


@step("allow_duplicates", AllowDuplicates)
def allow_duplicates(ctx: RunContext, p: AllowDuplicates) -> None:
    """The issuer lets the group hold more than one credential per recipient."""
    ctx.accredible.update_group(ctx.group_id(p.group), allow_duplicate_credentials=p.allow)


class IssueCredential(GroupRef):
    student: Alias


@step("issue_credential", IssueCredential)
def issue_credential(ctx: RunContext, p: IssueCredential) -> None:
    """An integration creates the student's credential through the API (name and email from Canvas)."""
    person = ctx.person(p.student)
    ctx.accredible.create_credential(
        group_id=ctx.group_id(p.group),
        recipient={"name": person.name, "email": person.email},
        issued_on=ctx.today(),
    )


class LetTimePass(Strict):
    days: float = Field(0, ge=0)
    hours: float = Field(0, ge=0)
    minutes: float = Field(0, ge=0)


@step("let_time_pass", LetTimePass)
def let_time_pass(ctx: RunContext, p: LetTimePass) -> None:
    """The shared clock moves forward; nothing sleeps."""
    ctx.control("canvas").advance(p.days * 86400 + p.hours * 3600 + p.minutes * 60)


# -- expectations -----------------------------------------------------------------------------
Sees = Literal[
    "credential", "pending_credential", "new_window_button", "open_in_new_window", "blocked_frame",
    "lock_explanation", "launch_error", "identity_withheld", "manage_view", "credential_list",
    "not_for_role", "tool_error", "not_found", "network_error",
]  # fmt: skip


class ExpectSees(Strict):
    person: Alias
    sees: Sees = Field(description="What the person's browser shows them now.")
    where: Literal["embedded", "window", "page"] | None = Field(
        None,
        description="embedded: inside Canvas's frame; window: a new window; page: Canvas's page.",
    )


@step("expect_sees", ExpectSees)
def expect_sees(ctx: RunContext, p: ExpectSees) -> None:
    """What a person sees after opening something: their credential, a button, an error page..."""
    sight = ctx.sights.get(p.person)
    if sight is None:
        raise StepError(f"{p.person} has not opened anything yet")
    actual = (
        "pending_credential"
        if sight.what == "credential" and sight.approved is False
        else sight.what
    )
    check(f"what {p.person} sees", p.sees, actual)
    if p.where is not None:
        check(f"where {p.person} sees it", p.where, sight.where)


class ExpectCredential(GroupRef):
    student: Alias
    exists: bool = True
    count: int | None = Field(None, ge=0, description="Exactly this many credentials (duplicates).")
    approved: bool | None = Field(None, description="Published (approve: true) or not.")


@step("expect_credential", ExpectCredential)
def expect_credential(ctx: RunContext, p: ExpectCredential) -> None:
    """The group holds the student's credential (or not), published or unapproved."""
    person = ctx.person(p.student)
    group_id = ctx.maybe_group_id(p.group)
    found = (
        []
        if group_id is None
        else ctx.accredible.find_credentials(group_id=group_id, email=person.email)
    )
    expected = p.count if p.count is not None else (1 if p.exists else 0)
    check(f"credentials of {p.student} in group {p.group}", expected, len(found))
    if found and p.approved is not None:
        check(f"approve of {p.student}'s credential", p.approved, found[0]["approve"])


class ExpectEmails(Strict):
    to: Alias | None = Field(None, description="Only emails to this person (all when absent).")
    count: int = Field(ge=0)


@step("expect_emails", ExpectEmails)
def expect_emails(ctx: RunContext, p: ExpectEmails) -> None:
    """The issuer's region sent this many delivery emails (to one person, or in all)."""
    emails = ctx.control(ctx.accredible_service).outbox()
    if p.to is not None:
        address = ctx.person(p.to).email
        emails = [e for e in emails if e["to"].lower() == address.lower()]
    check(f"delivery emails {'to ' + p.to if p.to else 'in all'}", p.count, len(emails))


class ExpectGroup(GroupRef):
    exists: bool = True
    name: str | None = None
    has_design: bool | None = None
    course_name: str | None = None


@step("expect_group", ExpectGroup)
def expect_group(ctx: RunContext, p: ExpectGroup) -> None:
    """The Accredible group's state as the API shows it."""
    group_id = ctx.maybe_group_id(p.group)
    check(f"group {p.group} exists", p.exists, group_id is not None)
    if group_id is None:
        return
    group = ctx.accredible.get_group(group_id)
    if p.name is not None:
        check(f"group {p.group} name", p.name, group["name"])
    if p.has_design is not None:
        check(
            f"group {p.group} has a design",
            p.has_design,
            bool(group["certificate_design_id"] or group["badge_design_id"]),
        )
    if p.course_name is not None:
        check(f"group {p.group} course_name", p.course_name, group["course_name"])


class ExpectItem(Strict):
    module: str
    item: str = "Accredible"
    new_tab: bool | None = None
    published: bool | None = None
    locked_for: Alias | None = Field(
        None, description="With locked: is the item locked for this student?"
    )
    locked: bool | None = None


@step("expect_item", ExpectItem)
def expect_item(ctx: RunContext, p: ExpectItem) -> None:
    """The module item as Canvas's API shows it (to the teacher, or to a student for locks)."""
    cid, mid, iid = ctx.course_id, ctx.module_id(p.module), ctx.item_id(p.module, p.item)
    item = ctx.canvas_as(ctx.first("teacher")).get_item(cid, mid, iid)
    if p.new_tab is not None:
        check(f"{p.item!r} new_tab", p.new_tab, item.get("new_tab"))
    if p.published is not None:
        check(f"{p.item!r} published", p.published, item.get("published"))
    if p.locked is not None:
        who = p.locked_for or ctx.first("student")
        seen = ctx.canvas_as(who).get_item(cid, mid, iid)
        check(f"{p.item!r} locked for {who}", p.locked, seen["content_details"]["locked_for_user"])


class ExpectRegion(Strict):
    region: Region
    groups: int | None = Field(None, ge=0)
    credentials: int | None = Field(None, ge=0)
    emails: int | None = Field(None, ge=0)


@step("expect_region", ExpectRegion)
def expect_region(ctx: RunContext, p: ExpectRegion) -> None:
    """What one Accredible instance holds (R8: an issuer's data lives only in its region)."""
    control = ctx.control(f"accredible-{p.region}")
    state = control.summary()
    for key in ("groups", "credentials", "emails"):
        expected = getattr(p, key)
        if expected is not None:
            check(f"{key} on the {p.region.upper()} instance", expected, state[key])


# -- the journal: what was asked of whom, and when ---------------------------------------------
class Mark(Strict):
    name: str = Field(
        description="A name for this moment; expect_requests can count after or before it."
    )


@step("mark", Mark)
def mark(ctx: RunContext, p: Mark) -> None:
    """Remember this moment of the run (for ordering facts about the journal)."""
    entries = ctx.journal()
    ctx.marks[p.name] = entries[-1]["seq"] if entries else 0


class ExpectRequests(Strict):
    service: Literal["canvas", "accredible", "accredible-us", "accredible-eu"] = Field(
        description="Which fake received them (accredible: the issuer's region)."
    )
    path: str = Field(description="Part of the path, e.g. /v1/canvas/lti/launch.")
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] | None = None
    count: int | None = Field(None, ge=0, description="Exactly this many.")
    at_least: int | None = Field(None, ge=0)
    after: str | None = Field(None, description="Only requests after this mark.")
    before: str | None = Field(None, description="Only requests before this mark.")


@step("expect_requests", ExpectRequests)
def expect_requests(ctx: RunContext, p: ExpectRequests) -> None:
    """How many matching requests a fake received (overall, or between marks): ordering facts
    such as "no launch reached Accredible before the student met the criteria"."""
    service = ctx.accredible_service if p.service == "accredible" else p.service
    low = ctx.marks_at(p.after) if p.after else 0
    high = ctx.marks_at(p.before) if p.before else None
    found = [
        e for e in ctx.journal()
        if e["service"] == service and p.path in e["path"] and (p.method is None or e["method"] == p.method)
        and e["seq"] > low and (high is None or e["seq"] <= high)
    ]  # fmt: skip
    what = f"{p.method or 'any'} requests to {service} {p.path}"
    if p.count is not None:
        check(what, p.count, len(found))
    if p.at_least is not None and len(found) < p.at_least:
        raise ExpectationFailed(what, f"at least {p.at_least}", len(found))
    if p.count is None and p.at_least is None:
        raise StepError("give count or at_least")


# -- system events ---------------------------------------------------------------------------
Service = Literal["canvas", "accredible", "accredible-us", "accredible-eu"]


class Fault(Strict):
    service: Service = Field(description="Which fake (accredible: the issuer's region).")
    action: Literal["status", "latency", "reset", "drop", "timeout"] = Field(
        description="status: an error answer; latency: slow; reset: cut before acting; drop: act, then cut; timeout: never answer."
    )
    path: str = Field("", description="A regular expression searched in the request path.")
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] | None = None
    status: int = Field(500, ge=400, le=599)
    seconds: float = Field(1.0, ge=0)
    times: int | None = Field(
        None, ge=1, description="Fire this many times (until cleared when absent)."
    )


@step("fault", Fault)
def fault(ctx: RunContext, p: Fault) -> None:
    """A fault on a fake: a slow, failed, cut or dropped answer for matching requests."""
    service = ctx.accredible_service if p.service == "accredible" else p.service
    rule = p.model_dump(exclude={"service"}, exclude_none=True)
    ctx.control(service).add_fault(**rule)


class Restart(Strict):
    service: Service = Field(description="Which fake (accredible: the issuer's region).")
    keep_state: bool = Field(
        True,
        description="true: it comes back with its state (casim serve --state); false: empty.",
    )


@step("restart", Restart)
def restart(ctx: RunContext, p: Restart) -> None:
    """A fake restarts: its faults are gone, its state kept (saved and loaded) or lost."""
    service = ctx.accredible_service if p.service == "accredible" else p.service
    ctx.control(service).restart(keep_state=p.keep_state)


class ClearFaults(Strict):
    service: Service | None = Field(None, description="Which fake (all when absent).")


@step("clear_faults", ClearFaults)
def clear_faults(ctx: RunContext, p: ClearFaults) -> None:
    """The fakes behave again."""
    services = (
        [ctx.accredible_service if p.service == "accredible" else p.service]
        if p.service
        else list(ctx.fakes.urls)
    )
    for service in services:
        ctx.control(service).clear_faults()
