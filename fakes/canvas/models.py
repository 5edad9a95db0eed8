"""Canvas state and operations (accounts, users, tokens, courses, enrollments, modules, items).

Pure Python, no HTTP: ``responses.py`` parses requests, calls these operations and renders
Canvas's JSON. Operations are named after the Canvas API actions they model.

Follows canvas-lms (``context_modules_api_controller.rb``,
``context_module_items_api_controller.rb``, ``courses_controller.rb``) as summarised in
``shared/reference/canvas-and-lti.md`` sections 1-4.

Not implemented yet: module progressions (``state``/``completed_at``, locking), completion
actions (``mark_read``/``done``), external tools and LTI, content records behind Assignment,
Quiz, Discussion and File items, sections, SIS ids, masquerading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fakes.canvas.exceptions import (
    BadRequest,
    InvalidAccessToken,
    InvalidRecord,
    NotAuthorized,
    ResourceNotFound,
)
from fakes.core.backend import Backend, WorldState
from fakes.core.ids import IdSource, seeded_uuid

ITEM_TYPES = (
    "File",
    "Page",
    "Discussion",
    "Assignment",
    "Quiz",
    "SubHeader",
    "ExternalUrl",
    "ExternalTool",
)
#: Item types whose content is a record that must exist (``content_id`` required).
CONTENT_ITEM_TYPES = ("File", "Discussion", "Assignment", "Quiz")
COMPLETION_TYPES = ("must_view", "must_submit", "must_contribute", "min_score", "must_mark_done")
ENROLLMENT_TYPES = (
    "StudentEnrollment",
    "TeacherEnrollment",
    "TaEnrollment",
    "ObserverEnrollment",
    "DesignerEnrollment",
)
ENROLLMENT_STATES = ("active", "invited", "inactive", "completed", "rejected", "deleted")
#: Enrollment types whose holders may change a course's content.
MANAGING_TYPES = ("TeacherEnrollment", "TaEnrollment", "DesignerEnrollment")


@dataclass(slots=True)
class Account:
    id: int
    name: str
    parent_account_id: int | None = None


@dataclass(slots=True)
class User:
    id: int
    name: str
    sortable_name: str
    short_name: str
    login_id: str
    email: str | None
    created_at: datetime
    lti_id: str
    opaque_id: str
    admin_of: set[int] = field(default_factory=set)


@dataclass(slots=True)
class Course:
    id: int
    name: str
    course_code: str
    account_id: int
    workflow_state: str
    uuid: str
    created_at: datetime
    start_at: datetime | None = None
    end_at: datetime | None = None
    default_view: str = "modules"
    is_public: bool = False
    time_zone: str = "UTC"
    lti_context_id: str = ""


@dataclass(slots=True)
class Enrollment:
    id: int
    course_id: int
    user_id: int
    type: str
    enrollment_state: str
    created_at: datetime
    updated_at: datetime

    @property
    def role(self) -> str:
        return self.type


@dataclass(slots=True)
class Module:
    id: int
    course_id: int
    name: str
    position: int
    workflow_state: str = "unpublished"
    unlock_at: datetime | None = None
    require_sequential_progress: bool = False
    prerequisite_module_ids: list[int] = field(default_factory=list)
    publish_final_grade: bool = False

    @property
    def published(self) -> bool:
        return self.workflow_state == "active"


@dataclass(slots=True)
class ModuleItem:
    id: int
    course_id: int
    module_id: int
    type: str
    title: str
    position: int
    indent: int = 0
    content_id: int | None = None
    external_url: str | None = None
    new_tab: bool = False
    page_url: str | None = None
    completion_requirement: dict[str, Any] | None = None
    workflow_state: str = "unpublished"

    @property
    def published(self) -> bool:
        return self.workflow_state == "active"


class CanvasBackend(Backend):
    """One Canvas instance: a root account, its users and courses."""

    def __init__(
        self, world: WorldState, *, root_account_name: str = "Simulated University"
    ) -> None:
        super().__init__(world, root_account_name=root_account_name)
        self.ids = IdSource(world.seed, "canvas")
        self.accounts: dict[int, Account] = {}
        self.users: dict[int, User] = {}
        self.tokens: dict[str, int] = {}
        self.courses: dict[int, Course] = {}
        self.enrollments: dict[int, Enrollment] = {}
        self.modules: dict[int, Module] = {}
        self.items: dict[int, ModuleItem] = {}
        root = Account(id=self.ids.next("account"), name=root_account_name)
        self.accounts[root.id] = root
        self.root_account = root

    # -- identity -----------------------------------------------------------------------------
    def authenticate(self, token: str) -> User:
        """The user a token belongs to (:class:`InvalidAccessToken` if none)."""
        user_id = self.tokens.get(token)
        if user_id is None:
            raise InvalidAccessToken()
        return self.users[user_id]

    def create_user(
        self,
        *,
        name: str,
        login_id: str,
        email: str | None = None,
        short_name: str | None = None,
        sortable_name: str | None = None,
    ) -> User:
        """``POST /accounts/:id/users``: ``pseudonym[unique_id]`` must be unique."""
        errors: dict[str, list[tuple[str, str]]] = {}
        if not name or not name.strip():
            errors["name"] = [("blank", "can't be blank")]
        if not login_id or not login_id.strip():
            errors["unique_id"] = [("blank", "can't be blank")]
        elif any(u.login_id.lower() == login_id.lower() for u in self.users.values()):
            errors["unique_id"] = [
                ("taken", "ID already in use for this account and authentication provider")
            ]
        if errors:
            raise InvalidRecord(errors)
        uid = self.ids.next("user")
        parts = name.split()
        sortable = sortable_name or (
            f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 else name
        )
        user = User(
            id=uid,
            name=name,
            sortable_name=sortable,
            short_name=short_name or name,
            login_id=login_id,
            email=email,
            created_at=self.clock.now(),
            lti_id=seeded_uuid(self.world.seed, "canvas-lti-user", uid),
            opaque_id=self.ids.token("opaque", 20),
        )
        self.users[uid] = user
        return user

    def issue_token(self, user: User, token: str | None = None) -> str:
        """Give ``user`` an access token (as the profile's "New Access Token" button does)."""
        token = token or f"{user.id}~{self.ids.token('access', 32)}"
        if token in self.tokens and self.tokens[token] != user.id:
            raise ValueError("that token already belongs to another user")
        self.tokens[token] = user.id
        return token

    def make_account_admin(self, user: User, account_id: int | None = None) -> None:
        """Make ``user`` an admin of the account (the root account by default)."""
        user.admin_of.add(account_id or self.root_account.id)

    def get_user(self, user_id: int) -> User:
        user = self.users.get(user_id)
        if user is None:
            raise ResourceNotFound()
        return user

    def is_admin(self, user: User, account_id: int | None = None) -> bool:
        """Account admins may do anything in their account (one-level accounts here)."""
        return bool(user.admin_of) if account_id is None else account_id in user.admin_of

    # -- accounts -----------------------------------------------------------------------------
    def get_account(self, caller: User, account_id: int) -> Account:
        account = self.accounts.get(account_id)
        if account is None:
            raise ResourceNotFound()
        if not self.is_admin(caller, account_id):
            raise NotAuthorized()
        return account

    def list_accounts(self, caller: User) -> list[Account]:
        return [a for a in self.accounts.values() if a.id in caller.admin_of]

    # -- courses ------------------------------------------------------------------------------
    def create_course(
        self,
        caller: User,
        account_id: int,
        *,
        name: str | None,
        course_code: str | None = None,
        offer: bool = False,
        start_at: datetime | None = None,
        end_at: datetime | None = None,
        default_view: str | None = None,
        is_public: bool = False,
    ) -> Course:
        """``POST /accounts/:id/courses``; ``offer`` publishes it at once."""
        self.get_account(caller, account_id)
        if default_view is not None and default_view not in (
            "feed",
            "wiki",
            "modules",
            "syllabus",
            "assignments",
        ):
            raise InvalidRecord({"default_view": [("inclusion", "Home page is not valid")]})
        if start_at and end_at and end_at < start_at:
            raise InvalidRecord(
                {"conclude_at": [("invalid", "End date cannot be before start date")]}
            )
        cid = self.ids.next("course")
        course = Course(
            id=cid,
            name=name or "Unnamed Course",
            course_code=course_code or "Unnamed",
            account_id=account_id,
            workflow_state="available" if offer else "unpublished",
            uuid=self.ids.token("course-uuid", 20),
            created_at=self.clock.now(),
            start_at=start_at,
            end_at=end_at,
            default_view=default_view or "modules",
            is_public=is_public,
            lti_context_id=self.ids.token("context", 20),
        )
        self.courses[cid] = course
        return course

    def _course(self, course_id: int) -> Course:
        course = self.courses.get(course_id)
        if course is None or course.workflow_state == "deleted":
            raise ResourceNotFound()
        return course

    def enrollments_of(self, user: User, course_id: int) -> list[Enrollment]:
        return [
            e
            for e in self.enrollments.values()
            if e.user_id == user.id and e.course_id == course_id and e.enrollment_state != "deleted"
        ]

    def can_manage(self, user: User, course: Course) -> bool:
        """May ``user`` change this course's content (admin, teacher, TA, designer)?"""
        if self.is_admin(user, course.account_id):
            return True
        return any(
            e.type in MANAGING_TYPES and e.enrollment_state in ("active", "invited")
            for e in self.enrollments_of(user, course.id)
        )

    def can_read(self, user: User, course: Course) -> bool:
        """May ``user`` see this course: a manager, or an active member of a published course."""
        if self.can_manage(user, course):
            return True
        return course.workflow_state == "available" and any(
            e.enrollment_state == "active" for e in self.enrollments_of(user, course.id)
        )

    def get_course(self, caller: User, course_id: int) -> Course:
        course = self._course(course_id)
        if not self.can_read(caller, course):
            raise NotAuthorized()
        return course

    def list_courses(self, caller: User) -> list[Course]:
        """``GET /courses``: the caller's courses (through enrollments), by id."""
        ids = {
            e.course_id
            for e in self.enrollments.values()
            if e.user_id == caller.id and e.enrollment_state in ("active", "invited")
        }
        return [
            c
            for cid, c in sorted(self.courses.items())
            if cid in ids and c.workflow_state != "deleted"
        ]

    def list_account_courses(self, caller: User, account_id: int) -> list[Course]:
        self.get_account(caller, account_id)
        return [
            c
            for c in self.courses.values()
            if c.account_id == account_id and c.workflow_state != "deleted"
        ]

    # -- enrollments --------------------------------------------------------------------------
    def enroll_user(
        self,
        caller: User,
        course_id: int,
        *,
        user_id: int | None,
        type: str | None = None,
        enrollment_state: str | None = None,
    ) -> Enrollment:
        """``POST /courses/:id/enrollments``: default type student, default state ``invited``."""
        course = self._course(course_id)
        if not self.can_manage(caller, course):
            raise NotAuthorized()
        if user_id is None:
            raise BadRequest("enrollment[user_id] is missing")
        user = self.users.get(user_id)
        if user is None:
            raise ResourceNotFound()
        etype = type or "StudentEnrollment"
        if etype not in ENROLLMENT_TYPES:
            raise BadRequest(f"Invalid type {etype!r}; use one of {', '.join(ENROLLMENT_TYPES)}")
        state = enrollment_state or "invited"
        if state not in ("active", "invited", "inactive"):
            raise BadRequest(f"Invalid enrollment_state {state!r}; use active, invited or inactive")
        for existing in self.enrollments_of(user, course_id):
            if existing.type == etype:
                existing.enrollment_state = state
                existing.updated_at = self.clock.now()
                return existing
        now = self.clock.now()
        enrollment = Enrollment(
            id=self.ids.next("enrollment"),
            course_id=course_id,
            user_id=user.id,
            type=etype,
            enrollment_state=state,
            created_at=now,
            updated_at=now,
        )
        self.enrollments[enrollment.id] = enrollment
        return enrollment

    # -- modules ------------------------------------------------------------------------------
    def _managed_course(self, caller: User, course_id: int) -> Course:
        course = self._course(course_id)
        if not self.can_manage(caller, course):
            raise NotAuthorized()
        return course

    def _course_modules(self, course_id: int) -> list[Module]:
        return sorted(
            (m for m in self.modules.values() if m.course_id == course_id),
            key=lambda m: (m.position, m.id),
        )

    def create_module(
        self,
        caller: User,
        course_id: int,
        *,
        name: str | None,
        position: int | None = None,
        unlock_at: datetime | None = None,
        require_sequential_progress: bool = False,
        prerequisite_module_ids: list[int] | None = None,
        publish_final_grade: bool = False,
    ) -> Module:
        """``POST /courses/:id/modules``; new modules are always unpublished."""
        self._managed_course(caller, course_id)
        if not name or not str(name).strip():
            raise BadRequest("missing module name")
        existing = self._course_modules(course_id)
        module = Module(
            id=self.ids.next("module"),
            course_id=course_id,
            name=str(name),
            position=len(existing) + 1,
            unlock_at=unlock_at,
            require_sequential_progress=require_sequential_progress,
            publish_final_grade=publish_final_grade,
        )
        self.modules[module.id] = module
        self._place(existing, module, position)
        module.prerequisite_module_ids = self._valid_prerequisites(
            module, prerequisite_module_ids or []
        )
        return module

    def _valid_prerequisites(self, module: Module, ids: list[int]) -> list[int]:
        # Canvas ignores prerequisites that are not earlier modules of the same course.
        keep = []
        for mid in ids:
            other = self.modules.get(mid)
            if other and other.course_id == module.course_id and other.position < module.position:
                keep.append(mid)
        return keep

    @staticmethod
    def _place(siblings: list[Any], record: Any, position: int | None) -> None:
        """Insert ``record`` at 1-based ``position`` among ``siblings`` and renumber them."""
        ordered = [s for s in siblings if s is not record]
        index = len(ordered) if position is None else max(0, min(position - 1, len(ordered)))
        ordered.insert(index, record)
        for i, sibling in enumerate(ordered, start=1):
            sibling.position = i

    def visible_modules(self, caller: User, course_id: int) -> list[Module]:
        """Modules the caller sees: all for managers, published ones for students."""
        course = self.get_course(caller, course_id)
        modules = self._course_modules(course_id)
        if self.can_manage(caller, course):
            return modules
        return [m for m in modules if m.published]

    def get_module(self, caller: User, course_id: int, module_id: int) -> Module:
        for module in self.visible_modules(caller, course_id):
            if module.id == module_id:
                return module
        raise ResourceNotFound()

    def module_items(self, module: Module) -> list[ModuleItem]:
        return sorted(
            (i for i in self.items.values() if i.module_id == module.id),
            key=lambda i: (i.position, i.id),
        )

    def visible_items(self, caller: User, course_id: int, module_id: int) -> list[ModuleItem]:
        module = self.get_module(caller, course_id, module_id)
        items = self.module_items(module)
        if self.can_manage(caller, self.courses[course_id]):
            return items
        return [i for i in items if i.published]

    def get_item(self, caller: User, course_id: int, module_id: int, item_id: int) -> ModuleItem:
        for item in self.visible_items(caller, course_id, module_id):
            if item.id == item_id:
                return item
        raise ResourceNotFound()

    def create_module_item(
        self,
        caller: User,
        course_id: int,
        module_id: int,
        *,
        type: str | None,
        title: str | None = None,
        content_id: int | None = None,
        position: int | None = None,
        indent: int = 0,
        page_url: str | None = None,
        external_url: str | None = None,
        new_tab: bool = False,
        completion_requirement: dict[str, Any] | None = None,
    ) -> ModuleItem:
        """``POST /courses/:cid/modules/:mid/items``.

        ExternalTool items resolve their tool by ``content_id`` then by URL; with no match they
        point at the placeholder tool ``0`` as Canvas does. Tool items (ExternalTool, ExternalUrl,
        SubHeader) start unpublished.
        """
        self._managed_course(caller, course_id)
        module = self.modules.get(module_id)
        if module is None or module.course_id != course_id:
            raise ResourceNotFound()
        if not type:
            raise BadRequest("missing module item parameter")
        if type not in ITEM_TYPES:
            raise BadRequest(f"invalid type {type!r}; use one of {', '.join(ITEM_TYPES)}")
        if type in CONTENT_ITEM_TYPES:
            # No Assignment/Quiz/Discussion/File records exist in this fake yet.
            raise BadRequest("Could not find content")
        if type == "Page" and not page_url:
            raise BadRequest("missing page_url parameter")
        if type in ("ExternalUrl", "ExternalTool") and not external_url:
            raise BadRequest("missing external_url parameter")
        if type == "SubHeader" and not title:
            raise BadRequest("missing title parameter")
        requirement = self._completion_requirement(type, completion_requirement)
        item = ModuleItem(
            id=self.ids.next("module_item"),
            course_id=course_id,
            module_id=module_id,
            type=type,
            title=title or (external_url or page_url or type),
            position=0,
            indent=max(0, int(indent or 0)),
            content_id=(0 if type == "ExternalTool" else None),
            external_url=external_url if type in ("ExternalUrl", "ExternalTool") else None,
            new_tab=bool(new_tab) if type in ("ExternalUrl", "ExternalTool") else False,
            page_url=page_url if type == "Page" else None,
            completion_requirement=requirement,
            workflow_state="unpublished"
            if type in ("ExternalTool", "ExternalUrl", "SubHeader")
            else "active",
        )
        self.items[item.id] = item
        self._place(self.module_items(module), item, position)
        return item

    @staticmethod
    def _completion_requirement(
        item_type: str, raw: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        if not raw or not raw.get("type"):
            return None
        kind = raw["type"]
        if kind not in COMPLETION_TYPES:
            raise BadRequest("Invalid completion requirement type")
        if item_type == "SubHeader":
            return None
        if kind in ("must_submit", "min_score") and item_type not in (
            "Assignment",
            "Quiz",
            "Discussion",
        ):
            return None  # Canvas silently drops requirements that cannot apply
        requirement: dict[str, Any] = {"type": kind}
        if kind == "min_score":
            try:
                requirement["min_score"] = float(raw.get("min_score"))
            except (TypeError, ValueError):
                raise BadRequest("min_score must be a number") from None
        return requirement
