"""Canvas routes: method + path -> handler name in ``responses.CanvasResponses``."""

from __future__ import annotations

from fakes.canvas.models import CanvasBackend
from fakes.canvas.responses import ERRORS, CanvasResponses
from fakes.web import FakeApp, Route

_C = "/api/v1/courses/<int:course_id>"

ROUTES = (
    Route(("GET",), "/api/v1/users/<user_id>", "get_user"),
    Route(("GET",), "/api/v1/users/<user_id>/profile", "get_user_profile"),
    Route(("GET",), "/api/v1/accounts", "list_accounts"),
    Route(("GET",), "/api/v1/accounts/<int:account_id>", "get_account"),
    Route(("GET",), "/api/v1/accounts/<int:account_id>/courses", "list_account_courses"),
    Route(("POST",), "/api/v1/accounts/<int:account_id>/courses", "create_course"),
    Route(("GET",), "/api/v1/courses", "list_courses"),
    Route(("GET",), _C, "get_course"),
    Route(("POST",), f"{_C}/enrollments", "enroll_user"),
    Route(("GET",), f"{_C}/modules", "list_modules"),
    Route(("POST",), f"{_C}/modules", "create_module"),
    Route(("GET",), f"{_C}/modules/<int:module_id>", "get_module"),
    Route(("GET",), f"{_C}/modules/<int:module_id>/items", "list_items"),
    Route(("POST",), f"{_C}/modules/<int:module_id>/items", "create_item"),
    Route(("GET",), f"{_C}/modules/<int:module_id>/items/<int:item_id>", "get_item"),
)


def build_app(backend: CanvasBackend, **kwargs: object) -> FakeApp:
    """The Canvas WSGI app over ``backend`` (control-plane extras in ``kwargs``)."""
    handlers = CanvasResponses(backend)
    return FakeApp(
        name="canvas",
        backend=backend,
        routes=ROUTES,
        handlers=handlers,
        errors=ERRORS,
        control={"seed": handlers.control_seed},
        **kwargs,  # type: ignore[arg-type]
    )
