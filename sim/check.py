"""``casim check``: audit a Canvas course's Accredible set-up against the integration rules,
read-only, against the fakes or a real Canvas and Accredible.

Every finding carries a rule id (DESIGN.md section 2), a severity (error, warning, info), the
item it is about, what is wrong and the fix. Only GET requests are sent; Canvas pagination is
followed through ``Link`` headers; a low ``X-Rate-Limit-Remaining`` slows the checker down, and
5xx and 429 answers are retried a bounded number of times with back-off.
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

#: Accredible's API hosts per region (reference section 1.1).
ACCREDIBLE_URLS = {"us": "https://api.accredible.com", "eu": "https://eu.api.accredible.com"}
LAUNCH_PATH = "/v1/canvas/lti/launch"
SEVERITIES = ("error", "warning", "info")
RETRIES = 3


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str  # error | warning | info
    item: str
    message: str
    fix: str


@dataclass
class CheckResult:
    course: dict[str, Any]
    region: str
    findings: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    region_source: str = "given"

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    def add(self, rule: str, severity: str, item: str, message: str, fix: str) -> None:
        self.findings.append(Finding(rule, severity, item, message, fix))


class Unreachable(Exception):
    """A service did not answer usefully (the message says which and why, without secrets)."""


class ReadOnlyClient:
    """GET-only HTTP with retries, back-off and rate-limit courtesy."""

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        name: str,
    ) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, transport=transport, timeout=30.0
        )
        self.sleep = sleep
        self.name = name
        self.requests = 0

    def get(self, path: str, params: Any = None) -> httpx.Response:
        delay = 0.5
        for attempt in range(RETRIES + 1):
            try:
                response = self.http.get(path, params=params)
            except httpx.HTTPError as error:
                if attempt == RETRIES:
                    raise Unreachable(
                        f"{self.name} did not answer {path}: {type(error).__name__}"
                    ) from None
                self.sleep(delay)
                delay *= 2
                continue
            self.requests += 1
            if response.status_code == 429 or response.status_code >= 500:
                if attempt == RETRIES:
                    return response
                wait = response.headers.get("Retry-After")
                self.sleep(float(wait) if wait and wait.isdigit() else delay)
                delay *= 2
                continue
            remaining = response.headers.get("X-Rate-Limit-Remaining")
            try:
                if remaining is not None and float(remaining) < 100:
                    self.sleep(
                        1.0
                    )  # Canvas's bucket is nearly full: slow down instead of being throttled
            except ValueError:
                pass
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def paged(self, path: str, params: list[tuple[str, str]] | None = None) -> list[Any]:
        """Every page of a Canvas list, following ``Link: rel="next"``."""
        response = self._ok(self.get(path, [*(params or []), ("per_page", "100")]), path)
        items = list(response.json())
        while "next" in response.links:
            response = self._ok(self.get(response.links["next"]["url"]), path)
            items.extend(response.json())
        return items

    def json(self, path: str, params: Any = None) -> Any:
        return self._ok(self.get(path, params), path).json()

    def _ok(self, response: httpx.Response, path: str) -> httpx.Response:
        if response.status_code == 401:
            raise Unreachable(
                f"{self.name} refused the token for {path} (401): check the token and its permissions"
            )
        if response.status_code == 404:
            raise Unreachable(f"{self.name} has no {path} (404)")
        if response.status_code >= 400:
            raise Unreachable(f"{self.name} answered {response.status_code} for {path}")
        return response

    def close(self) -> None:
        self.http.close()


def is_accredible_item(item: dict[str, Any], tool_ids: set[int]) -> bool:
    url = (item.get("external_url") or "").lower()
    return item.get("type") == "ExternalTool" and (
        item.get("content_id") in tool_ids
        or LAUNCH_PATH in url
        or "accredible" in urlsplit(url).netloc
    )


def region_of_url(url: str, known: dict[str, str] | None = None) -> str | None:
    """The Accredible server an item's launch URL points at: a known base URL's host, else
    an ``eu.`` host is the EU server and another Accredible host the US one."""
    host = urlsplit(url or "").netloc.lower()
    for region, base in (known or {}).items():
        if host and host == urlsplit(base).netloc.lower():
            return region
    if "accredible" not in host:
        return None
    return "eu" if host.startswith("eu.") or ".eu." in host else "us"


def check_course(
    canvas: ReadOnlyClient,
    course_id: int,
    *,
    region: str | None = None,
    accredible: dict[str, ReadOnlyClient] | None = None,
) -> CheckResult:
    """Audit one course. ``accredible`` maps region → a client holding the issuer's key."""
    course = canvas.json(f"/api/v1/courses/{course_id}")
    tools = [t for t in canvas.paged(f"/api/v1/courses/{course_id}/external_tools", [("include_parents", "true")])
             if "accredible" in (t.get("name") or "").lower() or LAUNCH_PATH in (t.get("url") or "")]  # fmt: skip
    modules = canvas.paged(
        f"/api/v1/courses/{course_id}/modules",
        [("include[]", "items"), ("include[]", "content_details")],
    )
    for module in modules:
        if "items" not in module:  # too many items to inline: fetch them
            module["items"] = canvas.paged(
                f"/api/v1/courses/{course_id}/modules/{module['id']}/items"
            )
    tool_ids = {t["id"] for t in tools}
    items = [(m, i) for m in modules for i in m["items"] if is_accredible_item(i, tool_ids)]
    known = {r: str(c.http.base_url) for r, c in (accredible or {}).items()}
    inferred = next(
        (r for _, i in items if (r := region_of_url(i.get("external_url", ""), known)) is not None),
        None,
    )
    result = CheckResult({"id": course["id"], "name": course["name"]}, region or inferred or "us")
    result.region_source = (
        "given" if region else "item URLs" if inferred else "assumed (give --region)"
    )
    _check_tools(result, tools, canvas, course_id)
    if not items:
        result.add("R1", "error", f"course {course['name']!r}", "no Accredible module item was found",
                   "add an External Tool item and pick Accredible (Modules → + → External Tool)")  # fmt: skip
    for module, item in items:
        _check_item(result, course, modules, module, item)
    if accredible:
        _check_accredible(result, course, accredible)
    result.checked = (
        ["R1", "R2", "R3", "R4", "R5", "R7", "R8", "R10"]
        if accredible
        else ["R1", "R4", "R7", "R10"]
    )
    return result


