"""Accredible wire layer: ``Token token=`` auth, the ``{"group": ...}`` / ``{"credential": ...}``
envelopes, ``meta`` pagination and Accredible's error bodies (``ERRORS``).

Shapes follow Accredible's OpenAPI spec (``shared/reference/accredible.md`` section 3); the 401
answers follow DESIGN.md section 5. Choices where the sources are silent:

- ``page_size`` defaults to 50 and is capped at :data:`MAX_PAGE_SIZE` (the real cap is unknown;
  pyaccredible asks for 200);
- bulk create answers ``{"credentials": [...]}`` and, when any item is invalid, 422
  ``{"errors": [{"index": i, "errors": <the single-create error>}, ...]}`` with nothing created;
- a second credential for one email in a group (R6) is 422
  ``{"errors": {"credential": ["Recipient email has already been taken. ..."]}}``;
- a body over 1 MiB is 413 ``{"errors": "Request body too large (limit 1 MiB)"}``;
- rate limiting (off by default, switched on with ``POST /_sim/rate_limit``) answers 429
  ``{"errors": "Too many requests"}`` with ``Retry-After`` in seconds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from fakes.accredible import exceptions as exc
from fakes.accredible.models import (
    AccredibleBackend,
    Caller,
    Credential,
    Design,
    EvidenceItem,
    Group,
    Reference,
    parse_date,
)
from fakes.core.clock import iso
from fakes.core.ratelimit import RateLimiter
from fakes.web import (
    ApiRequest,
    ApiResponse,
    BadRequestBody,
    BodyTooLarge,
    json_response,
    seed_specs,
    text_response,
)
from fakes.web.app import RouteNotFound
from fakes.web.faults import InjectedStatus

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000

# Rails' token parser: "Token token=K", 'Token token="K"', "Token K", "Bearer K".
_AUTH = re.compile(r'^(?:Token|Bearer)\s+(?:token=)?"?([^",\s]+)"?\s*$', re.IGNORECASE)


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


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
    RateLimited: lambda e: json_response(
        {"errors": "Too many requests"}, 429, [("Retry-After", str(e.retry_after))]
    ),
    RouteNotFound: lambda e: json_response({"error": "Not found"}, 404),
    InjectedStatus: lambda e: (
        json_response({"errors": "Too many requests"}, 429, [("Retry-After", "30")])
        if e.status == 429
        else json_response(
            {"errors": "Internal server error" if e.status >= 500 else f"HTTP {e.status}"}, e.status
        )
    ),
    BodyTooLarge: lambda e: json_response({"errors": "Request body too large (limit 1 MiB)"}, 413),
    BadRequestBody: lambda e: json_response({"errors": f"Invalid request body: {e}"}, 400),
    Exception: lambda e: json_response({"errors": "Internal server error"}, 500),
}


def body_object(request: ApiRequest) -> dict[str, Any]:
    """The JSON body as an object (``{}`` when empty); 400 for anything else."""
    body = request.json()
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise exc.BadRequest("the request body must be a JSON object")
    return body


def wrapped(request: ApiRequest, key: str) -> dict[str, Any]:
    """The object under ``key`` in a JSON body (``{"group": {...}}``); 400 if absent."""
    value = body_object(request).get(key)
    if not isinstance(value, dict):
        raise exc.BadRequest(f"param is missing or the value is empty: {key}")
    return value


def record_id(raw: str) -> int:
    """Ids arrive in paths as strings; a non-numeric one names nothing."""
    try:
        return int(raw)
    except ValueError:
        return -1


def page_args(args: dict[str, Any]) -> tuple[int, int]:
    """``page`` (1-based) and ``page_size`` (default 50, capped at :data:`MAX_PAGE_SIZE`)."""
    try:
        page = int(args.get("page") or 1)
        size = int(args.get("page_size") or DEFAULT_PAGE_SIZE)
    except (TypeError, ValueError):
        raise exc.BadRequest("page and page_size must be integers") from None
    return max(1, page), max(1, min(size, MAX_PAGE_SIZE))


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


def _date_arg(args: dict[str, Any], key: str) -> Any:
    value = args.get(key)
    return parse_date(value, key) if value not in (None, "") else None


class AccredibleResponses:
    """One method per Accredible endpoint (named in ``urls.py``)."""

    def __init__(self, backend: AccredibleBackend) -> None:
        self.backend = backend
        self.limiter = RateLimiter(backend.clock)

    def caller(self, request: ApiRequest) -> Caller:
        """Count the request against the rate limit, then authenticate its key (this region)."""
        retry = self.limiter.hit(request.remote_addr)
        if retry is not None:
            raise RateLimited(retry)
        match = _AUTH.match(request.headers.get("Authorization", "").strip())
        if match is None:
            raise exc.MissingToken()
        self.backend.request_url = request.base_url
        return self.backend.authenticate(match.group(1))

    def _page(
        self,
        request: ApiRequest,
        key: str,
        records: list[Any],
        render: Callable[[Any], Any],
        args: dict[str, Any],
    ) -> ApiResponse:
        page, size = page_args(args)
        chunk = records[(page - 1) * size : page * size]
        return json_response(
            {key: [render(r) for r in chunk], "meta": page_meta(page, size, len(records))}
        )

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
            "department_id": group.department_id,
            "meta_data": group.meta_data,
            "learning_outcomes": group.learning_outcomes,
            "generate_private_credential": False,
            "auto_expiry": None,
            "updated_at": iso(group.updated_at, millis=True),
            "created_at": iso(group.created_at, millis=True),
        }

    def credential_json(self, credential: Credential) -> dict[str, Any]:
        backend = self.backend
        group = backend.groups[credential.group_id]
        issuer = backend.issuers[credential.issuer_id]
        cid, base = credential.id, backend.public_url
        certificate = group.certificate_design_id or group.design_id
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
            "published_on": iso(credential.published_on, millis=True),
            "course_link": group.course_link,
            "custom_attributes": credential.custom_attributes,
            "group_name": group.name,
            "group_id": group.id,
            "url": backend.credential_url(credential),
            "encoded_id": str(cid),
            "private": credential.private,
            "license_id": credential.license_id,
            "seo_image": f"{base}/v1/frontend/credential_seo_image/{cid}",
            "certificate": {
                "image": {
                    "preview": f"{base}/v1/frontend/credential_website_embed_image/certificate/{cid}"
                    if certificate
                    else None
                }
            },
            "badge": {
                "image": {
                    "preview": f"{base}/v1/frontend/credential_badge_image/{cid}"
                    if group.badge_design_id
                    else None
                }
            },
            "evidence_items": [self.evidence_json(e) for e in credential.evidence_items],
            "references": [self.reference_json(r) for r in credential.references],
            "recipient": {k: v for k, v in credential.recipient.items() if v is not None},
            "issuer": {
                "name": issuer.name,
                "description": None,
                "url": issuer.url,
                "id": issuer.id,
            },
            "meta_data": credential.meta_data,
            "created_at": iso(credential.created_at, millis=True),
            "updated_at": iso(credential.updated_at, millis=True),
        }

    def design_json(self, design: Design, *, with_groups: bool = False) -> dict[str, Any]:
        out = {
            "id": design.id,
            "name": design.name,
            "kind": design.kind,
            "background_bleeds": False,
            "orientation": "landscape" if design.kind == "certificate" else None,
            "size": "a4" if design.kind == "certificate" else None,
            "department_id": design.department_id,
            "rasterized_content_url": f"{self.backend.public_url}/v1/frontend/design_image/{design.id}.png",
            "meta_data": None,
            "created_at": iso(design.created_at, millis=True),
            "updated_at": iso(design.updated_at, millis=True),
        }
        if with_groups:
            out["groups"] = [
                {
                    "id": g.id,
                    "name": g.name,
                    "updated_at": iso(g.updated_at, millis=True),
                    "credentials_count": sum(
                        1 for c in self.backend.credentials.values() if c.group_id == g.id
                    ),
                }
                for g in self.backend.groups_using(design)
            ]
        return out

    @staticmethod
    def evidence_json(item: EvidenceItem) -> dict[str, Any]:
        return {
            "id": item.id,
            "description": item.description,
            "preview_image_url": item.preview_image_url,
            "link_url": item.url or item.file,
            "type": item.category,
            "string_object": item.string_object,
            "supplemental": item.supplemental,
            "position": item.position,
            "hidden": item.hidden,
        }

    @staticmethod
    def reference_json(reference: Reference) -> dict[str, Any]:
        return {
            "id": reference.id,
            "description": reference.description,
            "relationship": reference.relationship,
            "supplemental": reference.supplemental,
            "approve": reference.approve,
            "referee": dict(reference.referee),
            "position": reference.position,
        }

    # -- issuer -------------------------------------------------------------------------------
    def issuer_details(self, request: ApiRequest) -> ApiResponse:
        issuer = self.caller(request).issuer
        return json_response(
            {
                "issuer": {
                    "id": issuer.id,
                    "name": issuer.name,
                    "email": issuer.email,
                    "certificate_left": issuer.certificate_left,
                    "language": "en",
                    "url": issuer.url,
                    "spiderable": True,
                    "whitelisted_domain": issuer.url,
                    "linkedin_company_id": None,
                    "linkedin_school_id": None,
                }
            }
        )

    # -- groups -------------------------------------------------------------------------------
    def create_group(self, request: ApiRequest) -> ApiResponse:
        caller = self.caller(request)
        group = self.backend.create_group(caller, wrapped(request, "group"))
        return json_response({"group": self.group_json(group)})

    def get_group(self, request: ApiRequest, group_id: str) -> ApiResponse:
        caller = self.caller(request)
        return json_response(
            {"group": self.group_json(self.backend.get_group(caller, record_id(group_id)))}
        )

    def update_group(self, request: ApiRequest, group_id: str) -> ApiResponse:
        caller = self.caller(request)
        group = self.backend.update_group(caller, record_id(group_id), wrapped(request, "group"))
        return json_response({"group": self.group_json(group)})

    def delete_group(self, request: ApiRequest, group_id: str) -> ApiResponse:
        caller = self.caller(request)
        return json_response(
            {"group": self.group_json(self.backend.delete_group(caller, record_id(group_id)))}
        )

    def clone_group(self, request: ApiRequest, group_id: str) -> ApiResponse:
        caller = self.caller(request)
        overrides = body_object(request).get("group") or {}
        if not isinstance(overrides, dict):
            raise exc.BadRequest("group must be an object")
        clone = self.backend.clone_group(caller, record_id(group_id), overrides)
        return json_response({"group": self.group_json(clone)})

    def all_groups(self, request: ApiRequest) -> ApiResponse:
        caller = self.caller(request)
        args = {k: v for k, v in request.query_pairs() if v != ""}
        groups = self.backend.search_groups(caller, name=args.get("name"))
        return self._page(request, "groups", groups, self.group_json, args)

    def search_groups(self, request: ApiRequest) -> ApiResponse:
        caller = self.caller(request)
        body = {k: v for k, v in body_object(request).items() if v not in ("", None)}
        ids = body.get("ids")
        if ids is not None and not (
            isinstance(ids, list) and all(isinstance(i, int | str) for i in ids)
        ):
            raise exc.BadRequest("ids must be a list of group ids")
        meta = body.get("meta_data")
        if meta is not None and not isinstance(meta, dict):
            raise exc.BadRequest("meta_data must be an object")
        groups = self.backend.search_groups(
            caller,
            ids=[record_id(str(i)) for i in ids] if ids is not None else None,
            name=str(body["name"]) if "name" in body else None,
            course_name=str(body["course_name"]) if "course_name" in body else None,
            meta_data=meta,
            updated_from=_date_arg(body, "start_updated_date"),
            updated_to=_date_arg(body, "end_updated_date"),
        )
        return self._page(request, "groups", groups, self.group_json, body)

    # -- designs ------------------------------------------------------------------------------
    def _kind(self, value: Any) -> str | None:
        if value in (None, ""):
            return None
        kind = {"certificates": "certificate", "badges": "badge"}.get(str(value), str(value))
        if kind not in ("certificate", "badge"):
            raise exc.BadRequest("kind must be 'certificate(s)' or 'badge(s)'")
        return kind

    def list_designs(self, request: ApiRequest) -> ApiResponse:
        caller = self.caller(request)
        designs = self.backend.list_designs(
            caller, self._kind(dict(request.query_pairs()).get("kind"))
        )
        return json_response({"designs": [self.design_json(d) for d in designs]})

    def get_design(self, request: ApiRequest, design_id: str) -> ApiResponse:
        caller = self.caller(request)
        design = self.backend.get_design(caller, record_id(design_id))
        return json_response({"design": self.design_json(design, with_groups=True)})

    def search_designs(self, request: ApiRequest) -> ApiResponse:
        caller = self.caller(request)
        body = body_object(request)
        designs = self.backend.list_designs(caller, self._kind(body.get("kind")))
        if body.get("department_id") not in (None, ""):
            designs = [d for d in designs if str(d.department_id) == str(body["department_id"])]
        return self._page(request, "designs", designs, self.design_json, body)

    def all_designs(self, request: ApiRequest) -> ApiResponse:
        caller = self.caller(request)
        args = {k: v for k, v in request.query_pairs() if v != ""}
        return self._page(
            request, "designs", self.backend.list_designs(caller), self.design_json, args
        )

    # -- credentials --------------------------------------------------------------------------
    def create_credential(self, request: ApiRequest) -> ApiResponse:
        caller = self.caller(request)
        credential = self.backend.create_credential(caller, wrapped(request, "credential"))
        return json_response({"credential": self.credential_json(credential)})

    def get_credential(self, request: ApiRequest, credential_id: str) -> ApiResponse:
        caller = self.caller(request)
        credential = self.backend.get_credential(caller, record_id(credential_id))
        return json_response({"credential": self.credential_json(credential)})

    def update_credential(self, request: ApiRequest, credential_id: str) -> ApiResponse:
        caller = self.caller(request)
        credential = self.backend.update_credential(
            caller, record_id(credential_id), wrapped(request, "credential")
        )
        return json_response({"credential": self.credential_json(credential)})

    def delete_credential(self, request: ApiRequest, credential_id: str) -> ApiResponse:
        caller = self.caller(request)
        credential = self.backend.delete_credential(caller, record_id(credential_id))
        return json_response({"credential": self.credential_json(credential)})

    def _filtered(self, caller: Caller, args: dict[str, Any]) -> list[Credential]:
        group_id = args.get("group_id")
        meta = args.get("meta_data")
        if meta is not None and not isinstance(meta, dict):
            raise exc.BadRequest("meta_data must be an object")
        for key in ("email", "recipient.email", "recipient.name"):
            if key in args and not isinstance(args[key], str):  # fuzz: an int here was a 500
                raise exc.BadRequest(f"{key} must be a string")
        for key in ("recipient_id", "recipient.id", "license_id"):
            value = args.get(key)
            if key in args and (isinstance(value, bool) or not isinstance(value, str | int)):
                raise exc.BadRequest(f"{key} must be a string")
        return self.backend.find_credentials(
            caller,
            group_id=record_id(str(group_id)) if group_id is not None else None,
            email=args.get("email") or args.get("recipient.email"),
            recipient_id=args.get("recipient_id") or args.get("recipient.id"),
            recipient_name=args.get("recipient.name"),
            license_id=args.get("license_id"),
            issued_from=_date_arg(args, "start_date"),
            issued_to=_date_arg(args, "end_date"),
            updated_from=_date_arg(args, "start_updated_date"),
            updated_to=_date_arg(args, "end_updated_date"),
            meta_data=meta,
        )

    def all_credentials(self, request: ApiRequest) -> ApiResponse:
        """``GET /v1/all_credentials``: an empty parameter counts as absent (Moodle sends them)."""
        caller = self.caller(request)
        args = {k: v for k, v in request.query_pairs() if v != ""}
        return self._page(
            request, "credentials", self._filtered(caller, args), self.credential_json, args
        )

    def search_credentials(self, request: ApiRequest) -> ApiResponse:
        caller = self.caller(request)
        args = {k: v for k, v in body_object(request).items() if v not in ("", None)}
        return self._page(
            request, "credentials", self._filtered(caller, args), self.credential_json, args
        )

    def bulk_create(self, request: ApiRequest) -> ApiResponse:
        caller = self.caller(request)
        items = body_object(request).get("credentials")
        if not isinstance(items, list):
            raise exc.BadRequest("param is missing or the value is empty: credentials")
        created = self.backend.bulk_create(caller, items)
        return json_response({"credentials": [self.credential_json(c) for c in created]})

    def generate_single_pdf(self, request: ApiRequest, credential_id: str) -> ApiResponse:
        caller = self.caller(request)
        credential = self.backend.get_credential(caller, record_id(credential_id))
        return json_response({"file": f"{self.backend.public_url}/pdf/{credential.uuid}.pdf"})

    def generate_pdf(self, request: ApiRequest) -> ApiResponse:
        """OAS sends ``credential_ids``; pyaccredible sends ``credentials``: both work."""
        caller = self.caller(request)
        body = body_object(request)
        ids = body.get("credential_ids", body.get("credentials"))
        if not isinstance(ids, list) or not ids:
            raise exc.BadRequest("param is missing or the value is empty: credential_ids")
        found = [self.backend.get_credential(caller, record_id(str(i))) for i in ids]
        token = hashlib.sha1(",".join(c.uuid for c in found).encode()).hexdigest()
        return json_response({"file": f"{self.backend.public_url}/zip_pdf/{token}.zip"})

    # -- evidence items and references --------------------------------------------------------
    def create_evidence(self, request: ApiRequest, credential_id: str) -> ApiResponse:
        caller = self.caller(request)
        item = self.backend.add_evidence(
            caller, record_id(credential_id), wrapped(request, "evidence_item")
        )
        return json_response({"evidence_item": self.evidence_json(item)})

    def get_evidence(self, request: ApiRequest, credential_id: str, item_id: str) -> ApiResponse:
        caller = self.caller(request)
        item = self.backend.get_evidence(caller, record_id(credential_id), record_id(item_id))
        return json_response({"evidence_item": self.evidence_json(item)})

    def update_evidence(self, request: ApiRequest, credential_id: str, item_id: str) -> ApiResponse:
        caller = self.caller(request)
        item = self.backend.update_evidence(
            caller, record_id(credential_id), record_id(item_id), wrapped(request, "evidence_item")
        )
        return json_response({"evidence_item": self.evidence_json(item)})

    def delete_evidence(self, request: ApiRequest, credential_id: str, item_id: str) -> ApiResponse:
        caller = self.caller(request)
        item = self.backend.delete_evidence(caller, record_id(credential_id), record_id(item_id))
        return json_response({"evidence_item": self.evidence_json(item)})

    def create_reference(self, request: ApiRequest, credential_id: str) -> ApiResponse:
        caller = self.caller(request)
        reference = self.backend.add_reference(
            caller, record_id(credential_id), wrapped(request, "reference")
        )
        return json_response({"reference": self.reference_json(reference)})

    def get_reference(
        self, request: ApiRequest, credential_id: str, reference_id: str
    ) -> ApiResponse:
        caller = self.caller(request)
        reference = self.backend.get_reference(
            caller, record_id(credential_id), record_id(reference_id)
        )
        return json_response({"reference": self.reference_json(reference)})

    def update_reference(
        self, request: ApiRequest, credential_id: str, reference_id: str
    ) -> ApiResponse:
        caller = self.caller(request)
        reference = self.backend.update_reference(
            caller, record_id(credential_id), record_id(reference_id), wrapped(request, "reference")
        )
        return json_response({"reference": self.reference_json(reference)})

    def delete_reference(
        self, request: ApiRequest, credential_id: str, reference_id: str
    ) -> ApiResponse:
        caller = self.caller(request)
        reference = self.backend.delete_reference(
            caller, record_id(credential_id), record_id(reference_id)
        )
        return json_response({"reference": self.reference_json(reference)})

    # -- SSO ----------------------------------------------------------------------------------
    def sso_link(self, request: ApiRequest) -> ApiResponse:
        caller = self.caller(request)
        credential = self.backend.sso_credential(caller, body_object(request))
        code = hashlib.sha1(
            f"{credential.uuid}:{self.backend.clock.timestamp()}".encode()
        ).hexdigest()[:8]
        return json_response({"link": f"{self.backend.credential_url(credential)}/sso?code={code}"})

    # -- control plane ------------------------------------------------------------------------
    def control_seed(self, request: ApiRequest) -> ApiResponse:
        """``POST /_sim/seed``: issuers, their departments and API keys (the real API cannot
        create them).

        Body ``{"issuers": [{"name", "api_key", "email"?, "certificate_left"?,
        "auto_publish_api"?, "departments"?: [{"name", "api_key"}]}]}``.
        """
        specs = seed_specs(request, "issuers", ("name", "api_key"))
        for i, spec in enumerate(specs):
            keys = [spec["api_key"]] + [
                d.get("api_key") for d in spec.get("departments", []) if isinstance(d, dict)
            ]
            taken = [k for k in keys if k in self.backend.keys]
            if taken or len(set(keys)) != len(keys):
                raise ValueError(f"issuers[{i}]: API keys must be unique and unused")
        created = []
        with self.backend.lock:
            for spec in specs:
                issuer = self.backend.create_issuer(
                    name=spec["name"],
                    email=spec.get("email") or "issuer@example.org",
                    api_key=spec["api_key"],
                    certificate_left=int(spec.get("certificate_left", 1000)),
                    auto_publish_api=bool(spec.get("auto_publish_api", True)),
                )
                departments = []
                for d in spec.get("departments", []):
                    department = self.backend.create_department(
                        issuer, name=str(d.get("name") or "Department"), api_key=d["api_key"]
                    )
                    departments.append({"id": department.id, "name": department.name})
                created.append(
                    {
                        "id": issuer.id,
                        "name": issuer.name,
                        "region": self.backend.region,
                        "departments": departments,
                    }
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
                        "credential_url": e.credential_url,
                        "group_id": e.group_id,
                        "pdf_attached": e.pdf_attached,
                        "sent_at": iso(e.sent_at),
                    }
                    for e in self.backend.outbox
                ],
            }
        )

    def control_summary(self, request: ApiRequest) -> ApiResponse:
        """``GET /_sim/summary``: how many issuers, groups, credentials and emails this region holds."""
        backend = self.backend
        return json_response(
            {
                "region": backend.region,
                "issuers": len(backend.issuers),
                "groups": len(backend.groups),
                "credentials": len(backend.credentials),
                "published": sum(1 for c in backend.credentials.values() if c.approve),
                "emails": len(backend.outbox),
            }
        )

    def control_rate_limit(self, request: ApiRequest) -> ApiResponse:
        """``POST /_sim/rate_limit {"requests": 2000, "window": 300}`` switches the limit on
        (per client address, 30-second periods); ``{"requests": null}`` switches it off."""
        if request.method == "POST":
            body = request.json()
            if not isinstance(body, dict) or "requests" not in body:
                raise ValueError('POST {"requests": N, "window": seconds} or {"requests": null}')
            self.limiter.configure(body["requests"], int(body.get("window", 300)))
        limiter = self.limiter
        return json_response(
            {"requests": limiter.budget, "window": limiter.window, "period": limiter.period}
        )
