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

    def __init__(self, http: httpx.Client, token: str) -> None:
        self.http = http
        self.token = token
        self._headers = {"Authorization": f"Bearer {token}"}

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
