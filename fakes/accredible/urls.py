"""Accredible routes: method + path -> handler name (API in ``responses``, dashboard pages in
``dashboard``)."""

from __future__ import annotations

from fakes.accredible.dashboard import Dashboard
from fakes.accredible.models import AccredibleBackend
from fakes.accredible.responses import ERRORS, AccredibleResponses
from fakes.accredible.tool import ToolPages
from fakes.web import FakeApp, Handlers, Route

_CRED = "/v1/credentials/<credential_id>"

ROUTES = (
    Route(("GET",), "/v1/issuer/details", "issuer_details"),
    Route(("POST",), "/v1/issuer/groups", "create_group"),
    Route(("POST",), "/v1/issuer/groups/search", "search_groups"),
    Route(("GET",), "/v1/issuer/groups/<group_id>", "get_group"),
    Route(("PUT", "PATCH"), "/v1/issuer/groups/<group_id>", "update_group"),
    Route(("DELETE",), "/v1/issuer/groups/<group_id>", "delete_group"),
    Route(("POST",), "/v1/issuer/groups/<group_id>/clone", "clone_group"),
    Route(("GET",), "/v1/issuer/all_groups", "all_groups"),
    Route(("GET",), "/v1/designs", "list_designs"),
    Route(("POST",), "/v1/designs/search", "search_designs"),
    Route(("GET",), "/v1/designs/<design_id>", "get_design"),
    Route(("GET",), "/v1/issuer/all_designs", "all_designs"),
    Route(("POST",), "/v1/credentials", "create_credential"),
    Route(("POST",), "/v1/credentials/search", "search_credentials"),
    Route(("POST",), "/v1/credentials/bulk_create", "bulk_create"),
    Route(("POST",), "/v1/credentials/generate_pdf", "generate_pdf"),
    Route(("POST",), "/v1/credentials/generate_single_pdf/<credential_id>", "generate_single_pdf"),
    Route(("GET",), _CRED, "get_credential"),
    Route(("PUT", "PATCH"), _CRED, "update_credential"),
    Route(("DELETE",), _CRED, "delete_credential"),
    Route(("GET",), "/v1/all_credentials", "all_credentials"),
    Route(("POST",), f"{_CRED}/evidence_items", "create_evidence"),
    Route(("GET",), f"{_CRED}/evidence_items/<item_id>", "get_evidence"),
    Route(("PUT", "PATCH"), f"{_CRED}/evidence_items/<item_id>", "update_evidence"),
    Route(("DELETE",), f"{_CRED}/evidence_items/<item_id>", "delete_evidence"),
    Route(("POST",), f"{_CRED}/references", "create_reference"),
    Route(("GET",), f"{_CRED}/references/<reference_id>", "get_reference"),
    Route(("PUT", "PATCH"), f"{_CRED}/references/<reference_id>", "update_reference"),
    Route(("DELETE",), f"{_CRED}/references/<reference_id>", "delete_reference"),
    Route(("POST",), "/v1/sso/generate_link", "sso_link"),
    Route(("GET", "POST"), "/issuer/dashboard/login", "login_page"),
    Route(("GET",), "/issuer/dashboard", "home"),
    Route(("GET", "POST"), "/issuer/dashboard/group/<group_id>", "group_page"),
    Route(("GET", "POST"), "/issuer/dashboard/settings", "settings_page"),
    # the LTI 1.3 tool Canvas launches
    Route(("GET",), "/v1/canvas/lti/config.json", "config"),
    Route(("GET",), "/v1/canvas/lti/jwks", "jwks"),
    Route(("GET", "POST"), "/v1/canvas/lti/login", "login"),
    Route(("POST",), "/v1/canvas/lti/launch", "launch"),
    Route(("POST",), "/v1/canvas/lti/manage", "manage"),
    Route(("GET",), "/v1/canvas/lti/credential", "credential"),
    Route(("GET",), "/<int:credential_id>", "view"),
)

#: GET endpoints of the v1 API and the tool's key set, which change nothing (``casim serve
#: --state`` saves nothing after them).
READS = frozenset(
    r.endpoint for r in ROUTES if r.methods == ("GET",) and r.rule.startswith("/v1/")
) - {"credential"}


def build_app(backend: AccredibleBackend, **kwargs: object) -> FakeApp:
    """The Accredible WSGI app of one region (``accredible-us`` or ``accredible-eu``)."""
    api = AccredibleResponses(backend)
    dashboard = Dashboard(backend)
    tool = ToolPages(backend)
    return FakeApp(
        name=f"accredible-{backend.region}",
        backend=backend,
        routes=ROUTES,
        handlers=Handlers(api, dashboard, tool),
        errors=ERRORS,
        reads=READS,
        control={
            "seed": api.control_seed,
            "outbox": api.control_outbox,
            "dashboard": dashboard.control,
            "rate_limit": api.control_rate_limit,
            "summary": api.control_summary,
        },
        **kwargs,  # type: ignore[arg-type]
    )
