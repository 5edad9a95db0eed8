"""A Canvas course with Accredible (or another LTI tool) installed, built through the APIs, for
the LTI tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.browser import Browser
from sim.transport import Fakes


@dataclass
class LtiCourse:
    fakes: Fakes
    region: str
    course_id: int
    module_id: int
    item_id: int
    tool: dict[str, Any]
    client_id: int
    tokens: dict[str, str]

    @property
    def canvas(self):
        return self.fakes.client("canvas")

    @property
    def accredible(self):
        return self.fakes.client(f"accredible-{self.region}")

    def browser(self, who: str, **options: Any) -> Browser:
        return Browser(self.fakes.network, self.fakes.world.state.clock.now, name=who, **options)

    def open_item(self, who: str, browser: Browser | None = None, item_id: int | None = None):
        browser = browser or self.browser(who)
        path = f"/courses/{self.course_id}/modules/items/{item_id or self.item_id}"
        url = self.canvas.get(
            "/login/session_token",
            params={"return_to": path},
            headers={"Authorization": f"Bearer {self.tokens[who]}"},
        ).json()["session_url"]
        return browser, browser.open(url)

    def summary(self) -> dict[str, Any]:
        return self.accredible.get("/_sim/summary").json()


def build_lti_course(
    fakes: Fakes,
    region: str = "us",
    *,
    new_tab: bool = False,
    config: dict[str, Any] | None = None,
    connect: bool = True,
    privacy_level: str = "public",
) -> LtiCourse:
    """Admin, teacher and student; the tool installed from ``config`` (Accredible's by default);
    a published module holding the tool's item."""
    canvas = fakes.client("canvas")
    accredible = fakes.client(f"accredible-{region}")
    tokens = {
        "admin": "t-admin",
        "teacher": "t-teacher",
        "student": "t-student",
        "other": "t-other",
    }
    users = canvas.post(
        "/_sim/seed",
        json={"users": [
            {"name": "Ada Admin", "login_id": "ada@example.edu", "admin": True, "token": tokens["admin"]},
            {"name": "Tess Teacher", "login_id": "tess@example.edu", "token": tokens["teacher"]},
            {"name": "Sam Student", "login_id": "sam@example.edu", "email": "sam@example.edu", "token": tokens["student"]},
            {"name": "Otto Other", "login_id": "otto@example.edu", "email": "otto@example.edu", "token": tokens["other"]},
        ]},
    ).json()["users"]  # fmt: skip
    accredible.post(
        "/_sim/seed", json={"issuers": [{"name": "Org", "api_key": "k"}]}
    ).raise_for_status()
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    settings = config or accredible.get("/v1/canvas/lti/config.json").json()
    for extension in settings.get("extensions", []):
        extension["privacy_level"] = privacy_level
    key = canvas.post(
        "/api/lti/accounts/1/developer_keys/tool_configuration",
        json={"developer_key": {"name": settings["title"], "redirect_uris": settings["redirect_uris"]},
              "tool_configuration": {"settings": settings}},
        headers=admin,
    ).json()["developer_key"]  # fmt: skip
    tool = canvas.post(
        "/api/v1/accounts/1/external_tools", data={"client_id": key["id"]}, headers=admin
    ).json()
    if connect and config is None:
        accredible.post(
            "/_sim/dashboard",
            json={
                "api_key": "k", "action": "connect_canvas", "iss": "https://canvas.instructure.com",
                "client_id": str(key["id"]), "deployment_ids": [tool["deployment_id"]],
                "auth_login_url": fakes.urls["canvas"] + "/api/lti/authorize_redirect",
                "key_set_url": fakes.urls["canvas"] + "/api/lti/security/jwks",
            },
        ).raise_for_status()  # fmt: skip
    course = canvas.post(
        "/api/v1/accounts/1/courses", data={"course[name]": "Data 101", "course[course_code]": "D101", "offer": "true"},
        headers=admin,
    ).json()  # fmt: skip
    for user, kind in (
        (users[1], "TeacherEnrollment"),
        (users[2], "StudentEnrollment"),
        (users[3], "StudentEnrollment"),
    ):
        canvas.post(
            f"/api/v1/courses/{course['id']}/enrollments",
            data={
                "enrollment[user_id]": user["id"],
                "enrollment[type]": kind,
                "enrollment[enrollment_state]": "active",
            },
            headers=admin,
        ).raise_for_status()
    teacher = {"Authorization": f"Bearer {tokens['teacher']}"}
    module = canvas.post(
        f"/api/v1/courses/{course['id']}/modules",
        data={"module[name]": "Certificate"},
        headers=teacher,
    ).json()
    item = canvas.post(
        f"/api/v1/courses/{course['id']}/modules/{module['id']}/items",
        data={"module_item[type]": "ExternalTool", "module_item[external_url]": settings["target_link_uri"],
              "module_item[title]": settings["title"], "module_item[new_tab]": "true" if new_tab else "false"},
        headers=teacher,
    ).json()  # fmt: skip
    canvas.put(
        f"/api/v1/courses/{course['id']}/modules/{module['id']}",
        data={"module[published]": "true"},
        headers=teacher,
    ).raise_for_status()
    return LtiCourse(fakes, region, course["id"], module["id"], item["id"], tool, key["id"], tokens)
