"""Canvas wire layer: Rails-style parameters (form, query or JSON), Bearer tokens and
``as_user_id``, Canvas's JSON shapes, ``Link`` pagination, throttle headers.

Error answers (``ERRORS``) follow canvas-lms ``application_controller.rb`` ``api_error_json`` and
``authentication_methods.rb`` as summarised in ``shared/reference/canvas-and-lti.md`` section 4.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fakes.canvas import exceptions as exc
from fakes.canvas.models import CanvasBackend
from fakes.canvas.progression import lock_explanation, lock_info
from fakes.canvas.records import (
    ENROLLMENT_TYPE_WORDS,
    PLACEMENTS,
    Account,
    Assignment,
    Course,
    DeveloperKey,
    Discussion,
    Enrollment,
    ExternalTool,
    File,
    Module,
    ModuleItem,
    Page,
    Quiz,
    QuizSubmission,
    Submission,
    User,
)
from fakes.core.clock import iso
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
from fakes.web.params import parse_rails_params, to_bool

DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100
#: Query parameters Canvas leaves out when it builds pagination links.
_LINK_DROP = {"page", "per_page", "access_token", "api_key"}
_WWW_AUTH = [("WWW-Authenticate", 'Bearer realm="canvas-lms"')]
_OK = {"message": "OK"}


_ERROR_CODES = {
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def _errors_body(message: str, **extra: Any) -> dict[str, Any]:
    return {**extra, "errors": [{"message": message}]}


ERRORS: dict[type[BaseException], Callable[[Any], ApiResponse]] = {
    exc.Unauthenticated: lambda e: json_response(
        _errors_body(e.message, status="unauthenticated"), 401, _WWW_AUTH
    ),
    exc.InvalidAccessToken: lambda e: json_response(_errors_body(e.message), 401, _WWW_AUTH),
    exc.NotAuthorized: lambda e: json_response(_errors_body(e.message, status="unauthorized"), 401),
    exc.InvalidMasquerade: lambda e: json_response({"errors": e.message}, 401),
    exc.ResourceNotFound: lambda e: json_response(
        _errors_body("The specified resource does not exist."), 404
    ),
    RouteNotFound: lambda e: json_response(
        _errors_body("The specified resource does not exist."), 404
    ),
    exc.BadRequest: lambda e: json_response({"message": e.message}, 400),
    exc.Forbidden: lambda e: json_response({"message": e.message}, 403),
    exc.Conflict: lambda e: json_response({"message": e.message}, 409),
    exc.Throttled: lambda e: text_response(
        "403 Forbidden (Rate Limit Exceeded)\n", 403, [("X-Rate-Limit-Remaining", "0.0")]
    ),
    exc.InvalidRecord: lambda e: json_response(
        {
            "errors": {
                attr: [{"attribute": attr, "type": kind, "message": msg} for kind, msg in items]
                for attr, items in e.errors.items()
            }
        },
        400,
    ),
    InjectedStatus: lambda e: (
        text_response(
            "403 Forbidden (Rate Limit Exceeded)\n", 403, [("X-Rate-Limit-Remaining", "0.0")]
        )
        if e.status == 403
        else json_response(
            {
                "errors": [
                    {
                        "message": "An error occurred.",
                        "error_code": _ERROR_CODES.get(e.status, "error"),
                    }
                ]
            },
            e.status,
        )
    ),
    BodyTooLarge: lambda e: json_response(
        {"errors": [{"message": "An error occurred.", "error_code": "payload_too_large"}]}, 413
    ),
    BadRequestBody: lambda e: json_response(
        {"errors": [{"message": "An error occurred.", "error_code": "bad_request"}]}, 400
    ),
    Exception: lambda e: json_response(
        {"errors": [{"message": "An error occurred.", "error_code": "internal_server_error"}]}, 500
    ),
}


# -- parameters ----------------------------------------------------------------------------
def params_of(request: ApiRequest) -> dict[str, Any]:
    """Query + form + JSON body as one Rails parameter tree (body wins over query)."""
    tree = parse_rails_params(request.query_pairs())
    tree.update(parse_rails_params(request.form_pairs()))
    if request.is_json:
        body = request.json()
        if isinstance(body, dict):
            tree.update(body)
        elif body is not None:
            raise BadRequestBody("a JSON body must be an object")
    return tree


def section(params: dict[str, Any], key: str) -> dict[str, Any]:
    value = params.get(key)
    return value if isinstance(value, dict) else {}


def as_bool(value: Any, field: str) -> bool:
    parsed = to_bool(value)
    if parsed is None:
        raise exc.BadRequest(f"{field} must be a boolean (true/false), got {value!r}")
    return parsed


def as_int(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise exc.BadRequest(f"{field} must be an integer, got {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise exc.BadRequest(f"{field} must be an integer, got {value!r}") from None


def as_time(value: Any, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise exc.BadRequest(f"{field} must be an ISO 8601 time, got {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def as_int_list(value: Any, field: str) -> list[int]:
    if value is None or value == "":
        return []
    values = value if isinstance(value, list) else [value]
    return [v for v in (as_int(x, field) for x in values if x != "") if v is not None]


def as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _take(
    src: dict[str, Any],
    out: dict[str, Any],
    key: str,
    convert: Callable[[Any, str], Any],
    prefix: str,
) -> None:
    if key in src:
        out[key] = convert(src[key], f"{prefix}[{key}]")


# -- pagination -------------------------------------------------------------------------------
def paginate(request: ApiRequest, records: list[Any], render: Callable[[Any], Any]) -> ApiResponse:
    """One page of ``records`` with Canvas's ``Link`` header (rels current, next, prev, first,
    last; absolute URLs built from the request's base URL; joined by ``,``)."""
    args = request.query_pairs()
    given = dict(args)
    try:
        per_page = int(given.get("per_page") or DEFAULT_PER_PAGE)
        page = int(given.get("page") or 1)
    except ValueError:
        per_page, page = DEFAULT_PER_PAGE, 1
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    last = max(1, -(-len(records) // per_page))
    chunk = records[(page - 1) * per_page : page * per_page]
    keep = urlencode([(k, v) for k, v in args if k not in _LINK_DROP])
    base = f"{request.url_without_query}?{keep}&" if keep else f"{request.url_without_query}?"

    def link(n: int, rel: str) -> str:
        return f'<{base}page={n}&per_page={per_page}>; rel="{rel}"'

    rels = [(page, "current")]
    if page < last:
        rels.append((page + 1, "next"))
    if page > 1:
        rels.append((page - 1, "prev"))
    rels += [(1, "first"), (last, "last")]
    return json_response(
        [render(r) for r in chunk], 200, [("Link", ",".join(link(n, rel) for n, rel in rels))]
    )


#: The ``url`` of a module item in the API, by item type.
_ITEM_API_URLS = {
    "ExternalTool": "{base}/api/v1/courses/{cid}/external_tools/sessionless_launch"
    "?launch_type=module_item&module_item_id={id}",
    "Page": "{base}/api/v1/courses/{cid}/pages/{page}",
    "Assignment": "{base}/api/v1/courses/{cid}/assignments/{content}",
    "Quiz": "{base}/api/v1/courses/{cid}/quizzes/{content}",
    "Discussion": "{base}/api/v1/courses/{cid}/discussion_topics/{content}",
    "File": "{base}/api/v1/files/{content}",
}


class Throttle:
    """Canvas's leaky-bucket request throttle (``request_throttle.rb``), on the shared clock.

    Off by default: answers then still carry ``X-Request-Cost`` and ``X-Rate-Limit-Remaining``
    as Canvas's do. Switched on, each request adds ``cost`` to its token's bucket, which leaks
    ``outflow`` per second; above ``hwm`` requests are refused (403, text/plain).
    """

    def __init__(self, backend: CanvasBackend) -> None:
        self.clock = backend.clock
        self.enabled = False
        self.hwm, self.maximum, self.outflow, self.cost = 600.0, 800.0, 10.0, 50.0
        self._buckets: dict[str, tuple[float, float]] = {}

    def configure(self, body: dict[str, Any]) -> None:
        self.enabled = bool(body.get("enabled", True))
        for key in ("hwm", "maximum", "outflow", "cost"):
            if key in body:
                value = float(body[key])
                if value < 0:
                    raise ValueError(f"{key} must not be negative")
                setattr(self, key, value)
        self._buckets = {}

    def level(self, client: str) -> float:
        now = self.clock.now().timestamp()
        level, at = self._buckets.get(client, (0.0, now))
        return max(0.0, level - (now - at) * self.outflow)

    def charge(self, client: str) -> float:
        """Charge one request; answer the remaining allowance, or raise :class:`Throttled`."""
        level = self.level(client)
        if self.enabled and level > self.hwm:
            raise exc.Throttled()
        cost = self.cost if self.enabled else 0.0
        level = min(self.maximum, level + cost)
        self._buckets[client] = (level, self.clock.now().timestamp())
        return self.hwm - level


class CanvasResponses:
    """One method per Canvas endpoint (named in ``urls.py``)."""

    def __init__(self, backend: CanvasBackend) -> None:
        self.backend = backend
        self.throttle = Throttle(backend)

    # -- auth and the throttle ------------------------------------------------------------
    @staticmethod
    def _token(request: ApiRequest) -> str | None:
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, value = header.partition(" ")
            if scheme.lower() == "bearer" and value.strip():
                return value.strip()
            raise exc.InvalidAccessToken()
        return dict(request.query_pairs()).get("access_token") or dict(request.form_pairs()).get(
            "access_token"
        )

    def caller(self, request: ApiRequest) -> User:
        """The token's user (``Authorization: Bearer`` or ``access_token``), or the user an
        admin masquerades as with ``as_user_id``."""
        token = self._token(request)
        if not token:
            raise exc.Unauthenticated()
        user = self.backend.authenticate(token)
        as_user = dict(request.query_pairs()).get("as_user_id") or dict(request.form_pairs()).get(
            "as_user_id"
        )
        if as_user:
            user = self.backend.masquerade(user, as_user)
        return user

    def around(self, request: ApiRequest, call: Callable[[], ApiResponse]) -> ApiResponse:
        """Every API answer carries Canvas's throttle headers; a full bucket refuses the request.
        Every request first binds its public base URL for the URLs in the answer."""
        self._base = request.base_url
        if not request.path.startswith("/api/"):
            return call()
        try:
            client = self._token(request) or request.remote_addr
        except exc.InvalidAccessToken:
            client = request.remote_addr
        try:
            remaining = self.throttle.charge(f"token:{client}")
        except exc.Throttled as refused:
            return ERRORS[exc.Throttled](refused)
        answer = call()
        cost = "0.0" if not self.throttle.enabled else f"{self.throttle.cost:.1f}"
        answer.headers += [("X-Request-Cost", cost), ("X-Rate-Limit-Remaining", f"{remaining:.1f}")]
        return answer

    # -- renderers ----------------------------------------------------------------------------
    def user_json(
        self, user: User, caller: User, *, include: set[str] = frozenset(), profile: bool = False
    ) -> dict[str, Any]:  # type: ignore[assignment]
        out: dict[str, Any] = {
            "id": user.id,
            "name": user.name,
            "created_at": iso(user.created_at),
            "sortable_name": user.sortable_name,
            "short_name": user.short_name,
            "sis_user_id": None,
            "integration_id": None,
        }
        privileged = caller.id == user.id or self.backend.is_admin(caller)
        if privileged:
            out["login_id"] = user.login_id
        if caller.id == user.id:
            out["locale"] = None
            out["effective_locale"] = "en"
            out["permissions"] = {"can_update_name": True, "can_update_avatar": True}
        if "email" in include and privileged:
            out["email"] = user.email
        if "avatar_url" in include:
            out["avatar_url"] = f"{self._base}/images/messages/avatar-50.png"
        if "uuid" in include:
            out["uuid"] = user.opaque_id
        if profile:
            out["login_id"] = user.login_id
            out["primary_email"] = user.email if privileged else None
            out["lti_user_id"] = user.lti_id if caller.id == user.id else None
            out["time_zone"] = "Etc/UTC"
            out["avatar_url"] = f"{self._base}/images/messages/avatar-50.png"
            out["title"] = out["bio"] = out["pronouns"] = None
            if caller.id == user.id:
                out["calendar"] = {"ics": f"{self._base}/feeds/calendars/user_{user.opaque_id}.ics"}
        return out

    def course_json(self, course: Course, caller: User) -> dict[str, Any]:
        out = {
            "id": course.id,
            "name": course.name,
            "course_code": course.course_code,
            "workflow_state": course.workflow_state,
            "account_id": course.account_id,
            "root_account_id": self.backend.root_account.id,
            "enrollment_term_id": 1,
            "uuid": course.uuid,
            "start_at": iso(course.start_at),
            "end_at": iso(course.end_at),
            "created_at": iso(course.created_at),
            "default_view": course.default_view,
            "is_public": course.is_public,
            "time_zone": course.time_zone,
            "license": "private",
            "public_syllabus": False,
            "storage_quota_mb": 500,
            "apply_assignment_group_weights": False,
            "hide_final_grades": False,
            "restrict_enrollments_to_course_dates": False,
        }
        enrollments = self.backend.enrollments_of(caller, course.id)
        if enrollments:
            out["enrollments"] = [
                {
                    "type": e.type.removesuffix("Enrollment").lower(),
                    "role": e.role,
                    "role_id": _role_id(e.type),
                    "user_id": e.user_id,
                    "enrollment_state": e.enrollment_state,
                }
                for e in enrollments
            ]
        return out

    def enrollment_json(
        self, enrollment: Enrollment, caller: User, *, with_user: bool = True
    ) -> dict[str, Any]:
        out = {
            "id": enrollment.id,
            "course_id": enrollment.course_id,
            "course_section_id": enrollment.course_id,
            "user_id": enrollment.user_id,
            "type": enrollment.type,
            "role": enrollment.role,
            "role_id": _role_id(enrollment.type),
            "enrollment_state": enrollment.enrollment_state,
            "root_account_id": self.backend.root_account.id,
            "created_at": iso(enrollment.created_at),
            "updated_at": iso(enrollment.updated_at),
            "html_url": f"{self._base}/courses/{enrollment.course_id}/users/{enrollment.user_id}",
        }
        if with_user:
            user = self.backend.users[enrollment.user_id]
            out["user"] = {
                "id": user.id,
                "name": user.name,
                "sortable_name": user.sortable_name,
                "short_name": user.short_name,
            }
            if self.backend.is_admin(caller) or caller.id == user.id:
                out["user"]["login_id"] = user.login_id
        return out

    def _progress_of(self, module: Module, caller: User, student: User | None) -> User | None:
        """Whose progression the answer shows: ``student_id``'s, or the caller's own when the
        caller takes part as a student."""
        if student is not None:
            return student
        course = self.backend.courses[module.course_id]
        return caller if self.backend.is_student(caller, course) else None

    def module_json(
        self,
        module: Module,
        caller: User,
        *,
        include: set[str] = frozenset(),
        student: User | None = None,
    ) -> dict[str, Any]:  # type: ignore[assignment]
        backend = self.backend
        course = backend.courses[module.course_id]
        manager = backend.can_manage(caller, course)
        items = backend.module_items(module)
        if not manager:
            items = [i for i in items if i.published]
        out: dict[str, Any] = {
            "id": module.id,
            "workflow_state": "active",
            "position": module.position,
            "name": module.name,
            "unlock_at": iso(module.unlock_at),
            "require_sequential_progress": module.require_sequential_progress,
            "requirement_type": "all",
            "publish_final_grade": module.publish_final_grade,
            "prerequisite_module_ids": list(module.prerequisite_module_ids),
            "items_count": len(items),
            "items_url": f"{self._base}/api/v1/courses/{module.course_id}/modules/{module.id}/items",
        }
        if manager:
            out["published"] = module.published
        whose = self._progress_of(module, caller, student)
        if whose is not None and module.published:
            status = backend.module_status(whose, module)
            out["state"] = status.state
            out["completed_at"] = iso(status.completed_at)
        if "items" in include and len(items) <= 50:
            out["items"] = [
                self.item_json(
                    i, caller, content_details="content_details" in include, student=student
                )
                for i in items
            ]
        return out

    def item_json(
        self,
        item: ModuleItem,
        caller: User,
        *,
        content_details: bool = False,
        student: User | None = None,
    ) -> dict[str, Any]:
        backend = self.backend
        cid, base = item.course_id, self._base
        out: dict[str, Any] = {
            "id": item.id,
            "title": item.title,
            "position": item.position,
            "indent": item.indent,
            "quiz_lti": False,
            "type": item.type,
            "module_id": item.module_id,
            "html_url": f"{base}/courses/{cid}/modules/items/{item.id}",
        }
        if item.type == "ExternalUrl":
            out["html_url"] = f"{base}/api/v1/courses/{cid}/module_item_redirect/{item.id}"
        if item.type not in ("Page", "SubHeader", "ExternalUrl"):
            out["content_id"] = item.content_id
        url = _ITEM_API_URLS.get(item.type)
        if url:
            out["url"] = url.format(
                base=base, cid=cid, id=item.id, page=item.page_url, content=item.content_id
            )
        if item.type == "Page":
            out["page_url"] = item.page_url
        if item.type in ("ExternalUrl", "ExternalTool"):
            out["external_url"] = item.external_url
            out["new_tab"] = item.new_tab
        course = backend.courses[cid]
        module = backend.modules[item.module_id]
        whose = self._progress_of(module, caller, student)
        if item.completion_requirement:
            requirement = dict(item.completion_requirement)
            if whose is not None:
                requirement["completed"] = (
                    item.id in backend.progression(whose, module).requirements_met
                )
            out["completion_requirement"] = requirement
        if backend.can_manage(caller, course):
            out["published"] = item.published
            out["unpublishable"] = True
        if content_details:
            details: dict[str, Any] = {"locked_for_user": False}
            record = backend._content_record(item)
            if isinstance(record, Assignment | Quiz):
                details["points_possible"] = record.points_possible
            if whose is not None:
                locked, status = backend.item_lock(whose, item)
                if locked:
                    details["locked_for_user"] = True
                    details["lock_info"] = lock_info(module, status)
                    details["lock_explanation"] = lock_explanation(module, status, item)
            out["content_details"] = details
        return out

    def page_json(self, page: Page, locked: bool = False) -> dict[str, Any]:
        return {
            "page_id": page.id,
            "url": page.url,
            "title": page.title,
            "created_at": iso(page.created_at),
            "updated_at": iso(page.updated_at),
            "published": page.published,
            "front_page": False,
            "editing_roles": page.editing_roles,
            "html_url": f"{self._base}/courses/{page.course_id}/pages/{page.url}",
            "locked_for_user": locked,
            "body": None if locked else page.body,
        }

    def assignment_json(self, assignment: Assignment, locked: bool = False) -> dict[str, Any]:
        return {
            "id": assignment.id,
            "name": assignment.name,
            "course_id": assignment.course_id,
            "points_possible": assignment.points_possible,
            "published": assignment.published,
            "submission_types": assignment.submission_types,
            "due_at": iso(assignment.due_at),
            "created_at": iso(assignment.created_at),
            "quiz_id": assignment.quiz_id,
            "is_quiz_assignment": assignment.quiz_id is not None,
            "html_url": f"{self._base}/courses/{assignment.course_id}/assignments/{assignment.id}",
            "locked_for_user": locked,
        }

    def submission_json(self, submission: Submission) -> dict[str, Any]:
        return {
            "id": submission.id,
            "assignment_id": submission.assignment_id,
            "user_id": submission.user_id,
            "workflow_state": submission.workflow_state,
            "attempt": submission.attempt or None,
            "submitted_at": iso(submission.submitted_at),
            "body": submission.body,
            "score": submission.score,
            "grade": submission.grade,
            "graded_at": iso(submission.graded_at),
            "late": False,
            "missing": False,
        }

    def quiz_json(self, quiz: Quiz) -> dict[str, Any]:
        return {
            "id": quiz.id,
            "title": quiz.title,
            "assignment_id": quiz.assignment_id,
            "points_possible": quiz.points_possible,
            "published": quiz.published,
            "quiz_type": "assignment",
            "html_url": f"{self._base}/courses/{quiz.course_id}/quizzes/{quiz.id}",
        }

    @staticmethod
    def quiz_submission_json(submission: QuizSubmission) -> dict[str, Any]:
        return {
            "id": submission.id,
            "quiz_id": submission.quiz_id,
            "user_id": submission.user_id,
            "attempt": submission.attempt,
            "workflow_state": submission.workflow_state,
            "validation_token": submission.validation_token,
            "started_at": iso(submission.started_at),
            "finished_at": iso(submission.finished_at),
        }

    def discussion_json(self, topic: Discussion, locked: bool = False) -> dict[str, Any]:
        return {
            "id": topic.id,
            "title": topic.title,
            "message": None if locked else topic.message,
            "published": topic.published,
            "discussion_subentry_count": len(topic.entries),
            "posted_at": iso(topic.created_at),
            "html_url": f"{self._base}/courses/{topic.course_id}/discussion_topics/{topic.id}",
            "locked_for_user": locked,
        }

    def file_json(self, record: File, locked: bool = False) -> dict[str, Any]:
        return {
            "id": record.id,
            "uuid": record.uuid,
            "display_name": record.display_name,
            "filename": record.display_name,
            "content-type": record.content_type,
            "size": record.size,
            "created_at": iso(record.created_at),
            "url": f"{self._base}/files/{record.id}/download?download_frd=1&verifier={record.uuid}",
            "locked_for_user": locked,
        }

    def tool_json(self, tool: ExternalTool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": tool.id,
            "name": tool.name,
            "description": tool.description,
            "url": tool.url,
            "domain": tool.domain,
            "consumer_key": tool.consumer_key,
            "created_at": iso(tool.created_at),
            "updated_at": iso(tool.updated_at),
            "privacy_level": tool.privacy_level,
            "custom_fields": dict(tool.custom_fields),
            "workflow_state": tool.workflow_state,
            "vendor_help_link": None,
            "selection_width": 800,
            "selection_height": 400,
            "icon_url": tool.icon_url,
            "not_selectable": False,
            "version": tool.version,
        }
        for placement in PLACEMENTS:
            settings = tool.placements.get(placement)
            if settings is None:
                out[placement] = None
                continue
            rendered = {
                "url": tool.url,
                "text": tool.name,
                "label": tool.name,
                "enabled": True,
                **settings,
            }
            if placement == "course_navigation":
                rendered.setdefault("visibility", "public")
                rendered.setdefault("default", "enabled")
            out[placement] = rendered
        if tool.developer_key_id is not None:
            out["developer_key_id"] = tool.developer_key_id
            out["deployment_id"] = self.backend.deployment_id(tool)
        return out

    def developer_key_json(self, key: DeveloperKey) -> dict[str, Any]:
        return {
            "id": key.id,
            "name": key.name,
            "redirect_uris": "\n".join(key.redirect_uris),
            "redirect_uri": key.redirect_uris[0] if key.redirect_uris else None,
            "scopes": key.scopes,
            "workflow_state": key.workflow_state,
            "is_lti_key": True,
            "public_jwk_url": key.public_jwk_url,
            "public_jwk": key.public_jwk,
            "created_at": iso(key.created_at),
            "developer_key_account_binding": {
                "workflow_state": key.binding_state,
                "account_id": key.account_id,
            },
            "tool_configuration": self.tool_configuration(key),
        }

    @staticmethod
    def tool_configuration(key: DeveloperKey) -> dict[str, Any]:
        return {
            "title": key.title,
            "description": key.description,
            "target_link_uri": key.target_link_uri,
            "oidc_initiation_url": key.oidc_initiation_url,
            "public_jwk_url": key.public_jwk_url,
            "public_jwk": key.public_jwk,
            "custom_fields": key.custom_fields,
            "scopes": key.scopes,
            "extensions": [
                {
                    "platform": "canvas.instructure.com",
                    "privacy_level": key.privacy_level,
                    "settings": {"placements": key.placements},
                }
            ],
        }

    #: The public base URL of the request being answered (set by :meth:`around`).
    _base = ""

    # -- users and accounts -------------------------------------------------------------------
    def _user_id(self, raw: str, caller: User) -> int:
        if raw == "self":
            return caller.id
        value = as_int(raw, "user_id")
        if value is None:
            raise exc.ResourceNotFound()
        return value

    def get_user(self, request: ApiRequest, user_id: str) -> ApiResponse:
        caller = self.caller(request)
        user = self.backend.visible_user(caller, self._user_id(user_id, caller))
        return json_response(
            self.user_json(user, caller, include=set(as_list(params_of(request).get("include"))))
        )

    def get_user_profile(self, request: ApiRequest, user_id: str) -> ApiResponse:
        caller = self.caller(request)
        user = self.backend.visible_user(caller, self._user_id(user_id, caller))
        return json_response(self.user_json(user, caller, profile=True))

    def create_user(self, request: ApiRequest, account_id: int) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        user_section, pseudonym = section(params, "user"), section(params, "pseudonym")
        channel = section(params, "communication_channel")
        if not pseudonym:
            raise exc.BadRequest("pseudonym[unique_id] is missing")
        user = self.backend.create_account_user(
            caller,
            account_id,
            name=user_section.get("name"),
            login_id=pseudonym.get("unique_id"),
            email=channel.get("address"),
            short_name=user_section.get("short_name"),
            sortable_name=user_section.get("sortable_name"),
        )
        return json_response(self.user_json(user, caller))

    def list_user_enrollments(self, request: ApiRequest, user_id: str) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        found = self.backend.user_enrollments(
            caller, self._user_id(user_id, caller), states=as_list(params.get("state"))
        )
        return paginate(request, found, lambda e: self.enrollment_json(e, caller))

    def list_accounts(self, request: ApiRequest) -> ApiResponse:
        return paginate(request, self.backend.list_accounts(self.caller(request)), _account_json)

    def get_account(self, request: ApiRequest, account_id: int) -> ApiResponse:
        return json_response(
            _account_json(self.backend.get_account(self.caller(request), account_id))
        )

    # -- courses ------------------------------------------------------------------------------
    def _course_fields(self, params: dict[str, Any]) -> dict[str, Any]:
        src, out = section(params, "course"), {}
        for key in ("name", "course_code", "default_view", "time_zone"):
            if key in src:
                out[key] = src[key]
        _take(src, out, "start_at", as_time, "course")
        _take(src, out, "end_at", as_time, "course")
        _take(src, out, "is_public", as_bool, "course")
        return out

    def create_course(self, request: ApiRequest, account_id: int) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        fields = self._course_fields(params)
        course = self.backend.create_course(
            caller,
            account_id,
            name=fields.get("name"),
            course_code=fields.get("course_code"),
            offer=as_bool(params.get("offer", False), "offer"),
            start_at=fields.get("start_at"),
            end_at=fields.get("end_at"),
            default_view=fields.get("default_view"),
            is_public=fields.get("is_public", False),
        )
        if as_bool(params.get("enroll_me", False), "enroll_me"):
            self.backend.enroll_user(
                caller,
                course.id,
                user_id=caller.id,
                type="TeacherEnrollment",
                enrollment_state="active",
            )
        return json_response(self.course_json(course, caller))

    def update_course(self, request: ApiRequest, course_id: int) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        event = section(params, "course").get("event") or params.get("event")
        course = self.backend.update_course(caller, course_id, self._course_fields(params), event)
        return json_response(self.course_json(course, caller))

    def get_course(self, request: ApiRequest, course_id: int) -> ApiResponse:
        caller = self.caller(request)
        return json_response(self.course_json(self.backend.get_course(caller, course_id), caller))

    def list_courses(self, request: ApiRequest) -> ApiResponse:
        caller = self.caller(request)
        return paginate(
            request, self.backend.list_courses(caller), lambda c: self.course_json(c, caller)
        )

    def list_account_courses(self, request: ApiRequest, account_id: int) -> ApiResponse:
        caller = self.caller(request)
        return paginate(
            request,
            self.backend.list_account_courses(caller, account_id),
            lambda c: self.course_json(c, caller),
        )

    def list_tabs(self, request: ApiRequest, course_id: int) -> ApiResponse:
        """``GET /courses/:id/tabs``: Canvas's own tabs, then each tool's course navigation tab."""
        caller = self.caller(request)
        course = self.backend.get_course(caller, course_id)
        manager = self.backend.can_manage(caller, course)
        base = f"/courses/{course.id}"
        tabs = [
            {"id": "home", "html_url": base, "label": "Home", "type": "internal"},
            {
                "id": "modules",
                "html_url": f"{base}/modules",
                "label": "Modules",
                "type": "internal",
            },
            {
                "id": "assignments",
                "html_url": f"{base}/assignments",
                "label": "Assignments",
                "type": "internal",
            },
            {"id": "people", "html_url": f"{base}/users", "label": "People", "type": "internal"},
        ]
        for tool in self.backend.tools_for("Course", course.id):
            nav = tool.placements.get("course_navigation")
            if nav is None or nav.get("enabled") in (False, "false"):
                continue
            visibility = nav.get("visibility", "public")
            if visibility == "admins" and not manager:
                continue
            tab = {
                "id": f"context_external_tool_{tool.id}",
                "html_url": f"{base}/external_tools/{tool.id}",
                "full_url": f"{self._base}{base}/external_tools/{tool.id}",
                "label": nav.get("text") or tool.name,
                "type": "external",
                "visibility": visibility,
            }
            if nav.get("default") == "disabled":
                if not manager:
                    continue
                tab["hidden"] = True
            tabs.append(tab)
        for position, tab in enumerate(tabs, start=1):
            tab["position"] = position
            tab["full_url"] = tab.get("full_url") or f"{self._base}{tab['html_url']}"
            tab.setdefault("visibility", "public")
        return json_response(tabs)

    # -- enrollments and people ---------------------------------------------------------------
    def enroll_user(self, request: ApiRequest, course_id: int) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        src = section(params, "enrollment")
        enrollment = self.backend.enroll_user(
            caller,
            course_id,
            user_id=as_int(src.get("user_id"), "enrollment[user_id]"),
            type=src.get("type") or params.get("enrollment_type"),
            enrollment_state=src.get("enrollment_state"),
        )
        return json_response(self.enrollment_json(enrollment, caller))

    def accept_enrollment(
        self, request: ApiRequest, course_id: int, enrollment_id: int
    ) -> ApiResponse:
        self.backend.answer_invitation(self.caller(request), course_id, enrollment_id, True)
        return json_response({"success": True})

    def reject_enrollment(
        self, request: ApiRequest, course_id: int, enrollment_id: int
    ) -> ApiResponse:
        self.backend.answer_invitation(self.caller(request), course_id, enrollment_id, False)
        return json_response({"success": True})

    def list_course_enrollments(self, request: ApiRequest, course_id: int) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        types = [
            t if t.endswith("Enrollment") else ENROLLMENT_TYPE_WORDS.get(t, t)
            for t in as_list(params.get("type"))
        ]
        found = self.backend.course_enrollments(
            caller,
            course_id,
            types=types,
            states=as_list(params.get("state")),
            user_id=as_int(params.get("user_id"), "user_id"),
        )
        return paginate(request, found, lambda e: self.enrollment_json(e, caller))

    def list_course_users(self, request: ApiRequest, course_id: int) -> ApiResponse:
        """``GET /courses/:id/users`` and its alias ``search_users``."""
        caller = self.caller(request)
        params = params_of(request)
        types = [ENROLLMENT_TYPE_WORDS.get(t, t) for t in as_list(params.get("enrollment_type"))]
        include = set(as_list(params.get("include")))
        people = self.backend.course_users(
            caller,
            course_id,
            types=types,
            states=as_list(params.get("enrollment_state")),
            search_term=params.get("search_term"),
            user_ids=as_int_list(params.get("user_ids"), "user_ids"),
        )

        def render(pair: tuple[User, list[Enrollment]]) -> dict[str, Any]:
            user, enrollments = pair
            out = self.user_json(user, caller, include=include)
            if "enrollments" in include:
                out["enrollments"] = [
                    self.enrollment_json(e, caller, with_user=False) for e in enrollments
                ]
            return out

        return paginate(request, people, render)

    def get_course_user(self, request: ApiRequest, course_id: int, user_id: str) -> ApiResponse:
        caller = self.caller(request)
        uid = self._user_id(user_id, caller)
        for user, _ in self.backend.course_users(
            caller, course_id, types=[], states=["active", "invited", "completed"]
        ):
            if user.id == uid:
                return json_response(self.user_json(user, caller))
        raise exc.ResourceNotFound()

    # -- modules ------------------------------------------------------------------------------
    def _student(self, caller: User, course_id: int, params: dict[str, Any]) -> User | None:
        """``student_id``: whose progress to show; needs the right to read grades."""
        raw = params.get("student_id")
        if raw in (None, ""):
            return None
        course = self.backend.get_course(caller, course_id)
        sid = as_int(raw, "student_id")
        if sid != caller.id and not self.backend.can_manage(caller, course):
            raise exc.NotAuthorized()
        student = self.backend.users.get(sid or 0)
        if student is None or not self.backend.enrollments_of(student, course.id):
            raise exc.ResourceNotFound()
        return student

    def _module_fields(self, src: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "name" in src:
            out["name"] = src["name"]
        _take(src, out, "position", as_int, "module")
        _take(src, out, "unlock_at", as_time, "module")
        _take(src, out, "require_sequential_progress", as_bool, "module")
        _take(src, out, "publish_final_grade", as_bool, "module")
        _take(src, out, "prerequisite_module_ids", as_int_list, "module")
        _take(src, out, "published", as_bool, "module")
        _take(src, out, "skip_content_tags", as_bool, "module")
        return out

    def list_modules(self, request: ApiRequest, course_id: int) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        include, student = (
            set(as_list(params.get("include"))),
            self._student(caller, course_id, params),
        )
        modules = self.backend.visible_modules(caller, course_id)
        term = params.get("search_term")
        if term:
            modules = [m for m in modules if str(term).lower() in m.name.lower()]
        return paginate(
            request,
            modules,
            lambda m: self.module_json(m, caller, include=include, student=student),
        )

    def get_module(self, request: ApiRequest, course_id: int, module_id: int) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        module = self.backend.get_module(caller, course_id, module_id)
        student = self._student(caller, course_id, params)
        return json_response(
            self.module_json(
                module, caller, include=set(as_list(params.get("include"))), student=student
            )
        )

    def create_module(self, request: ApiRequest, course_id: int) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        if not isinstance(params.get("module"), dict):
            raise exc.BadRequest("missing module parameter")
        fields = self._module_fields(params["module"])
        fields.pop("published", None)
        fields.pop("skip_content_tags", None)
        module = self.backend.create_module(
            caller, course_id, name=fields.pop("name", None), **fields
        )
        return json_response(self.module_json(module, caller))

    def update_module(self, request: ApiRequest, course_id: int, module_id: int) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        if not isinstance(params.get("module"), dict):
            raise exc.BadRequest("missing module parameter")
        module, relock_warning = self.backend.update_module(
            caller, course_id, module_id, self._module_fields(params["module"])
        )
        out = self.module_json(module, caller)
        if relock_warning:
            out["relock_warning"] = True
        return json_response(out)

    def delete_module(self, request: ApiRequest, course_id: int, module_id: int) -> ApiResponse:
        caller = self.caller(request)
        module, _ = self.backend.delete_module(caller, course_id, module_id)
        out = self.module_json(module, caller)
        out["items_count"] = 0
        return json_response(out)

    def relock_module(self, request: ApiRequest, course_id: int, module_id: int) -> ApiResponse:
        caller = self.caller(request)
        return json_response(
            self.module_json(self.backend.relock(caller, course_id, module_id), caller)
        )

    def batch_update_modules(self, request: ApiRequest, course_id: int) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        done = self.backend.batch_update_modules(
            caller,
            course_id,
            params.get("event"),
            as_int_list(params.get("module_ids"), "module_ids"),
        )
        return json_response({"completed": done})

    # -- module items -------------------------------------------------------------------------
    def _item_fields(self, src: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in (
            "type",
            "title",
            "page_url",
            "external_url",
            "completion_requirement",
            "content_id",
        ):
            if key in src:
                out[key] = src[key]
        _take(src, out, "position", as_int, "module_item")
        _take(src, out, "indent", as_int, "module_item")
        _take(src, out, "new_tab", as_bool, "module_item")
        _take(src, out, "published", as_bool, "module_item")
        _take(src, out, "module_id", as_int, "module_item")
        if "completion_requirement" in out and not isinstance(
            out["completion_requirement"], dict | None
        ):
            raise exc.BadRequest(
                "module_item[completion_requirement] must be an object with a type"
            )
        return out

    def list_items(self, request: ApiRequest, course_id: int, module_id: int) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        details = "content_details" in as_list(params.get("include"))
        student = self._student(caller, course_id, params)
        items = self.backend.visible_items(caller, course_id, module_id)
        term = params.get("search_term")
        if term:
            items = [i for i in items if str(term).lower() in i.title.lower()]
        return paginate(
            request,
            items,
            lambda i: self.item_json(i, caller, content_details=details, student=student),
        )

    def get_item(
        self, request: ApiRequest, course_id: int, module_id: int, item_id: int
    ) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        details = "content_details" in as_list(params.get("include"))
        item = self.backend.get_item(caller, course_id, module_id, item_id)
        student = self._student(caller, course_id, params)
        return json_response(self.item_json(item, caller, content_details=details, student=student))

    def create_item(self, request: ApiRequest, course_id: int, module_id: int) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        if not isinstance(params.get("module_item"), dict):
            raise exc.BadRequest("missing module item parameter")
        item = self.backend.create_module_item(
            caller, course_id, module_id, self._item_fields(params["module_item"])
        )
        return json_response(self.item_json(item, caller))

    def update_item(
        self, request: ApiRequest, course_id: int, module_id: int, item_id: int
    ) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        if not isinstance(params.get("module_item"), dict):
            raise exc.BadRequest("missing module item parameter")
        fields = self._item_fields(params["module_item"])
        item = self.backend.update_module_item(caller, course_id, module_id, item_id, fields)
        return json_response(self.item_json(item, caller))

    def delete_item(
        self, request: ApiRequest, course_id: int, module_id: int, item_id: int
    ) -> ApiResponse:
        caller = self.caller(request)
        return json_response(
            self.item_json(
                self.backend.delete_module_item(caller, course_id, module_id, item_id), caller
            )
        )

    def mark_read(
        self, request: ApiRequest, course_id: int, module_id: int, item_id: int
    ) -> ApiResponse:
        self.backend.mark_read(self.caller(request), course_id, module_id, item_id)
        return json_response(_OK)

    def mark_done(
        self, request: ApiRequest, course_id: int, module_id: int, item_id: int
    ) -> ApiResponse:
        self.backend.mark_done(
            self.caller(request), course_id, module_id, item_id, request.method == "PUT"
        )
        return json_response(_OK)

    def item_redirect(self, request: ApiRequest, course_id: int, item_id: int) -> ApiResponse:
        """``GET /courses/:cid/module_item_redirect/:id``: an ExternalUrl item's link (marks it read)."""
        caller = self.caller(request)
        item = self.backend.find_item(caller, course_id, item_id)
        course = self.backend.courses[course_id]
        if self.backend.is_student(caller, course) and self.backend.item_lock(caller, item)[0]:
            raise exc.Forbidden("The module item is locked.")
        if item.type != "ExternalUrl":
            raise exc.ResourceNotFound()
        self.backend.view_item(caller, item)
        return text_response(
            "",
            302,
            [("Location", item.external_url or "")],
            content_type="text/html; charset=utf-8",
        )

    # -- content ------------------------------------------------------------------------------
    def create_page(self, request: ApiRequest, course_id: int) -> ApiResponse:
        caller = self.caller(request)
        src = section(params_of(request), "wiki_page")
        fields = {k: src[k] for k in ("title", "body", "editing_roles") if k in src}
        if "published" in src:
            fields["published"] = as_bool(src["published"], "wiki_page[published]")
        return json_response(self.page_json(self.backend.create_page(caller, course_id, fields)))

    def list_pages(self, request: ApiRequest, course_id: int) -> ApiResponse:
        caller = self.caller(request)
        return paginate(request, self.backend.list_pages(caller, course_id), self.page_json)

    def show_page(self, request: ApiRequest, course_id: int, url: str) -> ApiResponse:
        page, locked = self.backend.show_page(self.caller(request), course_id, url)
        return json_response(self.page_json(page, locked))

    def update_page(self, request: ApiRequest, course_id: int, url: str) -> ApiResponse:
        caller = self.caller(request)
        src = section(params_of(request), "wiki_page")
        fields = {k: src[k] for k in ("title", "body", "editing_roles") if k in src}
        if "published" in src:
            fields["published"] = as_bool(src["published"], "wiki_page[published]")
        return json_response(
            self.page_json(self.backend.update_page(caller, course_id, url, fields))
        )

    def _assignment_fields(self, src: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {k: src[k] for k in ("name", "points_possible") if k in src}
        if "submission_types" in src:
            out["submission_types"] = as_list(src["submission_types"])
        _take(src, out, "published", as_bool, "assignment")
        _take(src, out, "due_at", as_time, "assignment")
        return out

    def create_assignment(self, request: ApiRequest, course_id: int) -> ApiResponse:
        caller = self.caller(request)
        fields = self._assignment_fields(section(params_of(request), "assignment"))
        return json_response(
            self.assignment_json(self.backend.create_assignment(caller, course_id, fields))
        )

    def list_assignments(self, request: ApiRequest, course_id: int) -> ApiResponse:
        return paginate(
            request,
            self.backend.list_assignments(self.caller(request), course_id),
            self.assignment_json,
        )

    def get_assignment(
        self, request: ApiRequest, course_id: int, assignment_id: int
    ) -> ApiResponse:
        assignment, locked = self.backend.show_assignment(
            self.caller(request), course_id, assignment_id
        )
        return json_response(self.assignment_json(assignment, locked))

    def submit_assignment(
        self, request: ApiRequest, course_id: int, assignment_id: int
    ) -> ApiResponse:
        caller = self.caller(request)
        submission = self.backend.submit(
            caller, course_id, assignment_id, section(params_of(request), "submission")
        )
        return json_response(self.submission_json(submission))

    def get_submission(
        self, request: ApiRequest, course_id: int, assignment_id: int, user_id: str
    ) -> ApiResponse:
        caller = self.caller(request)
        submission = self.backend.get_submission(
            caller, course_id, assignment_id, self._user_id(user_id, caller)
        )
        return json_response(self.submission_json(submission))

    def grade_submission(
        self, request: ApiRequest, course_id: int, assignment_id: int, user_id: str
    ) -> ApiResponse:
        caller = self.caller(request)
        posted = section(params_of(request), "submission").get("posted_grade")
        if posted in (None, ""):
            raise exc.BadRequest("submission[posted_grade] is missing")
        submission = self.backend.grade(
            caller, course_id, assignment_id, self._user_id(user_id, caller), posted
        )
        return json_response(self.submission_json(submission))

    def create_quiz(self, request: ApiRequest, course_id: int) -> ApiResponse:
        caller = self.caller(request)
        src = section(params_of(request), "quiz")
        fields = {k: src[k] for k in ("title", "points_possible") if k in src}
        if "published" in src:
            fields["published"] = as_bool(src["published"], "quiz[published]")
        return json_response(self.quiz_json(self.backend.create_quiz(caller, course_id, fields)))

    def list_quizzes(self, request: ApiRequest, course_id: int) -> ApiResponse:
        return paginate(
            request, self.backend.list_quizzes(self.caller(request), course_id), self.quiz_json
        )

    def start_quiz(self, request: ApiRequest, course_id: int, quiz_id: int) -> ApiResponse:
        submission = self.backend.start_quiz(self.caller(request), course_id, quiz_id)
        return json_response({"quiz_submissions": [self.quiz_submission_json(submission)]})

    def complete_quiz(
        self, request: ApiRequest, course_id: int, quiz_id: int, submission_id: int
    ) -> ApiResponse:
        params = params_of(request)
        submission = self.backend.complete_quiz(
            self.caller(request),
            course_id,
            quiz_id,
            submission_id,
            params.get("attempt"),
            params.get("validation_token"),
        )
        return json_response({"quiz_submissions": [self.quiz_submission_json(submission)]})

    def create_discussion(self, request: ApiRequest, course_id: int) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        fields = {k: params[k] for k in ("title", "message") if k in params}
        if "published" in params:
            fields["published"] = as_bool(params["published"], "published")
        return json_response(
            self.discussion_json(self.backend.create_discussion(caller, course_id, fields))
        )

    def list_discussions(self, request: ApiRequest, course_id: int) -> ApiResponse:
        return paginate(
            request,
            self.backend.list_discussions(self.caller(request), course_id),
            self.discussion_json,
        )

    def get_discussion(self, request: ApiRequest, course_id: int, topic_id: int) -> ApiResponse:
        topic, locked = self.backend.show_discussion(self.caller(request), course_id, topic_id)
        return json_response(self.discussion_json(topic, locked))

    def post_entry(self, request: ApiRequest, course_id: int, topic_id: int) -> ApiResponse:
        caller = self.caller(request)
        entry = self.backend.post_entry(
            caller, course_id, topic_id, params_of(request).get("message")
        )
        return json_response(
            {**entry, "created_at": iso(entry["created_at"]), "user_name": caller.name}
        )

    def start_upload(self, request: ApiRequest, course_id: int) -> ApiResponse:
        """Step 1 of Canvas's upload: answers ``upload_url`` and ``upload_params``."""
        params = params_of(request)
        token = self.backend.start_upload(self.caller(request), course_id, params)
        return json_response(
            {
                "upload_url": f"{self._base}/files_api/upload/{token}",
                "upload_params": {"filename": params.get("name")},
            }
        )

    def finish_upload(self, request: ApiRequest, token: str) -> ApiResponse:
        """Step 2: the multipart POST of the bytes; answers the file (201) as Canvas's
        inst-fs does after its redirect."""
        data = request.file_bytes("file")
        record = self.backend.finish_upload(token, data, None)
        return json_response(self.file_json(record), 201)

    def get_file(self, request: ApiRequest, file_id: int) -> ApiResponse:
        record, locked = self.backend.show_file(self.caller(request), file_id)
        return json_response(self.file_json(record, locked))

    def list_files(self, request: ApiRequest, course_id: int) -> ApiResponse:
        return paginate(
            request, self.backend.list_files(self.caller(request), course_id), self.file_json
        )

    # -- developer keys and external tools ----------------------------------------------------
    def create_developer_key(self, request: ApiRequest, account_id: int) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        config = section(params, "tool_configuration")
        settings = config.get("settings") if isinstance(config.get("settings"), dict) else config
        key = self.backend.create_developer_key(
            caller, account_id, section(params, "developer_key"), settings
        )
        return json_response(
            {
                "developer_key": self.developer_key_json(key),
                "tool_configuration": self.tool_configuration(key),
            }
        )

    def list_developer_keys(self, request: ApiRequest, account_id: int) -> ApiResponse:
        keys = self.backend.list_developer_keys(self.caller(request), account_id)
        return paginate(request, keys, self.developer_key_json)

    def bind_developer_key(self, request: ApiRequest, account_id: int, key_id: int) -> ApiResponse:
        src = section(params_of(request), "developer_key_account_binding")
        key = self.backend.set_developer_key_binding(
            self.caller(request), account_id, key_id, str(src.get("workflow_state"))
        )
        return json_response(
            {
                "workflow_state": key.binding_state,
                "account_id": account_id,
                "developer_key_id": key.id,
            }
        )

    def _tool_fields(self, params: dict[str, Any]) -> dict[str, Any]:
        src = {**params, **section(params, "external_tool")}
        fields = {
            k: src[k]
            for k in (
                "client_id",
                "name",
                "privacy_level",
                "consumer_key",
                "shared_secret",
                "url",
                "domain",
                "description",
                "icon_url",
                "custom_fields",
            )
            if k in src
        }
        for placement in PLACEMENTS:
            if isinstance(src.get(placement), dict):
                fields[placement] = {
                    k: (
                        to_bool(v)
                        if k == "enabled" and isinstance(v, str) and to_bool(v) is not None
                        else v
                    )
                    for k, v in src[placement].items()
                }
        return fields

    def install_tool(self, request: ApiRequest, context: str, context_id: int) -> ApiResponse:
        caller = self.caller(request)
        tool = self.backend.install_tool(
            caller, _context(context), context_id, self._tool_fields(params_of(request))
        )
        return json_response(self.tool_json(tool))

    def list_tools(self, request: ApiRequest, context: str, context_id: int) -> ApiResponse:
        params = params_of(request)
        tools = self.backend.list_tools(
            self.caller(request),
            _context(context),
            context_id,
            placement=params.get("placement"),
            include_parents=to_bool(params.get("include_parents", "false")) or False,
        )
        term = params.get("search_term")
        if term:
            tools = [t for t in tools if str(term).lower() in t.name.lower()]
        return paginate(request, tools, self.tool_json)

    def get_tool(
        self, request: ApiRequest, context: str, context_id: int, tool_id: int
    ) -> ApiResponse:
        return json_response(
            self.tool_json(
                self.backend.get_tool(self.caller(request), _context(context), context_id, tool_id)
            )
        )

    def update_tool(
        self, request: ApiRequest, context: str, context_id: int, tool_id: int
    ) -> ApiResponse:
        caller = self.caller(request)
        tool = self.backend.update_tool(
            caller, _context(context), context_id, tool_id, self._tool_fields(params_of(request))
        )
        return json_response(self.tool_json(tool))

    def delete_tool(
        self, request: ApiRequest, context: str, context_id: int, tool_id: int
    ) -> ApiResponse:
        return json_response(
            self.tool_json(
                self.backend.delete_tool(
                    self.caller(request), _context(context), context_id, tool_id
                )
            )
        )

    def sessionless_launch(self, request: ApiRequest, context: str, context_id: int) -> ApiResponse:
        """``GET .../external_tools/sessionless_launch`` by ``id``, ``url`` or
        ``launch_type=module_item&module_item_id=``: answers ``{id, name, url}``."""
        caller = self.caller(request)
        params = params_of(request)
        kind = _context(context)
        tool: ExternalTool | None = None
        if params.get("launch_type") == "module_item":
            item = self.backend.items.get(
                as_int(params.get("module_item_id"), "module_item_id") or 0
            )
            if item is None or kind != "Course" or item.course_id != context_id:
                raise exc.ResourceNotFound()
            tool = self.backend.tools.get(item.content_id or 0)
        elif params.get("id") not in (None, ""):
            tool = self.backend.get_tool(
                caller, kind, context_id, as_int(params.get("id"), "id") or 0
            )
        elif params.get("url") and kind == "Course":
            tool = self.backend.find_tool_for(
                self.backend.get_course(caller, context_id), str(params["url"])
            )
        else:
            raise exc.BadRequest("A tool id, tool url, or module item id must be provided")
        if tool is None:
            return json_response(
                {"errors": {"external_tool": "Unable to find a matching external tool"}}, 400
            )
        token = self.backend.ids.token("session", 16)
        url = f"{self._base}/{kind.lower()}s/{context_id}/external_tools/sessionless_launch?verifier={token}&session_token={token}"
        return json_response({"id": tool.id, "name": tool.name, "url": url})

    # -- control plane ------------------------------------------------------------------------
    def control_seed(self, request: ApiRequest) -> ApiResponse:
        """``POST /_sim/seed``: people and their access tokens, which Canvas's API cannot make.

        Body ``{"users": [{"name", "login_id", "email"?, "token"?, "admin"?: bool}]}``; answers
        each user's ``id``, ``login_id`` and ``token``. Courses, enrollments and modules are made
        through the real API afterwards.
        """
        users = seed_specs(request, "users", ("name", "login_id"))
        for i, spec in enumerate(users):
            if spec.get("token") in self.backend.tokens:
                raise ValueError(f"users[{i}]: token already in use")
        created = []
        with self.backend.lock:
            for i, spec in enumerate(users):
                try:
                    user = self.backend.create_user(
                        name=spec["name"], login_id=spec["login_id"], email=spec.get("email")
                    )
                except exc.InvalidRecord as err:
                    raise ValueError(f"users[{i}]: {err.message}") from None
                if spec.get("admin"):
                    self.backend.make_account_admin(user)
                token = self.backend.issue_token(user, spec.get("token"))
                created.append({"id": user.id, "login_id": user.login_id, "token": token})
        return json_response({"users": created, "account_id": self.backend.root_account.id})

    def control_throttle(self, request: ApiRequest) -> ApiResponse:
        """``POST /_sim/throttle {"enabled": true, "hwm": 600, "outflow": 10, "cost": 50}``
        switches Canvas's request throttle on (``{"enabled": false}`` off)."""
        if request.method == "POST":
            body = request.json()
            if not isinstance(body, dict):
                raise ValueError('POST {"enabled": true, "hwm": 600, "outflow": 10, "cost": 50}')
            self.throttle.configure(body)
        t = self.throttle
        return json_response(
            {
                "enabled": t.enabled,
                "hwm": t.hwm,
                "maximum": t.maximum,
                "outflow": t.outflow,
                "cost": t.cost,
            }
        )


def _context(word: str) -> str:
    return "Course" if word == "courses" else "Account"


def _account_json(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "name": account.name,
        "uuid": account.uuid,
        "parent_account_id": account.parent_account_id,
        "root_account_id": None,
        "workflow_state": "active",
        "default_time_zone": "Etc/UTC",
    }


def _role_id(enrollment_type: str) -> int:
    return {
        "StudentEnrollment": 3,
        "TeacherEnrollment": 4,
        "TaEnrollment": 5,
        "DesignerEnrollment": 6,
        "ObserverEnrollment": 7,
    }.get(enrollment_type, 3)
