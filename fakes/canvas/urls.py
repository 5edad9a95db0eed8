"""Canvas routes: method + path -> handler name in ``responses.CanvasResponses``."""

from __future__ import annotations

from fakes.canvas.models import CanvasBackend
from fakes.canvas.pages import CanvasPages
from fakes.canvas.responses import ERRORS, CanvasResponses
from fakes.web import FakeApp, Handlers, Route

_C = "/api/v1/courses/<int:course_id>"
_M = f"{_C}/modules/<int:module_id>"
_I = f"{_M}/items/<int:item_id>"
_T = "/api/v1/<any(courses, accounts):context>/<int:context_id>/external_tools"

ROUTES = (
    Route(("GET",), "/api/v1/users/<user_id>", "get_user"),
    Route(("GET",), "/api/v1/users/<user_id>/profile", "get_user_profile"),
    Route(("GET",), "/api/v1/users/<user_id>/enrollments", "list_user_enrollments"),
    Route(("GET",), "/api/v1/accounts", "list_accounts"),
    Route(("GET",), "/api/v1/accounts/<int:account_id>", "get_account"),
    Route(("POST",), "/api/v1/accounts/<int:account_id>/users", "create_user"),
    Route(("GET",), "/api/v1/accounts/<int:account_id>/courses", "list_account_courses"),
    Route(("POST",), "/api/v1/accounts/<int:account_id>/courses", "create_course"),
    Route(("GET",), "/api/v1/accounts/<int:account_id>/developer_keys", "list_developer_keys"),
    Route(
        ("POST",),
        "/api/lti/accounts/<int:account_id>/developer_keys/tool_configuration",
        "create_developer_key",
    ),
    Route(
        ("POST",),
        "/api/v1/accounts/<int:account_id>/developer_keys/<int:key_id>/developer_key_account_bindings",
        "bind_developer_key",
    ),
    Route(("GET",), "/api/v1/courses", "list_courses"),
    Route(("GET",), _C, "get_course"),
    Route(("PUT",), _C, "update_course"),
    Route(("GET",), f"{_C}/tabs", "list_tabs"),
    Route(("GET",), f"{_C}/enrollments", "list_course_enrollments"),
    Route(("POST",), f"{_C}/enrollments", "enroll_user"),
    Route(("POST",), f"{_C}/enrollments/<int:enrollment_id>/accept", "accept_enrollment"),
    Route(("POST",), f"{_C}/enrollments/<int:enrollment_id>/reject", "reject_enrollment"),
    Route(("GET",), f"{_C}/users", "list_course_users"),
    Route(("GET",), f"{_C}/search_users", "list_course_users"),
    Route(("GET",), f"{_C}/users/<user_id>", "get_course_user"),
    Route(("GET",), f"{_C}/modules", "list_modules"),
    Route(("POST",), f"{_C}/modules", "create_module"),
    Route(("PUT",), f"{_C}/modules", "batch_update_modules"),
    Route(("GET",), _M, "get_module"),
    Route(("PUT",), _M, "update_module"),
    Route(("DELETE",), _M, "delete_module"),
    Route(("PUT",), f"{_M}/relock", "relock_module"),
    Route(("GET",), f"{_M}/items", "list_items"),
    Route(("POST",), f"{_M}/items", "create_item"),
    Route(("GET",), _I, "get_item"),
    Route(("PUT",), _I, "update_item"),
    Route(("DELETE",), _I, "delete_item"),
    Route(("POST",), f"{_I}/mark_read", "mark_read"),
    Route(("PUT", "DELETE"), f"{_I}/done", "mark_done"),
    Route(("GET",), f"{_C}/module_item_redirect/<int:item_id>", "item_redirect"),
    Route(("GET",), f"{_C}/pages", "list_pages"),
    Route(("POST",), f"{_C}/pages", "create_page"),
    Route(("GET",), f"{_C}/pages/<url>", "show_page"),
    Route(("PUT",), f"{_C}/pages/<url>", "update_page"),
    Route(("GET",), f"{_C}/assignments", "list_assignments"),
    Route(("POST",), f"{_C}/assignments", "create_assignment"),
    Route(("GET",), f"{_C}/assignments/<int:assignment_id>", "get_assignment"),
    Route(("POST",), f"{_C}/assignments/<int:assignment_id>/submissions", "submit_assignment"),
    Route(
        ("GET",), f"{_C}/assignments/<int:assignment_id>/submissions/<user_id>", "get_submission"
    ),
    Route(
        ("PUT",), f"{_C}/assignments/<int:assignment_id>/submissions/<user_id>", "grade_submission"
    ),
    Route(("GET",), f"{_C}/quizzes", "list_quizzes"),
    Route(("POST",), f"{_C}/quizzes", "create_quiz"),
    Route(("POST",), f"{_C}/quizzes/<int:quiz_id>/submissions", "start_quiz"),
    Route(
        ("POST",),
        f"{_C}/quizzes/<int:quiz_id>/submissions/<int:submission_id>/complete",
        "complete_quiz",
    ),
    Route(("GET",), f"{_C}/discussion_topics", "list_discussions"),
    Route(("POST",), f"{_C}/discussion_topics", "create_discussion"),
    Route(("GET",), f"{_C}/discussion_topics/<int:topic_id>", "get_discussion"),
    Route(("POST",), f"{_C}/discussion_topics/<int:topic_id>/entries", "post_entry"),
    Route(("GET",), f"{_C}/files", "list_files"),
    Route(("POST",), f"{_C}/files", "start_upload"),
    Route(("POST",), "/files_api/upload/<token>", "finish_upload"),
    Route(("GET",), "/api/v1/files/<int:file_id>", "get_file"),
    Route(("GET",), _T, "list_tools"),
    Route(("POST",), _T, "install_tool"),
    Route(("GET",), f"{_T}/sessionless_launch", "sessionless_launch"),
    Route(("GET",), f"{_T}/<int:tool_id>", "get_tool"),
    Route(("PUT",), f"{_T}/<int:tool_id>", "update_tool"),
    Route(("DELETE",), f"{_T}/<int:tool_id>", "delete_tool"),
    # pages a person sees, and the LTI 1.3 endpoints browsers pass through
    Route(("GET",), "/", "dashboard"),
    Route(("GET",), "/login/session_token", "session_token"),
    Route(("GET",), "/courses/<int:course_id>/modules/items/<int:item_id>", "item_page"),
    Route(("GET",), "/courses/<int:course_id>/external_tools/<int:tool_id>", "nav_page"),
    Route(("GET", "POST"), "/api/lti/authorize_redirect", "authorize_redirect"),
    Route(("GET", "POST"), "/api/lti/authorize", "authorize_redirect"),
    Route(("GET",), "/api/lti/security/jwks", "jwks"),
)

#: GET endpoints that change nothing (``casim serve --state`` saves nothing after them). Not
#: the ones that count as viewing content for module requirements (page, assignment, quiz,
#: discussion and file reads), nor the HTML pages and LTI steps.
READS = frozenset(
    r.endpoint
    for r in ROUTES
    if r.methods == ("GET",)
    and r.endpoint.startswith(("list_", "get_"))
    and r.endpoint not in {"get_assignment", "get_file", "get_discussion", "get_quiz"}
) | {"jwks"}


def build_app(backend: CanvasBackend, **kwargs: object) -> FakeApp:
    """The Canvas WSGI app over ``backend`` (control-plane extras in ``kwargs``)."""
    handlers = CanvasResponses(backend)
    pages = CanvasPages(backend)
    return FakeApp(
        name="canvas",
        backend=backend,
        routes=ROUTES,
        handlers=Handlers(handlers, pages),
        errors=ERRORS,
        control={
            "seed": handlers.control_seed,
            "throttle": handlers.control_throttle,
            "lti_keys": pages.control_lti_keys,
        },
        around=handlers.around,
        reads=READS,
        **kwargs,  # type: ignore[arg-type]
    )
