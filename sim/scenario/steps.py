"""Every step a scenario can take, by name: what people do and what they expect to see.

A step is a function registered with :func:`step`, taking the run context and its validated
parameters. Action steps drive the fakes over HTTP; ``expect_*`` steps read what a person or
system could observe and raise :class:`ExpectationFailed` with expected and actual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from sim.scenario.model import Alias, Strict

if TYPE_CHECKING:
    from sim.scenario.runner import RunContext


class ExpectationFailed(Exception):
    """What a person would have seen differs from what the scenario expects."""

    def __init__(self, what: str, expected: Any, actual: Any) -> None:
        super().__init__(f"{what}: expected {expected!r}, got {actual!r}")
        self.what = what
        self.expected = expected
        self.actual = actual


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


# -- Canvas: the teacher builds the course ----------------------------------------------------
class AddModule(Strict):
    module: str = Field(description="Module name; later steps refer to it by this name.")
    as_: Alias | None = Field(None, alias="as", description="Who does it (first teacher).")
    require_sequential_progress: bool = False


@step("add_module", AddModule)
def add_module(ctx: RunContext, p: AddModule) -> None:
    """A teacher adds a module to the course."""
    canvas = ctx.canvas_as(p.as_ or ctx.first("teacher"))
    module = canvas.create_module(
        ctx.course_id, name=p.module, require_sequential_progress=p.require_sequential_progress
    )
    ctx.modules[p.module] = module["id"]


class AddAccredibleItem(Strict):
    module: str = Field(description="The module (by name) the item goes into.")
    title: str = "Accredible"
    new_tab: bool = Field(False, description='The "Load in a new tab" box.')
    requirement: Literal["must_view"] | None = Field(
        None, description="Completion requirement on the item itself."
    )
    as_: Alias | None = Field(None, alias="as")


@step("add_accredible_item", AddAccredibleItem)
def add_accredible_item(ctx: RunContext, p: AddAccredibleItem) -> None:
    """A teacher adds an External Tool item pointing at the issuer's Accredible launch URL."""
    canvas = ctx.canvas_as(p.as_ or ctx.first("teacher"))
    item = canvas.create_item(
        ctx.course_id,
        ctx.module_id(p.module),
        type="ExternalTool",
        title=p.title,
        external_url=ctx.accredible_launch_url,
        new_tab=p.new_tab,
        completion_requirement={"type": p.requirement} if p.requirement else None,
    )
    ctx.items[(p.module, p.title)] = item["id"]


# -- Accredible: the issuer's group ------------------------------------------------------------
class CreateGroup(Strict):
    group: str = Field(description="How later steps name this group.")
    name: str | None = Field(None, description="The group's Identifier (generated when absent).")
    course_name: str | None = None
    course_description: str | None = None
    design: Literal["none", "certificate", "badge"] = "none"
    allow_duplicates: bool = False


@step("create_group", CreateGroup)
def create_group(ctx: RunContext, p: CreateGroup) -> None:
    """The issuer creates an Accredible group for the course (with or without a design)."""
    fields: dict[str, Any] = {
        "name": p.name or f"{ctx.course_code}-{p.group}",
        "course_name": p.course_name or ctx.course_name,
        "course_description": p.course_description or f"Awarded on completing {ctx.course_name}.",
        "allow_duplicate_credentials": p.allow_duplicates,
    }
    if p.design != "none":
        fields[f"{p.design}_design_id"] = ctx.design_id(p.design)
    ctx.groups[p.group] = ctx.accredible.create_group(**fields)["id"]


class AssignDesign(Strict):
    group: str
    design: Literal["certificate", "badge"]


@step("assign_design", AssignDesign)
def assign_design(ctx: RunContext, p: AssignDesign) -> None:
    """The issuer picks a certificate or badge design for the group."""
    ctx.accredible.update_group(
        ctx.group_id(p.group), **{f"{p.design}_design_id": ctx.design_id(p.design)}
    )


class GroupEmails(Strict):
    group: str


@step("turn_group_emails_off", GroupEmails)
def turn_group_emails_off(ctx: RunContext, p: GroupEmails) -> None:
    """The issuer unticks "Send email notifications for this group" in the dashboard."""
    ctx.control(ctx.accredible_service).dashboard(
        api_key=ctx.api_key,
        action="set_group_emails",
        group_id=ctx.group_id(p.group),
        enabled=False,
    )


@step("turn_group_emails_on", GroupEmails)
def turn_group_emails_on(ctx: RunContext, p: GroupEmails) -> None:
    """The issuer ticks "Send email notifications for this group" again."""
    ctx.control(ctx.accredible_service).dashboard(
        api_key=ctx.api_key, action="set_group_emails", group_id=ctx.group_id(p.group), enabled=True
    )


class IssueCredential(Strict):
    student: Alias
    group: str


@step("issue_credential", IssueCredential)
def issue_credential(ctx: RunContext, p: IssueCredential) -> None:
    """The integration creates the student's credential in the group (name, email from Canvas)."""
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
class ExpectCredential(Strict):
    student: Alias
    group: str
    exists: bool = True
    approved: bool | None = Field(None, description="Published (approve: true) or not.")


@step("expect_credential", ExpectCredential)
def expect_credential(ctx: RunContext, p: ExpectCredential) -> None:
    """The group holds the student's credential (or not), published or unapproved."""
    person = ctx.person(p.student)
    found = ctx.accredible.find_credentials(group_id=ctx.group_id(p.group), email=person.email)
    check(f"credentials of {p.student} in group {p.group}", 1 if p.exists else 0, len(found))
    if p.exists and p.approved is not None:
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
    who = f"to {p.to}" if p.to else "in all"
    check(f"delivery emails {who}", p.count, len(emails))


class ExpectGroup(Strict):
    group: str
    has_design: bool | None = None
    course_name: str | None = None


@step("expect_group", ExpectGroup)
def expect_group(ctx: RunContext, p: ExpectGroup) -> None:
    """The Accredible group's state as the API shows it."""
    group = ctx.accredible.get_group(ctx.group_id(p.group))
    if p.has_design is not None:
        has = bool(group["certificate_design_id"] or group["badge_design_id"])
        check(f"group {p.group} has a design", p.has_design, has)
    if p.course_name is not None:
        check(f"group {p.group} course_name", p.course_name, group["course_name"])


class ExpectItem(Strict):
    module: str
    title: str = "Accredible"
    new_tab: bool | None = None
    published: bool | None = None


@step("expect_item", ExpectItem)
def expect_item(ctx: RunContext, p: ExpectItem) -> None:
    """The module item as the teacher sees it through the Canvas API."""
    canvas = ctx.canvas_as(ctx.first("teacher"))
    items = canvas.list_items(ctx.course_id, ctx.module_id(p.module))
    matching = [i for i in items if i["title"] == p.title]
    check(f"items titled {p.title!r} in module {p.module!r}", 1, len(matching))
    item = matching[0]
    if p.new_tab is not None:
        check(f"{p.title!r} new_tab", p.new_tab, item.get("new_tab"))
    if p.published is not None:
        check(f"{p.title!r} published", p.published, item.get("published"))
