"""An Accredible v1 client: ``Authorization: Token token=KEY`` and JSON envelopes."""

from __future__ import annotations

from typing import Any

import httpx

from sim.clients.base import send


class AccredibleClient:
    """One issuer's API key against one region's base URL."""

    def __init__(self, http: httpx.Client, api_key: str, *, user_agent: str | None = None) -> None:
        self.http = http
        self._headers = {"Authorization": f"Token token={api_key}"}
        if user_agent:
            self._headers["User-Agent"] = user_agent

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        return send(self.http, method, f"/v1/{path}", headers=self._headers, **kwargs).json()

    def create_group(self, **group: Any) -> dict[str, Any]:
        return self._send("POST", "issuer/groups", json={"group": group})["group"]

    def get_group(self, group_id: int) -> dict[str, Any]:
        return self._send("GET", f"issuer/groups/{group_id}")["group"]

    def update_group(self, group_id: int, **group: Any) -> dict[str, Any]:
        return self._send("PUT", f"issuer/groups/{group_id}", json={"group": group})["group"]

    def search_groups(self, **body: Any) -> list[dict[str, Any]]:
        return self._send("POST", "issuer/groups/search", json={"page_size": 100, **body})["groups"]

    def list_designs(self, kind: str | None = None) -> list[dict[str, Any]]:
        params = {"kind": kind} if kind else None
        return self._send("GET", "designs", params=params)["designs"]

    def create_credential(self, **credential: Any) -> dict[str, Any]:
        return self._send("POST", "credentials", json={"credential": credential})["credential"]

    def get_credential(self, credential_id: int) -> dict[str, Any]:
        return self._send("GET", f"credentials/{credential_id}")["credential"]

    def find_credentials(
        self, *, group_id: int | None = None, email: str | None = None
    ) -> list[dict[str, Any]]:
        """Every credential matching the filters, following ``meta.next_page``."""
        params: dict[str, Any] = {"page_size": 100}
        if group_id is not None:
            params["group_id"] = group_id
        if email is not None:
            params["email"] = email
        out: list[dict[str, Any]] = []
        page: int | None = 1
        while page is not None:
            body = self._send("GET", "all_credentials", params={**params, "page": page})
            out.extend(body["credentials"])
            page = body["meta"]["next_page"]
        return out