def _check_tools(
    result: CheckResult, tools: list[dict[str, Any]], canvas: ReadOnlyClient, course_id: int
) -> None:
    if not tools:
        result.add("R7", "error", "Accredible app", "the Accredible app is not installed for this course or its account",
                   "install Accredible (Admin → Developer Keys, then Settings → Apps) before adding items")  # fmt: skip
        return
    for tool in tools:
        label = f"app {tool['name']!r} (tool {tool['id']})"
        if tool.get("privacy_level") != "public":
            result.add("R7", "error", label, f"the app's privacy level is {tool.get('privacy_level')!r}: Canvas will not share the student's name and email, so Accredible cannot issue credentials",
                       "set the app's privacy level to Public (name and email) in its developer key")  # fmt: skip
        nav = tool.get("course_navigation")
        if not nav or nav.get("enabled") in (False, "false"):
            result.add("R10", "warning", label, "the course navigation placement is off: students have no 'Accredible' link to come back to their credentials",
                       "enable the course_navigation placement in the app's configuration")  # fmt: skip
    tabs = canvas.json(f"/api/v1/courses/{course_id}/tabs")
    for tool in tools:
        tab = next((t for t in tabs if t.get("id") == f"context_external_tool_{tool['id']}"), None)
        if tab is not None and tab.get("hidden"):
            result.add("R10", "warning", f"app {tool['name']!r}", "the 'Accredible' link is hidden in the course navigation",
                       "show it in Settings → Navigation")  # fmt: skip


