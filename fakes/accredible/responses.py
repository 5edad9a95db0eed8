"""Accredible wire layer: ``Token token=`` auth, the ``{"group": ...}`` / ``{"credential": ...}``
envelopes and Accredible's error bodies (``ERRORS``).

Shapes follow Accredible's OpenAPI spec (``shared/reference/accredible.md`` section 3); the 401
answers follow DESIGN.md section 5.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fakes.accredible import exceptions as exc
from fakes.accredible.models import AccredibleBackend, Credential, Design, Group, Issuer
from fakes.core.clock import iso
from fakes.web import ApiRequest, ApiResponse, BadRequestBody, json_response, text_response
from fakes.web.app import RouteNotFound

# Rails' token parser: "Token token=K", 'Token token="K"', "Token K", "Bearer K".
_AUTH = re.compile(r'^(?:Token|Bearer)\s+(?:token=)?"?([^",\s]+)"?', re.IGNORECASE)

ERRORS: dict[type[BaseException], Callable[[Any], ApiResponse]] = {
    exc.MissingToken: lambda e: text_response(
        "HTTP Token: Access denied.\n", 401, [("WWW-Authenticate", 'Token realm="Application"')]
    ),
    exc.InvalidKey: lambda e: json_response(
        {"success": False, "data": "issuer_token not valid"}, 401
    ),
    exc.NotFound: lambda e: json_response(e.body, 404),
    exc.Unprocessable: lambda e: json_response({"errors": e.errors}, 422),
    exc.BadRequest: lambda e: json_response({"errors": e.errors}, 400),
    RouteNotFound: lambda e: json_response({"error": "Not found"}, 404),
    BadRequestBody: lambda e: json_response({"errors": f"Invalid request body: {e}"}, 400),
    Exception: lambda e: json_response({"errors": "Internal server error"}, 500),
}


def _wrapped(request: ApiRequest, key: str) -> dict[str, Any]:
    """The object under ``key`` in a JSON body (``{"group": {...}}``); 400 if absent."""
    body = request.json()
    if not isinstance(body, dict) or not isinstance(body.get(key), dict):
        raise exc.BadRequest(f"param is missing or the value is empty: {key}")
    return body[key]


def _record_id(raw: str) -> int:
    """Ids arrive in paths as strings; non-numeric ones name nothing."""
    try:
        return int(raw)
    except ValueError:
        return -1


def _page_args(args: dict[str, str]) -> tuple[int, int]:
    try:
        page = max(1, int(args.get("page", 1)))
        size = max(1, int(args.get("page_size", 50)))
    except ValueError:
        raise exc.BadRequest("page and page_size must be integers") from None
    return page, size


def page_meta(page: int, size: int, total: int) -> dict[str, Any]:
    """Accredible's ``meta`` block: ``next_page`` is null on the last page."""
    pages = max(1, -(-total // size))
    return {
        "current_page": page,
        "next_page": page + 1 if page < pages else None,
        "prev_page": page - 1 if page > 1 else None,
        "total_pages": pages,
        "total_count": total,
    }


class AccredibleResponses:
    """One method per Accredible endpoint (named in ``urls.py``)."""

    def __init__(self, backend: AccredibleBackend) -> None:
        self.backend = backend

    def issuer(self, request: ApiRequest) -> Issuer:
        """Authenticate the request's API key against this region."""
        match = _AUTH.match(request.headers.get("Authorization", "").strip())
        if match is None:
            raise exc.MissingToken()
        return self.backend.issuer_for_key(match.group(1))

    # -- renderers ----------------------------------------------------------------------------
    def group_json(self, group: Group) -> dict[str, Any]:
        design = self.backend.designs.get(group.certificate_design_id or group.design_id or 0)
        return {
            "id": group.id,
            "name": group.name,
            "course_name": group.course_name,
            "course_description": group.course_description,
            "course_link": group.course_link,
            "language": group.language,
            "attach_pdf": group.attach_pdf,
            "allow_duplicate_credentials": group.allow_duplicate_credentials,
            "design_name": design.name if design else None,
            "design_id": group.design_id or group.certificate_design_id,
            "certificate_design_id": group.certificate_design_id,
            "badge_design_id": group.badge_design_id,
            "primary_design_id": group.primary_design_id,
            "blockchain": False,
            "department_id": None,
            "meta_data": group.meta_data,
            "learning_outcomes": group.learning_outcomes,
            "generate_private_credential": False,
            "auto_expiry": None,
            "updated_at": iso(group.updated_at, millis=True),
            "created_at": iso(group.created_at, millis=True),
        }

    def credential_json(self, credential: Credential, base: str) -> dict[str, Any]:
        group = self.backend.groups[credential.group_id]
        issuer = self.backend.issuers[credential.issuer_id]
        cid = credential.id
        return {
            "id": cid,
            "uuid": credential.uuid,
            "name": credential.name or group.course_name,
            "description": credential.description or group.course_description,
            "approve": credential.approve,
            "grade": credential.grade,
            "complete": credential.complete,
            "issued_on": credential.issued_on.isoformat(),
            "expired_on": credential.expired_on.isoformat() if credential.expired_on else None,
            "course_link": group.course_link,
            "custom_attributes": credential.custom_attributes,
            "group_name": group.name,
            "group_id": group.id,
            "url": f"{base}/{cid}",
            "encoded_id": str(cid),
            "private": credential.private,
            "license_id": credential.license_id,
            "seo_image": f"{base}/v1/frontend/credential_seo_image/{cid}",
            "certificate": {
                "image": {
                    "preview": (
                        f"{base}/v1/frontend/credential_website_embed_image/certificate/{cid}"
                        if group.certificate_design_id or group.design_id
                        else None
                    )
                }
            },
            "badge": {
                "image": {
                    "preview": (
                        f"{base}/v1/frontend/credential_badge_image/{cid}"
                        if group.badge_design_id
                        else None
                    )
                }
            },
            "evidence_items": [],
            "references": [],
            "recipient": {k: v for k, v in credential.recipient.items() if v is not None}
            | {"name": credential.recipient["name"], "email": credential.recipient["email"]},
            "issuer": {
                "name": issuer.name,
                "description": None,
                "url": issuer.url,
                "id": issuer.id,
            },
            "meta_data": credential.meta_data,
        }

    @staticmethod
    def design_json(design: Design) -> dict[str, Any]:
        return {
            "id": design.id,
            "name": design.name,
            "kind": design.kind,
            "orientation": "landscape" if design.kind == "certificate" else None,
            "size": "a4" if design.kind == "certificate" else None,
            "department_id": None,
            "created_at": iso(design.created_at, millis=True),
            "updated_at": iso(design.updated_at, millis=True),
        }

    # -- groups -------------------------------------------------------------------------------
    def create_group(self, request: ApiRequest) -> ApiResponse:
        issuer = self.issuer(request)
        group = self.backend.create_group(issuer, _wrapped(request, "group"))
        return json_response({"group": self.group_json(group)})

    def get_group(self, request: ApiRequest, group_id: str) -> ApiResponse:
        issuer = self.issuer(request)
        return json_response(
            {"group": self.group_json(self.backend.get_group(issuer, _record_id(group_id)))}
        )

    def update_group(self, request: ApiRequest, group_id: str) -> ApiResponse:
        issuer = self.issuer(request)
        group = self.backend.update_group(issuer, _record_id(group_id), _wrapped(request, "group"))
        return json_response({"group": self.group_json(group)})

    # -- designs ------------------------------------------------------------------------------
    def list_designs(self, request: ApiRequest) -> ApiResponse:
        issuer = self.issuer(request)
        kind = dict(request.query_pairs()).get("kind") or None
        if kind is not None:
            kind = {"certificates": "certificate", "badges": "badge"}.get(kind, kind)
            if kind not in ("certificate", "badge"):
                raise exc.BadRequest("kind must be 'certificates' or 'badges'")
        designs = self.backend.list_designs(issuer, kind)
        return json_response({"designs": [self.design_json(d) for d in designs]})

    # -- credentials --------------------------------------------------------------------------
    def create_credential(self, request: ApiRequest) -> ApiResponse:
        issuer = self.issuer(request)
        credential = self.backend.create_credential(issuer, _wrapped(request, "credential"))
        return json_response({"credential": self.credential_json(credential, request.base_url)})

    def list_credentials(self, request: ApiRequest) -> ApiResponse:
        """``GET /v1/all_credentials``: filters ``group_id`` and ``email`` (an empty parameter
        counts as absent, as Moodle sends them), pages of ``page_size`` (default 50)."""
        issuer = self.issuer(request)
        args = {k: v for k, v in request.query_pairs() if v != ""}
        group_id = args.get("group_id")
        credentials = self.backend.find_credentials(
            issuer,
            group_id=_record_id(group_id) if group_id is not None else None,
            email=args.get("email"),
        )
        page, size = _page_args(args)
        chunk = credentials[(page - 1) * size : page * size]
        return json_response(
            {
                "credentials": [self.credential_json(c, request.base_url) for c in chunk],
                "meta": page_meta(page, size, len(credentials)),
            }
        )

    def get_credential(self, request: ApiRequest, credential_id: str) -> ApiResponse:
        issuer = self.issuer(request)
        credential = self.backend.get_credential(issuer, _record_id(credential_id))
        return json_response({"credential": self.credential_json(credential, request.base_url)})

    # -- control plane ------------------------------------------------------------------------
    def control_seed(self, request: ApiRequest) -> ApiResponse:
        """``POST /_sim/seed``: issuers and their API keys, which the real API cannot create.

        Body ``{"issuers": [{"name", "email", "api_key", "certificate_left"?}]}``.
        """
        body = request.json()
        if request.method != "POST" or not isinstance(body, dict):
            raise ValueError(
                'POST a JSON object such as {"issuers": [{"name": ..., "api_key": ...}]}'
            )
        created = []
        with self.backend.lock:
            for i, spec in enumerate(body.get("issuers", [])):
                if not isinstance(spec, dict) or not spec.get("name") or not spec.get("api_key"):
                    raise ValueError(f"issuers[{i}] needs 'name' and 'api_key'")
                issuer = self.backend.create_issuer(
                    name=spec["name"],
                    email=spec.get("email") or "issuer@example.org",
                    api_key=spec["api_key"],
                    certificate_left=int(spec.get("certificate_left", 1000)),
                )
                created.append(
                    {"id": issuer.id, "name": issuer.name, "region": self.backend.region}
                )
        return json_response({"issuers": created})

    def control_outbox(self, request: ApiRequest) -> ApiResponse:
        """``GET /_sim/outbox``: every email this region sent, oldest first."""
        return json_response(
            {
                "region": self.backend.region,
                "emails": [
                    {
                        "id": e.id,
                        "kind": e.kind,
                        "to": e.to,
                        "subject": e.subject,
                        "credential_id": e.credential_id,
                        "group_id": e.group_id,
                        "sent_at": iso(e.sent_at),
                    }
                    for e in self.backend.outbox
                ],
            }
        )

    def control_dashboard(self, request: ApiRequest) -> ApiResponse:
        """``POST /_sim/dashboard``: what the issuer does in Accredible's dashboard.

        ``{"api_key", "action": "set_group_emails", "group_id", "enabled": bool}``.
        """
        body = request.json()
        if not isinstance(body, dict):
            raise ValueError("POST a JSON object with 'api_key' and 'action'")
        with self.backend.lock:
            issuer = self.backend.issuer_for_key(str(body.get("api_key", "")))
            action = body.get("action")
            if action == "set_group_emails":
                group = self.backend.set_group_emails(
                    issuer, int(body["group_id"]), bool(body["enabled"])
                )
                return json_response({"group_id": group.id, "emails_enabled": group.emails_enabled})
        raise ValueError(f"unknown dashboard action {action!r}; known: set_group_emails")
