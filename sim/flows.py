"""Multi-service flows that several parts of the engine share (scenario steps, the demo world)."""

from __future__ import annotations

from typing import Any

import httpx

from sim.clients import CanvasClient, ControlClient

CANVAS_ISSUER = "https://canvas.instructure.com"


def install_accredible(
    admin: CanvasClient,
    accredible: httpx.Client,
    *,
    canvas_url: str,
    api_key: str,
    account_id: int,
    context: tuple[str, int] | None = None,
    privacy_level: str = "public",
    name: str = "Accredible",
) -> dict[str, Any]:
    """What an admin does to install Accredible: paste its LTI 1.3 configuration into a Canvas
    developer key, install the tool by client id, then enter Canvas's client id, deployment and
    URLs in Accredible's Canvas integration settings. Answers the installed tool's JSON."""
    settings = accredible.get("/v1/canvas/lti/config.json").json()
    settings["title"] = name
    for extension in settings.get("extensions", []):
        extension["privacy_level"] = privacy_level
        for placement in extension.get("settings", {}).get("placements", []):
            placement["text"] = name
    key = admin.create_developer_key(
        account_id, {"name": name, "redirect_uris": settings["redirect_uris"]}, settings
    )
    where, where_id = context or ("accounts", account_id)
    tool = admin.install_tool(where, where_id, client_id=key["id"])
    ControlClient(accredible).dashboard(
        api_key=api_key,
        action="connect_canvas",
        iss=CANVAS_ISSUER,
        client_id=str(key["id"]),
        deployment_ids=[tool["deployment_id"]],
        auth_login_url=f"{canvas_url}/api/lti/authorize_redirect",
        key_set_url=f"{canvas_url}/api/lti/security/jwks",
    )
    return tool