def _check_item(
    result: CheckResult,
    course: dict[str, Any],
    modules: list[dict[str, Any]],
    module: dict[str, Any],
    item: dict[str, Any],
) -> None:
    label = f"item {item['title']!r} (module {module['name']!r}, item {item['id']})"
    region = result.region
    if region == "eu" and not item.get("new_tab"):
        result.add("R1", "error", label, "an EU issuer's item is not set to load in a new tab: the launch fails inside Canvas's frame and no credential is issued",
                   "tick 'Load in a new tab' on the item")  # fmt: skip
    if region == "us" and item.get("new_tab"):
        result.add("R1", "warning", label, "a US issuer's item loads in a new tab: it works, but students leave Canvas",
                   "untick 'Load in a new tab' to show the credential inside Canvas")  # fmt: skip
    if item.get("published") is False or module.get("published") is False:
        what = "the item" if item.get("published") is False else "its module"
        result.add("R4", "error", label, f"{what} is unpublished: students cannot reach it",
                   "publish the module and the item when the course is ready")  # fmt: skip
    by_id = {m["id"]: m for m in modules}
    earlier = [i for i in module["items"] if i["position"] < item["position"]]
    gated = bool(module.get("prerequisite_module_ids")) or bool(module.get("unlock_at"))
    if module.get("require_sequential_progress") and any(
        i.get("completion_requirement") for i in earlier
    ):
        gated = True
    if not gated:
        result.add("R4", "warning", label, "nothing gates the item: any enrolled student can take a credential without doing the work",
                   "add a prerequisite module or completion requirements with sequential progress before it")  # fmt: skip
    cycle = _prerequisite_cycle(module["id"], by_id)
    if cycle:
        result.add("R4", "error", label, f"the prerequisites form a cycle ({' → '.join(cycle)}): the item can never unlock",
                   "remove one of the prerequisites")  # fmt: skip
    for prerequisite_id in module.get("prerequisite_module_ids", []):
        gate = by_id.get(prerequisite_id)
        if gate is None:
            continue
        for required in gate.get("items", []):
            if required.get("completion_requirement") and required.get("published") is False:
                result.add("R4", "warning", label, f"the requirement on {required['title']!r} in {gate['name']!r} is on an unpublished item: Canvas ignores it",
                           "publish that item, or remove its requirement")  # fmt: skip
    for required in earlier:
        if (
            module.get("require_sequential_progress")
            and required.get("completion_requirement")
            and required.get("published") is False
        ):
            result.add("R4", "warning", label, f"the requirement on {required['title']!r} is on an unpublished item: Canvas ignores it",
                       "publish that item, or remove its requirement")  # fmt: skip
    unlock, end = _time(module.get("unlock_at")), _time(course.get("end_at"))
    if unlock and end and unlock > end:
        result.add("R4", "error", label, f"the module unlocks {unlock:%Y-%m-%d}, after the course ends {end:%Y-%m-%d}",
                   "move the unlock date before the course end")  # fmt: skip


def _prerequisite_cycle(start: int, modules: dict[int, dict[str, Any]]) -> list[str]:
    path: list[int] = []

    def visit(module_id: int) -> list[int] | None:
        if module_id in path:
            return [*path[path.index(module_id) :], module_id]
        path.append(module_id)
        for nxt in modules.get(module_id, {}).get("prerequisite_module_ids", []):
            found = visit(nxt)
            if found:
                return found
        path.pop()
        return None

    cycle = visit(start)
    return [modules[m]["name"] for m in cycle] if cycle else []


