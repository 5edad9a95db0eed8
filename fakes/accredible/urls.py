"""Accredible routes: method + path -> handler name in ``responses.AccredibleResponses``."""

from __future__ import annotations

from fakes.accredible.models import AccredibleBackend
from fakes.accredible.responses import ERRORS, AccredibleResponses
from fakes.web import FakeApp, Route

ROUTES = (
    Route(("POST",), "/v1/issuer/groups", "create_group"),
    Route(("GET",), "/v1/issuer/groups/<group_id>", "get_group"),
    Route(("PUT",), "/v1/issuer/groups/<group_id>", "update_group"),
    Route(("GET",), "/v1/designs", "list_designs"),
    Route(("POST",), "/v1/credentials", "create_credential"),
    Route(("GET",), "/v1/credentials/<credential_id>", "get_credential"),
    Route(("GET",), "/v1/all_credentials", "list_credentials"),
)


def build_app(backend: AccredibleBackend, **kwargs: object) -> FakeApp:
    """The Accredible WSGI app of one region (``accredible-us`` or ``accredible-eu``)."""
    handlers = AccredibleResponses(backend)
    return FakeApp(
        name=f"accredible-{backend.region}",
        backend=backend,
        routes=ROUTES,
        handlers=handlers,
        errors=ERRORS,
        control={
            "seed": handlers.control_seed,
            "outbox": handlers.control_outbox,
            "dashboard": handlers.control_dashboard,
        },
        **kwargs,  # type: ignore[arg-type]
    )
