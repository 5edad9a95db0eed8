"""A Canvas REST client: Bearer token, form-encoded writes as canvasapi sends them, and
pagination that follows ``Link: rel="next"``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx

from sim.clients.base import send


def _form(prefix: str, values: dict[str, Any]) -> list[tuple[str, str]]:
    """``{"name": "X", "ids": [1, 2]}`` under ``module`` as Rails form pairs."""
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        if value is None:
            continue
        name = f"{prefix}[{key}]"
        if isinstance(value, dict):
            pairs.extend(_form(name, value))
        elif isinstance(value, list | tuple):
            pairs.extend((f"{name}[]", _scalar(v)) for v in value)
        else:
            pairs.append((name, _scalar(value)))
    return pairs


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class CanvasClient:
    """One Canvas user's view of the API (their token)."""

    def __init__(self, http: httpx.Client, token: str, *, user_agent: str | None = None) -> None:
        self.http = http
        self.token = token
        self._headers = {"Authorization": f"Bearer {token}"}
        if user_agent:
            self._headers["User-Agent"] = user_agent

    def as_user(self, token: str) -> CanvasClient:
        """The same connection, another user's token."""
        return CanvasClient(self.http, token)

    def _send(
        self, method: str, path: str, *, data: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> Any:
        headers = self._headers
        if data is not None:
            # Form-encoded, as canvasapi sends writes (repeated ``key[]`` names kept in order).
            kwargs["content"] = urlencode(data)
            headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
        return send(self.http, method, f"/api/v1/{path}", headers=headers, **kwargs).json()

    def _paged(self, path: str, params: list[tuple[str, str]] | None = None) -> list[Any]:
        response = send(
            self.http,
            "GET",
            f"/api/v1/{path}",
            params=[*(params or []), ("per_page", "100")],
            headers=self._headers,
        )
        out = list(response.json())
        while "next" in response.links:
            response = send(self.http, "GET", response.links["next"]["url"], headers=self._headers)
            out.extend(response.json())
        return out

    def session_url(self, return_to: str | None = None) -> str:
        """``GET /login/session_token``: a one-time URL that signs a browser in as this user."""
        params = {"return_to": return_to} if return_to else None
        return send(
            self.http, "GET", "/login/session_token", params=params, headers=self._headers
        ).json()["session_url"]

    # -- reads --------------------------------------------------------------------------------
    def current_user(self) -> dict[str, Any]:
        return self._send("GET", "users/self")

    def list_courses(self) -> list[dict[str, Any]]:
        return self._paged("courses")

    def get_course(self, course_id: int) -> dict[str, Any]:
        return self._send("GET", f"courses/{course_id}")

    def list_modules(self, course_id: int, *, include_items: bool = False) -> list[dict[str, Any]]:
        params = [("include[]", "items")] if include_items else []
        return self._paged(f"courses/{course_id}/modules", params)

    def list_items(self, course_id: int, module_id: int) -> list[dict[str, Any]]:
        return self._paged(f"courses/{course_id}/modules/{module_id}/items")

    # -- writes -------------------------------------------------------------------------------
    def create_course(
        self, account_id: int, *, name: str, course_code: str, offer: bool = True
    ) -> dict[str, Any]:
        data = [
            *_form("course", {"name": name, "course_code": course_code}),
            ("offer", _scalar(offer)),
        ]
        return self._send("POST", f"accounts/{account_id}/courses", data=data)

    def enroll(
        self, course_id: int, user_id: int, *, type: str, state: str = "active"
    ) -> dict[str, Any]:
        data = _form("enrollment", {"user_id": user_id, "type": type, "enrollment_state": state})
        return self._send("POST", f"courses/{course_id}/enrollments", data=data)

    def create_module(self, course_id: int, **module: Any) -> dict[str, Any]:
        return self._send("POST", f"courses/{course_id}/modules", data=_form("module", module))

    def create_item(self, course_id: int, module_id: int, **item: Any) -> dict[str, Any]:
        return self._send(
            "POST",
            f"courses/{course_id}/modules/{module_id}/items",
            data=_form("module_item", item),
        )

    def update_module(self, course_id: int, module_id: int, **module: Any) -> dict[str, Any]:
        return self._send(
            "PUT", f"courses/{course_id}/modules/{module_id}", data=_form("module", module)
        )

    def update_item(
        self, course_id: int, module_id: int, item_id: int, **item: Any
    ) -> dict[str, Any]:
        path = f"courses/{course_id}/modules/{module_id}/items/{item_id}"
        return self._send("PUT", path, data=_form("module_item", item))

    def get_item(self, course_id: int, module_id: int, item_id: int) -> dict[str, Any]:
        path = f"courses/{course_id}/modules/{module_id}/items/{item_id}?include[]=content_details"
        return self._send("GET", path)

    def get_module(self, course_id: int, module_id: int) -> dict[str, Any]:
        return self._send("GET", f"courses/{course_id}/modules/{module_id}")

    def mark_read(self, course_id: int, module_id: int, item_id: int) -> dict[str, Any]:
        return self._send(
            "POST", f"courses/{course_id}/modules/{module_id}/items/{item_id}/mark_read"
        )

    def mark_done(self, course_id: int, module_id: int, item_id: int) -> dict[str, Any]:
        return self._send("PUT", f"courses/{course_id}/modules/{module_id}/items/{item_id}/done")

    # -- content and tools --------------------------------------------------------------------
    def create_page(self, course_id: int, **page: Any) -> dict[str, Any]:
        return self._send("POST", f"courses/{course_id}/pages", data=_form("wiki_page", page))

    def show_page(self, course_id: int, url: str) -> dict[str, Any]:
        return self._send("GET", f"courses/{course_id}/pages/{url}")

    def create_assignment(self, course_id: int, **assignment: Any) -> dict[str, Any]:
        return self._send(
            "POST", f"courses/{course_id}/assignments", data=_form("assignment", assignment)
        )

    def submit(self, course_id: int, assignment_id: int, body: str = "My work") -> dict[str, Any]:
        data = _form("submission", {"submission_type": "online_text_entry", "body": body})
        return self._send(
            "POST", f"courses/{course_id}/assignments/{assignment_id}/submissions", data=data
        )

    def grade(self, course_id: int, assignment_id: int, user_id: int, grade: Any) -> dict[str, Any]:
        data = _form("submission", {"posted_grade": grade})
        path = f"courses/{course_id}/assignments/{assignment_id}/submissions/{user_id}"
        return self._send("PUT", path, data=data)

    def create_quiz(self, course_id: int, **quiz: Any) -> dict[str, Any]:
        return self._send("POST", f"courses/{course_id}/quizzes", data=_form("quiz", quiz))

    def take_quiz(self, course_id: int, quiz_id: int) -> dict[str, Any]:
        """Start a quiz attempt and hand it in (the fake's quizzes have no questions)."""
        path = f"courses/{course_id}/quizzes/{quiz_id}/submissions"
        started = self._send("POST", path)["quiz_submissions"][0]
        data = [
            ("attempt", str(started["attempt"])),
            ("validation_token", started["validation_token"]),
        ]
        return self._send("POST", f"{path}/{started['id']}/complete", data=data)[
            "quiz_submissions"
        ][0]

    def create_discussion(
        self, course_id: int, title: str, published: bool = True
    ) -> dict[str, Any]:
        data = [("title", title), ("message", title), ("published", _scalar(published))]
        return self._send("POST", f"courses/{course_id}/discussion_topics", data=data)

    def post_entry(self, course_id: int, topic_id: int, message: str) -> dict[str, Any]:
        path = f"courses/{course_id}/discussion_topics/{topic_id}/entries"
        return self._send("POST", path, data=[("message", message)])

    def list_tools(self, course_id: int, placement: str | None = None) -> list[dict[str, Any]]:
        params = [("include_parents", "true")] + ([("placement", placement)] if placement else [])
        return self._paged(f"courses/{course_id}/external_tools", params)

    def create_developer_key(
        self, account_id: int, key: dict[str, Any], settings: dict[str, Any]
    ) -> dict[str, Any]:
        """An LTI 1.3 developer key from a tool's JSON configuration (the admin UI's call)."""
        body = {"developer_key": key, "tool_configuration": {"settings": settings}}
        path = f"/api/lti/accounts/{account_id}/developer_keys/tool_configuration"
        return send(self.http, "POST", path, json=body, headers=self._headers).json()[
            "developer_key"
        ]

    def install_tool(self, context: str, context_id: int, **fields: Any) -> dict[str, Any]:
        data = [(k, _scalar(v)) for k, v in fields.items()]
        return self._send("POST", f"{context}/{context_id}/external_tools", data=data)
