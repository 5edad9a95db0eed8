"""Canvas wire layer: parse parameters (form, query or JSON, Rails-style), authenticate the
Bearer token, call the backend, render Canvas's JSON with Link-header pagination.

Error answers (``ERRORS``) follow canvas-lms ``application_controller.rb`` ``api_error_json`` and
``authentication_methods.rb`` as summarised in ``shared/reference/canvas-and-lti.md`` section 4.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fakes.canvas import exceptions as exc
from fakes.canvas.models import CanvasBackend, Course, Enrollment, Module, ModuleItem, User
from fakes.core.clock import iso
from fakes.web import ApiRequest, ApiResponse, BadRequestBody, json_response
from fakes.web.app import RouteNotFound
from fakes.web.params import parse_rails_params, to_bool

DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100
#: Query parameters Canvas leaves out when it builds pagination links.
_LINK_DROP = {"page", "per_page", "access_token", "api_key"}

_WWW_AUTH = [("WWW-Authenticate", 'Bearer realm="canvas-lms"')]


def _errors_body(message: str, **extra: Any) -> dict[str, Any]:
    return {**extra, "errors": [{"message": message}]}


ERRORS: dict[type[BaseException], Callable[[Any], ApiResponse]] = {
    exc.Unauthenticated: lambda e: json_response(
        _errors_body(e.message, status="unauthenticated"), 401, _WWW_AUTH
    ),
    exc.InvalidAccessToken: lambda e: json_response(_errors_body(e.message), 401, _WWW_AUTH),
    exc.NotAuthorized: lambda e: json_response(_errors_body(e.message, status="unauthorized"), 401),
    exc.ResourceNotFound: lambda e: json_response(
        _errors_body("The specified resource does not exist."), 404
    ),
    RouteNotFound: lambda e: json_response(
        _errors_body("The specified resource does not exist."), 404
    ),
    exc.BadRequest: lambda e: json_response({"message": e.message}, 400),
    exc.Forbidden: lambda e: json_response({"message": e.message}, 403),
    exc.InvalidRecord: lambda e: json_response(
        {
            "errors": {
                attr: [{"attribute": attr, "type": kind, "message": msg} for kind, msg in items]
                for attr, items in e.errors.items()
            }
        },
        400,
    ),
    BadRequestBody: lambda e: json_response(
        {"errors": [{"message": "An error occurred.", "error_code": "bad_request"}]}, 400
    ),
    Exception: lambda e: json_response(
        {"errors": [{"message": "An error occurred.", "error_code": "internal_server_error"}]}, 500
    ),
}


# -- parameter helpers ------------------------------------------------------------------------
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


def _section(params: dict[str, Any], key: str) -> dict[str, Any]:
    value = params.get(key)
    return value if isinstance(value, dict) else {}


def _bool(value: Any, field: str, default: bool = False) -> bool:
    if value is None:
        return default
    parsed = to_bool(value)
    if parsed is None:
        raise exc.BadRequest(f"{field} must be a boolean (true/false), got {value!r}")
    return parsed


def _int(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise exc.BadRequest(f"{field} must be an integer, got {value!r}") from None


def _time(value: Any, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise exc.BadRequest(f"{field} must be an ISO 8601 time, got {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _int_list(value: Any, field: str) -> list[int]:
    if value is None or value == "":
        return []
    values = value if isinstance(value, list) else [value]
    return [v for v in (_int(x, field) for x in values if x != "") if v is not None]


def _includes(params: dict[str, Any]) -> set[str]:
    raw = params.get("include", [])
    return set(raw if isinstance(raw, list) else [raw])


# -- pagination -------------------------------------------------------------------------------
def paginate(request: ApiRequest, records: list[Any], render: Callable[[Any], Any]) -> ApiResponse:
    """One page of ``records`` with Canvas's ``Link`` header (rels current, next, prev, first,
    last; absolute URLs built from the request's base URL; joined by ``,``)."""
    args = request.query_pairs()
    given = dict(args)
    try:
        per_page = int(given.get("per_page") or DEFAULT_PER_PAGE)
    except ValueError:
        per_page = DEFAULT_PER_PAGE
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    try:
        page = max(1, int(given.get("page") or 1))
    except ValueError:
        page = 1
    total = len(records)
    last = max(1, -(-total // per_page))
    chunk = records[(page - 1) * per_page : page * per_page]
    keep = [(k, v) for k, v in args if k not in _LINK_DROP]
    base = request.url_without_query

    def link(n: int) -> str:
        query = urlencode([*keep, ("page", str(n)), ("per_page", str(per_page))])
        return f"<{base}?{query}>"

    rels = [(page, "current")]
    if page < last:
        rels.append((page + 1, "next"))
    if page > 1:
        rels.append((page - 1, "prev"))
    rels.append((1, "first"))
    rels.append((last, "last"))
    header = ",".join(f'{link(n)}; rel="{rel}"' for n, rel in rels)
    return json_response([render(r) for r in chunk], 200, [("Link", header)])


class CanvasResponses:
    """One method per Canvas endpoint (named in ``urls.py``)."""

    def __init__(self, backend: CanvasBackend) -> None:
        self.backend = backend

    # -- auth ---------------------------------------------------------------------------------
    def caller(self, request: ApiRequest) -> User:
        """The token's user: ``Authorization: Bearer <t>`` or ``access_token=<t>``."""
        header = request.headers.get("Authorization", "")
        token = None
        if header:
            scheme, _, value = header.partition(" ")
            if scheme.lower() == "bearer" and value.strip():
                token = value.strip()
            else:
                raise exc.InvalidAccessToken()
        else:
            token = dict(request.query_pairs()).get("access_token") or dict(
                request.form_pairs()
            ).get("access_token")
        if not token:
            raise exc.Unauthenticated()
        return self.backend.authenticate(token)

    # -- renderers ----------------------------------------------------------------------------
    def user_json(self, user: User, caller: User, *, profile: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": user.id,
            "name": user.name,
            "created_at": iso(user.created_at),
            "sortable_name": user.sortable_name,
            "short_name": user.short_name,
            "sis_user_id": None,
            "integration_id": None,
        }
        if caller.id == user.id or self.backend.is_admin(caller):
            out["login_id"] = user.login_id
        if caller.id == user.id:
            out["locale"] = None
            out["effective_locale"] = "en"
        if profile:
            out["primary_email"] = user.email
            out["lti_user_id"] = user.lti_id if caller.id == user.id else None
            out["time_zone"] = "Etc/UTC"
            out["avatar_url"] = None
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

    def enrollment_json(self, enrollment: Enrollment, base: str) -> dict[str, Any]:
        return {
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
            "html_url": f"{base}/courses/{enrollment.course_id}/users/{enrollment.user_id}",
        }

    def module_json(
        self,
        module: Module,
        caller: User,
        base: str,
        *,
        include: set[str] = frozenset(),  # type: ignore[assignment]
    ) -> dict[str, Any]:
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
            "items_url": f"{base}/api/v1/courses/{module.course_id}/modules/{module.id}/items",
        }
        if manager:
            out["published"] = module.published
        if "items" in include and len(items) <= 50:
            out["items"] = [
                self.item_json(i, caller, base, content_details="content_details" in include)
                for i in items
            ]
        return out

    def item_json(
        self, item: ModuleItem, caller: User, base: str, *, content_details: bool = False
    ) -> dict[str, Any]:
        cid = item.course_id
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
        if item.type == "ExternalTool":
            out["url"] = (
                f"{base}/api/v1/courses/{cid}/external_tools/sessionless_launch"
                f"?launch_type=module_item&module_item_id={item.id}"
            )
        elif item.type == "Page":
            out["page_url"] = item.page_url
            out["url"] = f"{base}/api/v1/courses/{cid}/pages/{item.page_url}"
        if item.type in ("ExternalUrl", "ExternalTool"):
            out["external_url"] = item.external_url
            out["new_tab"] = item.new_tab
        if item.completion_requirement:
            out["completion_requirement"] = dict(item.completion_requirement)
        if self.backend.can_manage(caller, self.backend.courses[cid]):
            out["published"] = item.published
            out["unpublishable"] = True
        if content_details:
            out["content_details"] = {"locked_for_user": False}
        return out

    # -- users and accounts -------------------------------------------------------------------
    def get_user(self, request: ApiRequest, user_id: str) -> ApiResponse:
        caller = self.caller(request)
        user = caller if user_id == "self" else self._visible_user(caller, user_id)
        return json_response(self.user_json(user, caller))

    def get_user_profile(self, request: ApiRequest, user_id: str) -> ApiResponse:
        caller = self.caller(request)
        user = caller if user_id == "self" else self._visible_user(caller, user_id)
        return json_response(self.user_json(user, caller, profile=True))

    def _visible_user(self, caller: User, user_id: str) -> User:
        uid = _int(user_id, "user_id")
        if uid is None:
            raise exc.ResourceNotFound()
        user = self.backend.get_user(uid)
        if caller.id != user.id and not self.backend.is_admin(caller):
            shares = any(
                self.backend.can_manage(caller, self.backend.courses[e.course_id])
                for e in self.backend.enrollments.values()
                if e.user_id == user.id
            )
            if not shares:
                raise exc.NotAuthorized()
        return user

    def list_accounts(self, request: ApiRequest) -> ApiResponse:
        caller = self.caller(request)
        return paginate(request, self.backend.list_accounts(caller), _account_json)

    def get_account(self, request: ApiRequest, account_id: int) -> ApiResponse:
        caller = self.caller(request)
        return json_response(_account_json(self.backend.get_account(caller, account_id)))

    # -- courses ------------------------------------------------------------------------------
    def create_course(self, request: ApiRequest, account_id: int) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        section = _section(params, "course")
        course = self.backend.create_course(
            caller,
            account_id,
            name=section.get("name"),
            course_code=section.get("course_code"),
            offer=_bool(params.get("offer"), "offer"),
            start_at=_time(section.get("start_at"), "course[start_at]"),
            end_at=_time(section.get("end_at"), "course[end_at]"),
            default_view=section.get("default_view"),
            is_public=_bool(section.get("is_public"), "course[is_public]"),
        )
        if _bool(params.get("enroll_me"), "enroll_me"):
            self.backend.enroll_user(
                caller,
                course.id,
                user_id=caller.id,
                type="TeacherEnrollment",
                enrollment_state="active",
            )
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
        courses = self.backend.list_account_courses(caller, account_id)
        return paginate(request, courses, lambda c: self.course_json(c, caller))

    # -- enrollments --------------------------------------------------------------------------
    def enroll_user(self, request: ApiRequest, course_id: int) -> ApiResponse:
        caller = self.caller(request)
        section = _section(params_of(request), "enrollment")
        enrollment = self.backend.enroll_user(
            caller,
            course_id,
            user_id=_int(section.get("user_id"), "enrollment[user_id]"),
            type=section.get("type"),
            enrollment_state=section.get("enrollment_state"),
        )
        return json_response(self.enrollment_json(enrollment, request.base_url))

    # -- modules ------------------------------------------------------------------------------
    def list_modules(self, request: ApiRequest, course_id: int) -> ApiResponse:
        caller = self.caller(request)
        include = _includes(params_of(request))
        modules = self.backend.visible_modules(caller, course_id)
        base = request.base_url
        return paginate(
            request, modules, lambda m: self.module_json(m, caller, base, include=include)
        )

    def get_module(self, request: ApiRequest, course_id: int, module_id: int) -> ApiResponse:
        caller = self.caller(request)
        include = _includes(params_of(request))
        module = self.backend.get_module(caller, course_id, module_id)
        return json_response(self.module_json(module, caller, request.base_url, include=include))

    def create_module(self, request: ApiRequest, course_id: int) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        if not isinstance(params.get("module"), dict):
            raise exc.BadRequest("missing module parameter")
        section = params["module"]
        module = self.backend.create_module(
            caller,
            course_id,
            name=section.get("name"),
            position=_int(section.get("position"), "module[position]"),
            unlock_at=_time(section.get("unlock_at"), "module[unlock_at]"),
            require_sequential_progress=_bool(
                section.get("require_sequential_progress"), "module[require_sequential_progress]"
            ),
            prerequisite_module_ids=_int_list(
                section.get("prerequisite_module_ids"), "module[prerequisite_module_ids]"
            ),
            publish_final_grade=_bool(
                section.get("publish_final_grade"), "module[publish_final_grade]"
            ),
        )
        return json_response(self.module_json(module, caller, request.base_url))

    def list_items(self, request: ApiRequest, course_id: int, module_id: int) -> ApiResponse:
        caller = self.caller(request)
        details = "content_details" in _includes(params_of(request))
        items = self.backend.visible_items(caller, course_id, module_id)
        base = request.base_url
        return paginate(
            request, items, lambda i: self.item_json(i, caller, base, content_details=details)
        )

    def get_item(
        self, request: ApiRequest, course_id: int, module_id: int, item_id: int
    ) -> ApiResponse:
        caller = self.caller(request)
        details = "content_details" in _includes(params_of(request))
        item = self.backend.get_item(caller, course_id, module_id, item_id)
        return json_response(
            self.item_json(item, caller, request.base_url, content_details=details)
        )

    def create_item(self, request: ApiRequest, course_id: int, module_id: int) -> ApiResponse:
        caller = self.caller(request)
        params = params_of(request)
        if not isinstance(params.get("module_item"), dict):
            raise exc.BadRequest("missing module item parameter")
        section = params["module_item"]
        requirement = section.get("completion_requirement")
        item = self.backend.create_module_item(
            caller,
            course_id,
            module_id,
            type=section.get("type"),
            title=section.get("title"),
            content_id=_int(section.get("content_id"), "module_item[content_id]"),
            position=_int(section.get("position"), "module_item[position]"),
            indent=_int(section.get("indent"), "module_item[indent]") or 0,
            page_url=section.get("page_url"),
            external_url=section.get("external_url"),
            new_tab=_bool(section.get("new_tab"), "module_item[new_tab]"),
            completion_requirement=requirement if isinstance(requirement, dict) else None,
        )
        return json_response(self.item_json(item, caller, request.base_url))

    # -- control plane ------------------------------------------------------------------------
    def control_seed(self, request: ApiRequest) -> ApiResponse:
        """``POST /_sim/seed``: people and their access tokens, which Canvas's API cannot make.

        Body ``{"users": [{"name", "login_id", "email"?, "token"?, "admin"?: bool}]}``; answers
        each user's ``id``, ``login_id`` and ``token``. Courses, enrollments and modules are made
        through the real API afterwards.
        """
        body = request.json()
        if request.method != "POST" or not isinstance(body, dict):
            raise ValueError(
                'POST a JSON object such as {"users": [{"name": ..., "login_id": ...}]}'
            )
        users = body.get("users", [])
        if not isinstance(users, list):
            raise ValueError("'users' must be a list")
        created = []
        with self.backend.lock:
            for i, spec in enumerate(users):
                if not isinstance(spec, dict) or not spec.get("name") or not spec.get("login_id"):
                    raise ValueError(f"users[{i}] needs 'name' and 'login_id'")
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


def _account_json(account: Any) -> dict[str, Any]:
    return {
        "id": account.id,
        "name": account.name,
        "uuid": f"account-{account.id}",
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
