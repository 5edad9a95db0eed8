"""A client written from Accredible's public API documentation (OpenAPI spec, "Token token="
header, JSON envelopes); the tests of the fake Accredible drive it over HTTP."""

from __future__ import annotations

from typing import Any

import httpx


class DocClient:
    """Every v1 call of the public documentation, answering the raw ``httpx.Response``."""

    def __init__(self, http: httpx.Client, key: str) -> None:
        self.http = http
        self.key = key
        self.headers = {"Authorization": f"Token token={key}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> httpx.Response:
        return self.http.request(
            method, f"/v1/{path}", json=body, params=params or None, headers=self.headers
        )

    # groups
    def create_group(self, **group: Any) -> httpx.Response:
        return self.call("POST", "issuer/groups", {"group": group})

    def group(self, **fields: Any) -> dict[str, Any]:
        """Create a valid group (defaults filled in) and answer it."""
        body = {
            "name": "intro-101",
            "course_name": "Intro to Data",
            "course_description": "Well done.",
            **fields,
        }
        answer = self.create_group(**body)
        assert answer.status_code == 200, answer.text
        return answer.json()["group"]

    def design(self, kind: str = "certificate") -> dict[str, Any]:
        return self.call("GET", "designs", kind=f"{kind}s").json()["designs"][0]

    def credential(
        self, group_id: int, email: str = "sam@example.edu", **fields: Any
    ) -> httpx.Response:
        body = {
            "group_id": group_id,
            "recipient": {"name": "Sam Student", "email": email},
            **fields,
        }
        return self.call("POST", "credentials", {"credential": body})

    def outbox(self) -> list[dict[str, Any]]:
        return self.http.get("/_sim/outbox").json()["emails"]

    def dashboard(self, action: str, **args: Any) -> httpx.Response:
        return self.http.post(
            "/_sim/dashboard", json={"api_key": self.key, "action": action, **args}
        )


def seed_issuer(http: httpx.Client, key: str, **extra: Any) -> dict[str, Any]:
    answer = http.post(
        "/_sim/seed", json={"issuers": [{"name": "Example Org", "api_key": key, **extra}]}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["issuers"][0]