def _check_accredible(
    result: CheckResult, course: dict[str, Any], clients: dict[str, ReadOnlyClient]
) -> None:
    region = result.region
    client = clients.get(region)
    label = f"Accredible ({region.upper()})"
    if client is None:
        return
    answer = client.get("/v1/issuer/details")
    if answer.status_code == 401:
        other = "eu" if region == "us" else "us"
        hint = ""
        if other in clients and clients[other].get("/v1/issuer/details").status_code == 200:
            hint = (
                f" (it is valid on the {other.upper()} server: is the issuer on {other.upper()}?)"
            )
        result.add("R8", "error", label, f"the API key is not valid on the {region.upper()} server{hint}",
                   "use the key of the server the issuer is on, and set --region to match")  # fmt: skip
        return
    if answer.status_code >= 400:
        raise Unreachable(
            f"Accredible ({region.upper()}) answered {answer.status_code} for /v1/issuer/details"
        )
    issuer = answer.json().get("issuer", {})
    left = issuer.get("certificate_left")
    if isinstance(left, int) and left <= 0:
        result.add("R2", "error", label, "the issuer has no credits left: new credentials will be created unapproved",
                   "buy credits, then publish the waiting credentials")  # fmt: skip
    groups = _all_groups(client)
    mine = [g for g in groups if g.get("course_name") == course["name"]]
    if not mine:
        result.add("R5", "info", label, "no Accredible group for this course yet: the first launch from the course creates it",
                   "open the Accredible item as a teacher, name the group and choose a design")  # fmt: skip
        return
    for group in mine:
        glabel = f"group {group['name']!r} (Accredible {region.upper()})"
        if not (
            group.get("certificate_design_id")
            or group.get("badge_design_id")
            or group.get("design_id")
        ):
            result.add("R2", "error", glabel, "the group has no certificate or badge design: every credential will wait unapproved",
                       "open the Accredible item as a teacher and choose a certificate or badge design")  # fmt: skip
        result.add("R3", "info", glabel, "Accredible's API does not show whether the group's emails are on: if they are off, students will not be told about their credentials",
                   "check Group Settings → Emails in the Accredible dashboard")  # fmt: skip


def _all_groups(client: ReadOnlyClient) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    page: int | None = 1
    while page is not None and page <= 100:
        body = client.json("/v1/issuer/all_groups", {"page": page, "page_size": 100})
        groups.extend(body.get("groups", []))
        page = (body.get("meta") or {}).get("next_page")
    return groups


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


# -- output -------------------------------------------------------------------------------------
def render_text(result: CheckResult) -> str:
    lines = [
        f"Course {result.course['name']!r} (id {result.course['id']}), Accredible {result.region.upper()} "
        f"server ({result.region_source})"
    ]
    if not result.findings:
        lines.append("  no findings: the Accredible set-up follows every rule checked")
    by_item: dict[str, list[Finding]] = {}
    for finding in sorted(result.findings, key=lambda f: (SEVERITIES.index(f.severity), f.item)):
        by_item.setdefault(finding.item, []).append(finding)
    for item, findings in by_item.items():
        lines.append(f"\n{item}")
        for f in findings:
            lines.append(f"  {f.severity.upper():7} {f.rule:3}  {f.message}")
            lines.append(f"  {'':7} fix  {f.fix}")
    counts = {s: sum(1 for f in result.findings if f.severity == s) for s in SEVERITIES}
    lines.append(
        f"\n{counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes (rules checked: {', '.join(result.checked)})"
    )
    return "\n".join(lines) + "\n"


def render_json(result: CheckResult) -> str:
    """Stable JSON: ``{"format": 1, "course", "region", "rules_checked", "findings": [{rule,
    severity, item, message, fix}], "counts"}``."""
    counts = {s: sum(1 for f in result.findings if f.severity == s) for s in SEVERITIES}
    return (
        json.dumps(
            {
                "format": 1,
                "course": result.course,
                "region": result.region,
                "rules_checked": result.checked,
                "findings": [asdict(f) for f in result.findings],
                "counts": counts,
            },
            indent=2,
        )
        + "\n"
    )


def render_junit(result: CheckResult) -> str:
    """JUnit: one test case per rule checked; errors are failures, warnings and notes go to
    ``system-out`` so CI shows them without failing."""
    suite = ET.Element(
        "testsuite", name=f"casim check: {result.course['name']}", tests=str(len(result.checked))
    )
    failures = 0
    for rule in result.checked:
        case = ET.SubElement(suite, "testcase", classname="casim.check", name=rule)
        found = [f for f in result.findings if f.rule == rule]
        errors = [f for f in found if f.severity == "error"]
        if errors:
            failures += 1
            failure = ET.SubElement(case, "failure", message=errors[0].message, type="error")
            failure.text = "\n".join(f"{f.item}: {f.message} Fix: {f.fix}" for f in errors)
        others = [f for f in found if f.severity != "error"]
        if others:
            ET.SubElement(case, "system-out").text = "\n".join(
                f"{f.severity}: {f.item}: {f.message} Fix: {f.fix}" for f in others
            )
    suite.set("failures", str(failures))
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "junit": render_junit}
