"""Canvas state and operations: accounts, users and tokens, courses and enrollments, modules and
items, the content behind items (pages, assignments, quizzes, discussions, files), developer
keys and external tools. Completion gating (R4) is in ``progression.py``.

Pure Python, no HTTP: ``responses.py`` parses requests, calls these operations and renders
Canvas's JSON. Follows canvas-lms (``context_modules_api_controller.rb``,
``context_module_items_api_controller.rb``, ``courses_controller.rb``,
``external_tools_controller.rb``) as summarised in ``shared/reference/canvas-and-lti.md``
sections 1-5. Where the fake differs from Canvas, ``docs/differences.md`` says so.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from fakes.canvas.exceptions import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidAccessToken,
    InvalidMasquerade,
    InvalidRecord,
    NotAuthorized,
    ResourceNotFound,
)
from fakes.canvas.lti import LtiPlatform
from fakes.canvas.progression import ProgressionRules
from fakes.canvas.records import (
    COMPLETION_TYPES,
    ENROLLMENT_TYPES,
    ITEM_TYPES,
    MANAGING_TYPES,
    PLACEMENTS,
    PRIVACY_LEVELS,
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
    Progression,
    Quiz,
    QuizSubmission,
    Submission,
    User,
)
from fakes.core.backend import Backend, WorldState
from fakes.core.ids import IdSource, seeded_uuid

#: Item types whose content is a record of the course (``content_id`` names it).
CONTENT_TYPES = ("File", "Discussion", "Assignment", "Quiz")
#: Requirement types that need a submission (Canvas drops them on other item types).
SCOREABLE_TYPES = ("Assignment", "Quiz", "Discussion")
#: Canvas numbers developer keys from its shard's global id base.
DEVELOPER_KEY_BASE = 10_000_000_000_000


def slug(title: str) -> str:
    """A wiki page's URL from its title, as Canvas makes it (``"Week 1: Intro"`` → ``week-1-intro``)."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "page"


class CanvasBackend(ProgressionRules, Backend):
    """One Canvas instance: a root account, its users, courses and tools."""

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
        self.pages: dict[int, Page] = {}
        self.assignments: dict[int, Assignment] = {}
        self.submissions: dict[tuple[int, int], Submission] = {}
        self.quizzes: dict[int, Quiz] = {}
        self.quiz_submissions: dict[int, QuizSubmission] = {}
        self.discussions: dict[int, Discussion] = {}
        self.files: dict[int, File] = {}
        self.developer_keys: dict[int, DeveloperKey] = {}
        self.tools: dict[int, ExternalTool] = {}
        self.progressions: dict[tuple[int, int], Progression] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        #: Browser sessions (cookie value → user id) and one-time session tokens.
        self.sessions: dict[str, int] = {}
        self.session_tokens: dict[str, tuple[int, datetime]] = {}
        self.lti = LtiPlatform(self)
        aid = self.ids.next("account")
        self.root_account = Account(
            aid,
            root_account_name,
            self.ids.token("account-uuid", 20),
            self.ids.token("lti-guid", 20),
        )
        self.accounts[aid] = self.root_account

    # -- identity -----------------------------------------------------------------------------
    def authenticate(self, token: str) -> User:
        """The user a token belongs to (:class:`InvalidAccessToken` if none)."""
        user_id = self.tokens.get(token)
        if user_id is None:
            raise InvalidAccessToken()
        return self.users[user_id]

    def masquerade(self, caller: User, as_user_id: str) -> User:
        """``as_user_id``: an admin acts as another user ("Become other users")."""
        if not self.is_admin(caller):
            raise NotAuthorized()
        try:
            target = self.users.get(int(as_user_id))
        except ValueError:
            target = None
        if target is None:
            raise InvalidMasquerade()
        return target

    def session_url_token(self, user: User) -> str:
        """``GET /login/session_token``: a one-time token that signs a browser in (60 s)."""
        token = self.ids.token("session-token", 24)
        self.session_tokens[token] = (user.id, self.clock.now() + timedelta(seconds=60))
        return token

    def open_session(self, token: str) -> str | None:
        """Redeem a session token; answer the new browser session id (None if invalid)."""
        found = self.session_tokens.pop(token, None)
        if found is None or found[1] < self.clock.now():
            return None
        session = self.ids.token("session", 24)
        self.sessions[session] = found[0]
        return session

    def session_user(self, session: str | None) -> User | None:
        user_id = self.sessions.get(session or "")
        return self.users.get(user_id) if user_id is not None else None

    def create_user(
        self,
        *,
        name: str | None,
        login_id: str | None,
        email: str | None = None,
        short_name: str | None = None,
        sortable_name: str | None = None,
    ) -> User:
        """A user with a login (``pseudonym[unique_id]``, unique, case-insensitive)."""
        errors: dict[str, list[tuple[str, str]]] = {}
        if not isinstance(login_id, str) or not login_id.strip():
            errors["unique_id"] = [("blank", "can't be blank")]
        elif any(u.login_id.lower() == login_id.lower() for u in self.users.values()):
            errors["unique_id"] = [
                ("taken", "ID already in use for this account and authentication provider")
            ]
        if name is not None and not isinstance(name, str):
            errors["name"] = [("invalid", "must be text")]
        if errors:
            raise InvalidRecord(errors)
        assert isinstance(login_id, str)
        name = (name or "").strip() or login_id
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
            email=email or (login_id if "@" in login_id else None),
            created_at=self.clock.now(),
            lti_id=seeded_uuid(self.world.seed, "canvas-lti-user", uid),
            opaque_id=self.ids.token("opaque", 20),
        )
        self.users[uid] = user
        return user

    def create_account_user(self, caller: User, account_id: int, **fields: Any) -> User:
        """``POST /accounts/:id/users``: admins only."""
        self.get_account(caller, account_id)
        return self.create_user(**fields)

    def issue_token(self, user: User, token: str | None = None) -> str:
        """Give ``user`` an access token (as the profile's "New Access Token" button does)."""
        token = token or f"{user.id}~{self.ids.token('access', 32)}"
        if token in self.tokens and self.tokens[token] != user.id:
            raise ValueError("that token already belongs to another user")
        self.tokens[token] = user.id
        return token

    def make_account_admin(self, user: User, account_id: int | None = None) -> None:
        user.admin_of.add(account_id or self.root_account.id)

    def is_admin(self, user: User, account_id: int | None = None) -> bool:
        """Account admins may do anything in their account (one-level accounts here)."""
        return bool(user.admin_of) if account_id is None else account_id in user.admin_of

    def visible_user(self, caller: User, user_id: int) -> User:
        """A user the caller may see: themself, anyone for an admin, their courses' people."""
        user = self.users.get(user_id)
        if user is None:
            raise ResourceNotFound()
        if caller.id == user.id or self.is_admin(caller):
            return user
        for enrollment in self._live_enrollments(user_id=user.id):
            course = self.courses[enrollment.course_id]
            if self.can_manage(caller, course) or self._is_member(caller, course):
                return user
        raise NotAuthorized()

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
        self._check_course_fields(default_view, start_at, end_at)
        course = Course(
            id=self.ids.next("course"),
            name=name or "Unnamed Course",
            course_code=course_code or "Unnamed",
            account_id=account_id,
            workflow_state="available" if offer else "unpublished",
            uuid=self.ids.token("course-uuid", 20),
            created_at=self.clock.now(),
            lti_context_id=self.ids.token("context", 20),
            start_at=start_at,
            end_at=end_at,
            default_view=default_view or "modules",
            is_public=is_public,
        )
        self.courses[course.id] = course
        return course

    @staticmethod
    def _check_course_fields(
        default_view: str | None, start_at: datetime | None, end_at: datetime | None
    ) -> None:
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

    def update_course(
        self, caller: User, course_id: int, fields: dict[str, Any], event: str | None
    ) -> Course:
        """``PUT /courses/:id``: fields, and ``event`` offer | claim | conclude | delete | undelete."""
        course = self.courses.get(course_id)
        if course is None:
            raise ResourceNotFound()
        if not self.can_manage(caller, course):
            raise NotAuthorized()
        start = fields.get("start_at", course.start_at)
        end = fields.get("end_at", course.end_at)
        self._check_course_fields(fields.get("default_view"), start, end)
        transitions = {
            "offer": ({"unpublished", "available", "completed"}, "available"),
            "claim": ({"unpublished", "available"}, "unpublished"),
            "conclude": ({"unpublished", "available", "completed"}, "completed"),
            "delete": ({"unpublished", "available", "completed"}, "deleted"),
            "undelete": ({"deleted"}, "unpublished"),
        }
        if event is not None:
            if event not in transitions:
                raise BadRequest(
                    f"invalid event {event!r}; use offer, claim, conclude, delete or undelete"
                )
            if event in ("delete", "undelete") and not self.is_admin(caller, course.account_id):
                raise NotAuthorized()
        elif course.workflow_state == "deleted":
            raise ResourceNotFound()
        for key in ("name", "course_code", "default_view", "time_zone"):
            if fields.get(key) is not None:
                setattr(course, key, str(fields[key]))
        for key in ("start_at", "end_at"):
            if key in fields:
                setattr(course, key, fields[key])
        if "is_public" in fields:
            course.is_public = bool(fields["is_public"])
        if event is not None:
            allowed, target = transitions[event]
            if course.workflow_state in allowed:
                course.workflow_state = target
        return course

    def _course(self, course_id: int) -> Course:
        course = self.courses.get(course_id)
        if course is None or course.workflow_state == "deleted":
            raise ResourceNotFound()
        return course

    def _live_enrollments(
        self, *, user_id: int | None = None, course_id: int | None = None
    ) -> list[Enrollment]:
        return [
            e
            for e in self.enrollments.values()
            if e.enrollment_state not in ("deleted", "rejected")
            and (user_id is None or e.user_id == user_id)
            and (course_id is None or e.course_id == course_id)
        ]

    def enrollments_of(self, user: User, course_id: int) -> list[Enrollment]:
        return self._live_enrollments(user_id=user.id, course_id=course_id)

    def can_manage(self, user: User, course: Course) -> bool:
        """May ``user`` change this course's content (admin, teacher, TA, designer)?"""
        if self.is_admin(user, course.account_id):
            return True
        return any(
            e.type in MANAGING_TYPES and e.enrollment_state in ("active", "invited")
            for e in self.enrollments_of(user, course.id)
        )

    def _is_member(self, user: User, course: Course) -> bool:
        return course.workflow_state in ("available", "completed") and any(
            e.enrollment_state in ("active", "completed")
            for e in self.enrollments_of(user, course.id)
        )

    def can_read(self, user: User, course: Course) -> bool:
        """May ``user`` see this course: a manager, or an active member of a published course."""
        return self.can_manage(user, course) or self._is_member(user, course)

    def is_student(self, user: User, course: Course) -> bool:
        """Does ``user`` participate as a student (the only people whose progress counts)?"""
        return any(
            e.type == "StudentEnrollment" and e.enrollment_state == "active"
            for e in self.enrollments_of(user, course.id)
        ) and not self.can_manage(user, course)

    def get_course(self, caller: User, course_id: int) -> Course:
        course = self._course(course_id)
        if not self.can_read(caller, course):
            raise NotAuthorized()
        return course

    def list_courses(self, caller: User) -> list[Course]:
        """``GET /courses``: the caller's courses (through active or invited enrollments)."""
        ids = {
            e.course_id
            for e in self._live_enrollments(user_id=caller.id)
            if e.enrollment_state in ("active", "invited")
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

    # -- enrollments and people ---------------------------------------------------------------
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
        now = self.clock.now()
        for existing in self.enrollments_of(user, course_id):
            if existing.type == etype:
                existing.enrollment_state = state
                existing.updated_at = now
                return existing
        enrollment = Enrollment(
            self.ids.next("enrollment"), course_id, user.id, etype, state, now, now
        )
        self.enrollments[enrollment.id] = enrollment
        return enrollment

    def answer_invitation(
        self, caller: User, course_id: int, enrollment_id: int, accept: bool
    ) -> Enrollment:
        """``POST /courses/:cid/enrollments/:id/accept`` (or ``reject``): the invitee only."""
        enrollment = self.enrollments.get(enrollment_id)
        if enrollment is None or enrollment.course_id != course_id:
            raise ResourceNotFound()
        if enrollment.user_id != caller.id:
            raise NotAuthorized()
        if enrollment.enrollment_state != "invited":
            raise BadRequest("membership not activated")
        enrollment.enrollment_state = "active" if accept else "rejected"
        enrollment.updated_at = self.clock.now()
        return enrollment

    def course_enrollments(
        self,
        caller: User,
        course_id: int,
        *,
        types: list[str],
        states: list[str],
        user_id: int | None,
    ) -> list[Enrollment]:
        """``GET /courses/:id/enrollments``: managers see everyone; others their own."""
        course = self.get_course(caller, course_id)
        found = self._live_enrollments(course_id=course.id)
        if not self.can_manage(caller, course):
            found = [e for e in found if e.user_id == caller.id]
        wanted_states = states or ["active", "invited"]
        return [
            e
            for e in found
            if (not types or e.type in types)
            and e.enrollment_state in wanted_states
            and (user_id is None or e.user_id == user_id)
        ]

    def user_enrollments(
        self, caller: User, user_id: int, *, states: list[str]
    ) -> list[Enrollment]:
        """``GET /users/:id/enrollments``: oneself, or an admin."""
        if caller.id != user_id and not self.is_admin(caller):
            raise NotAuthorized()
        if user_id not in self.users:
            raise ResourceNotFound()
        wanted = states or ["active", "invited"]
        return [e for e in self._live_enrollments(user_id=user_id) if e.enrollment_state in wanted]

    def course_users(
        self,
        caller: User,
        course_id: int,
        *,
        types: list[str],
        states: list[str],
        search_term: str | None = None,
        user_ids: list[int] | None = None,
    ) -> list[tuple[User, list[Enrollment]]]:
        """``GET /courses/:id/users`` (and ``search_users``): people with their enrollments,
        active and invited by default, sorted by sortable name."""
        course = self.get_course(caller, course_id)
        wanted = states or ["active", "invited"]
        by_user: dict[int, list[Enrollment]] = {}
        for e in self._live_enrollments(course_id=course.id):
            if e.enrollment_state in wanted and (not types or e.type in types):
                by_user.setdefault(e.user_id, []).append(e)
        out = []
        for uid, enrollments in by_user.items():
            user = self.users[uid]
            if user_ids and uid not in user_ids:
                continue
            if search_term:
                term = search_term.lower()
                if term not in user.name.lower() and term not in user.login_id.lower():
                    continue
            out.append((user, enrollments))
        return sorted(out, key=lambda pair: (pair[0].sortable_name.lower(), pair[0].id))

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

    def module_items(self, module: Module) -> list[ModuleItem]:
        return sorted(
            (i for i in self.items.values() if i.module_id == module.id),
            key=lambda i: (i.position, i.id),
        )

    def create_module(
        self,
        caller: User,
        course_id: int,
        *,
        name: Any,
        position: int | None = None,
        unlock_at: datetime | None = None,
        require_sequential_progress: bool = False,
        prerequisite_module_ids: list[int] | None = None,
        publish_final_grade: bool = False,
    ) -> Module:
        """``POST /courses/:id/modules``; new modules are always unpublished."""
        self._managed_course(caller, course_id)
        if not isinstance(name, str) or not name.strip():
            raise BadRequest("missing module name")
        existing = self._course_modules(course_id)
        module = Module(
            id=self.ids.next("module"),
            course_id=course_id,
            name=name,
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
            if (
                other
                and other.course_id == module.course_id
                and other.position < module.position
                and mid not in keep
            ):
                keep.append(mid)
        return keep

    @staticmethod
    def _place(siblings: list[Any], record: Any, position: int | None) -> None:
        """Put ``record`` at 1-based ``position`` among ``siblings`` and renumber them."""
        ordered = [s for s in siblings if s is not record]
        index = len(ordered) if position is None else max(0, min(position - 1, len(ordered)))
        ordered.insert(index, record)
        for i, sibling in enumerate(ordered, start=1):
            sibling.position = i

    def visible_modules(self, caller: User, course_id: int) -> list[Module]:
        """Modules the caller sees: all for managers, published ones for everyone else."""
        course = self.get_course(caller, course_id)
        modules = self._course_modules(course_id)
        return modules if self.can_manage(caller, course) else [m for m in modules if m.published]

    def get_module(self, caller: User, course_id: int, module_id: int) -> Module:
        for module in self.visible_modules(caller, course_id):
            if module.id == module_id:
                return module
        raise ResourceNotFound()

    def update_module(
        self, caller: User, course_id: int, module_id: int, fields: dict[str, Any]
    ) -> tuple[Module, bool]:
        """``PUT /courses/:cid/modules/:id``; ``published`` publishes (or unpublishes) the items
        too unless ``skip_content_tags``. Answers the module and whether students' progress may
        need a relock."""
        self._managed_course(caller, course_id)
        module = self.modules.get(module_id)
        if module is None or module.course_id != course_id:
            raise ResourceNotFound()
        if "name" in fields and (not isinstance(fields["name"], str) or not fields["name"].strip()):
            raise BadRequest("missing module name")
        gating_before = (
            module.unlock_at,
            module.require_sequential_progress,
            list(module.prerequisite_module_ids),
        )
        if "name" in fields:
            module.name = fields["name"]
        if "unlock_at" in fields:
            module.unlock_at = fields["unlock_at"]
        if "require_sequential_progress" in fields:
            module.require_sequential_progress = fields["require_sequential_progress"]
        if "publish_final_grade" in fields:
            module.publish_final_grade = fields["publish_final_grade"]
        if fields.get("position") is not None:
            self._place(self._course_modules(course_id), module, fields["position"])
        if "prerequisite_module_ids" in fields:
            module.prerequisite_module_ids = self._valid_prerequisites(
                module, fields["prerequisite_module_ids"]
            )
        if "published" in fields:
            self._publish_module(
                module, fields["published"], items=not fields.get("skip_content_tags")
            )
        gating_after = (
            module.unlock_at,
            module.require_sequential_progress,
            list(module.prerequisite_module_ids),
        )
        relock_warning = gating_before != gating_after and any(
            mid == module.id for (_, mid) in self.progressions
        )
        return module, relock_warning

    def _publish_module(self, module: Module, published: bool, *, items: bool) -> None:
        module.workflow_state = "active" if published else "unpublished"
        if items:
            for item in self.module_items(module):
                item.workflow_state = module.workflow_state
                self._sync_content_published(item)

    def _sync_content_published(self, item: ModuleItem) -> None:
        """Publishing an item publishes its content (assignment, page, ...) as Canvas does."""
        record = self._content_record(item)
        if record is not None and hasattr(record, "published"):
            record.published = item.published

    def delete_module(
        self, caller: User, course_id: int, module_id: int
    ) -> tuple[Module, list[ModuleItem]]:
        self._managed_course(caller, course_id)
        module = self.modules.get(module_id)
        if module is None or module.course_id != course_id:
            raise ResourceNotFound()
        items = self.module_items(module)
        for item in items:
            del self.items[item.id]
        del self.modules[module.id]
        for other in self.modules.values():
            if module.id in other.prerequisite_module_ids:
                other.prerequisite_module_ids.remove(module.id)
        for i, sibling in enumerate(self._course_modules(course_id), start=1):
            sibling.position = i
        return module, items

    def relock(self, caller: User, course_id: int, module_id: int) -> Module:
        self._managed_course(caller, course_id)
        module = self.modules.get(module_id)
        if module is None or module.course_id != course_id:
            raise ResourceNotFound()
        self.relock_module(module)
        return module

    def batch_update_modules(
        self, caller: User, course_id: int, event: str | None, module_ids: list[int]
    ) -> list[int]:
        """``PUT /courses/:id/modules``: ``event`` publish | unpublish | delete on ``module_ids``."""
        self._managed_course(caller, course_id)
        if event not in ("publish", "unpublish", "delete"):
            raise BadRequest("need to specify event")
        if not module_ids:
            raise BadRequest("must specify module_ids[]")
        done = []
        for mid in module_ids:
            module = self.modules.get(mid)
            if module is None or module.course_id != course_id:
                continue
            if event == "delete":
                self.delete_module(caller, course_id, mid)
            else:
                self._publish_module(module, event == "publish", items=True)
            done.append(mid)
        if not done:
            raise ResourceNotFound()
        return done

    # -- module items -------------------------------------------------------------------------
    def visible_items(self, caller: User, course_id: int, module_id: int) -> list[ModuleItem]:
        module = self.get_module(caller, course_id, module_id)
        items = self.module_items(module)
        return (
            items
            if self.can_manage(caller, self.courses[course_id])
            else [i for i in items if i.published]
        )

    def get_item(self, caller: User, course_id: int, module_id: int, item_id: int) -> ModuleItem:
        for item in self.visible_items(caller, course_id, module_id):
            if item.id == item_id:
                return item
        raise ResourceNotFound()

    def find_item(self, caller: User, course_id: int, item_id: int) -> ModuleItem:
        """An item of the course by id alone (the item page, ``module_item_redirect``)."""
        item = self.items.get(item_id)
        if item is None or item.course_id != course_id:
            raise ResourceNotFound()
        return self.get_item(caller, course_id, item.module_id, item_id)

    def create_module_item(
        self, caller: User, course_id: int, module_id: int, fields: dict[str, Any]
    ) -> ModuleItem:
        """``POST /courses/:cid/modules/:mid/items``.

        Content items name a record of the course by ``content_id`` (Page by ``page_url``).
        ExternalTool items resolve their tool by ``content_id`` then by URL, and point at
        Canvas's placeholder tool ``0`` when none matches. Tool items (ExternalTool,
        ExternalUrl, SubHeader) start unpublished; content items follow their content.
        """
        course = self._managed_course(caller, course_id)
        module = self.modules.get(module_id)
        if module is None or module.course_id != course_id:
            raise ResourceNotFound()
        kind = fields.get("type")
        if not kind:
            raise BadRequest("missing module item parameter")
        if kind not in ITEM_TYPES:
            raise BadRequest(f"invalid type {kind!r}; use one of {', '.join(ITEM_TYPES)}")
        item = ModuleItem(
            id=0, course_id=course_id, module_id=module_id, type=kind, title="", position=0
        )
        if kind in CONTENT_TYPES:
            record = self._content_for(course, kind, fields.get("content_id"))
            item.content_id = record.id
            item.title = (
                getattr(record, "title", None)
                or getattr(record, "name", None)
                or getattr(record, "display_name", "")
            )
            published = getattr(record, "published", True)
            item.workflow_state = "active" if published else "unpublished"
        elif kind == "Page":
            page_url = fields.get("page_url")
            if not page_url:
                raise BadRequest("missing page_url parameter")
            page = self._page_by_url(course, str(page_url))
            if page is None:
                raise BadRequest("invalid page_url parameter")
            item.page_url, item.content_id, item.title = page.url, page.id, page.title
            item.workflow_state = "active" if page.published else "unpublished"
        elif kind in ("ExternalUrl", "ExternalTool"):
            url = fields.get("external_url")
            if not url:
                raise BadRequest("missing external_url parameter")
            item.external_url = str(url)
            item.new_tab = bool(fields.get("new_tab"))
            item.title = str(url)
            if kind == "ExternalTool":
                tool = self.find_tool_for(course, str(url), fields.get("content_id"))
                item.content_id = tool.id if tool else 0
                if tool is not None:
                    item.title = tool.name
        elif kind == "SubHeader" and not fields.get("title"):
            raise BadRequest("missing title parameter")
        if fields.get("title"):
            item.title = str(fields["title"])
        item.indent = max(0, int(fields.get("indent") or 0))
        item.completion_requirement = self._completion_requirement(
            kind, fields.get("completion_requirement")
        )
        item.id = self.ids.next("module_item")
        self.items[item.id] = item
        self._place(self.module_items(module), item, fields.get("position"))
        return item

    def update_module_item(
        self, caller: User, course_id: int, module_id: int, item_id: int, fields: dict[str, Any]
    ) -> ModuleItem:
        """``PUT .../items/:id``: title, position, indent, external_url, new_tab, completion
        requirement, published, module_id (move). Checked fully before anything changes."""
        self._managed_course(caller, course_id)
        item = self.items.get(item_id)
        if item is None or item.course_id != course_id or item.module_id != module_id:
            raise ResourceNotFound()
        target = (
            self.modules.get(fields["module_id"]) if fields.get("module_id") is not None else None
        )
        if fields.get("module_id") is not None and (
            target is None or target.course_id != course_id
        ):
            raise BadRequest("invalid module_id")
        requirement = item.completion_requirement
        if "completion_requirement" in fields:
            requirement = self._completion_requirement(item.type, fields["completion_requirement"])
        if fields.get("title") is not None:
            item.title = str(fields["title"])
        if fields.get("indent") is not None:
            item.indent = max(0, int(fields["indent"]))
        if item.type in ("ExternalUrl", "ExternalTool"):
            if fields.get("external_url"):
                item.external_url = str(fields["external_url"])
            if "new_tab" in fields:
                item.new_tab = bool(fields["new_tab"])
        item.completion_requirement = requirement
        if "published" in fields:
            item.workflow_state = "active" if fields["published"] else "unpublished"
            self._sync_content_published(item)
        if target is not None and target.id != item.module_id:
            old = self.modules[item.module_id]
            item.module_id = target.id
            for i, sibling in enumerate(self.module_items(old), start=1):
                sibling.position = i
            self._place(self.module_items(target), item, fields.get("position"))
        elif fields.get("position") is not None:
            self._place(self.module_items(self.modules[item.module_id]), item, fields["position"])
        return item

    def delete_module_item(
        self, caller: User, course_id: int, module_id: int, item_id: int
    ) -> ModuleItem:
        self._managed_course(caller, course_id)
        item = self.items.get(item_id)
        if item is None or item.course_id != course_id or item.module_id != module_id:
            raise ResourceNotFound()
        del self.items[item.id]
        for i, sibling in enumerate(self.module_items(self.modules[module_id]), start=1):
            sibling.position = i
        return item

    @staticmethod
    def _completion_requirement(item_type: str, raw: Any) -> dict[str, Any] | None:
        if not isinstance(raw, dict) or not raw.get("type"):
            return None
        kind = raw["type"]
        if kind not in COMPLETION_TYPES:
            raise BadRequest("Invalid completion requirement type")
        if item_type == "SubHeader":
            return None
        if kind in ("must_submit", "min_score") and item_type not in SCOREABLE_TYPES:
            return None  # Canvas silently drops requirements that cannot apply
        if kind == "must_contribute" and item_type not in ("Page", "Discussion"):
            return None
        requirement: dict[str, Any] = {"type": kind}
        if kind == "min_score":
            try:
                requirement["min_score"] = float(raw.get("min_score"))
            except (TypeError, ValueError):
                raise BadRequest("min_score must be a number") from None
        return requirement

    # -- what students do to items ------------------------------------------------------------
    def _student_item(
        self, caller: User, course_id: int, module_id: int, item_id: int
    ) -> ModuleItem:
        item = self.get_item(caller, course_id, module_id, item_id)
        course = self.courses[course_id]
        if self.is_student(caller, course) and self.item_lock(caller, item)[0]:
            raise Forbidden("The module item is locked.")
        return item

    def mark_read(self, caller: User, course_id: int, module_id: int, item_id: int) -> None:
        """``POST .../mark_read``: meets ``must_view``; 403 when the item is locked."""
        item = self._student_item(caller, course_id, module_id, item_id)
        self.view_item(caller, item)

    def view_item(self, caller: User, item: ModuleItem) -> None:
        """A student opened ``item`` (its page, its content, or the ExternalTool launch)."""
        if self.is_student(caller, self.courses[item.course_id]):
            self.record_action(caller, item, "read")

    def mark_done(
        self, caller: User, course_id: int, module_id: int, item_id: int, done: bool
    ) -> None:
        """``PUT``/``DELETE .../done``: ``must_mark_done`` met, or unmet again."""
        item = self._student_item(caller, course_id, module_id, item_id)
        if not self.is_student(caller, self.courses[course_id]):
            return
        if done:
            self.record_action(caller, item, "done")
        else:
            self.undo_action(caller, item)

    def _content_action(
        self,
        user: User,
        course: Course,
        kind: str,
        content_id: int,
        action: str,
        score: float | None = None,
    ) -> None:
        """Record ``action`` on every module item that shows this content."""
        if not self.is_student(user, course):
            return
        for item in list(self.items.values()):
            if item.course_id == course.id and item.type == kind and item.content_id == content_id:
                self.record_action(user, item, action, score)

    def content_locked(self, user: User, course: Course, kind: str, content_id: int) -> bool:
        """Is this content locked for ``user`` by every module item that shows it?"""
        if not self.is_student(user, course):
            return False
        items = [
            i for i in self.items.values()
            if i.course_id == course.id and i.type == kind and i.content_id == content_id and i.published
            and self.modules[i.module_id].published
        ]  # fmt: skip
        return bool(items) and all(self.item_lock(user, i)[0] for i in items)

    # -- content: pages -----------------------------------------------------------------------
    def _page_by_url(self, course: Course, url: str) -> Page | None:
        for page in self.pages.values():
            if page.course_id == course.id and (page.url == url or str(page.id) == url):
                return page
        return None

    def create_page(self, caller: User, course_id: int, fields: dict[str, Any]) -> Page:
        course = self._managed_course(caller, course_id)
        title = fields.get("title")
        if not isinstance(title, str) or not title.strip():
            raise InvalidRecord({"title": [("blank", "can't be blank")]})
        url, n = slug(title), 1
        while self._page_by_url(course, url if n == 1 else f"{url}-{n}") is not None:
            n += 1
        now = self.clock.now()
        page = Page(
            id=self.ids.next("page"),
            course_id=course.id,
            url=url if n == 1 else f"{url}-{n}",
            title=title,
            body=str(fields.get("body") or ""),
            published=bool(fields.get("published", False)),
            created_at=now,
            updated_at=now,
            editing_roles=str(fields.get("editing_roles") or "teachers"),
        )
        self.pages[page.id] = page
        return page

    def list_pages(self, caller: User, course_id: int) -> list[Page]:
        course = self.get_course(caller, course_id)
        pages = [p for p in self.pages.values() if p.course_id == course.id]
        return pages if self.can_manage(caller, course) else [p for p in pages if p.published]

    def show_page(self, caller: User, course_id: int, url: str) -> tuple[Page, bool]:
        """A page and whether it is locked for the caller; viewing an unlocked page meets
        ``must_view`` on the items that show it."""
        course = self.get_course(caller, course_id)
        page = self._page_by_url(course, url)
        if page is None or (not page.published and not self.can_manage(caller, course)):
            raise ResourceNotFound()
        locked = self.content_locked(caller, course, "Page", page.id)
        if not locked:
            self._content_action(caller, course, "Page", page.id, "read")
        return page, locked

    def update_page(self, caller: User, course_id: int, url: str, fields: dict[str, Any]) -> Page:
        """Teachers edit pages; students too when ``editing_roles`` includes students, which
        meets ``must_contribute``."""
        course = self.get_course(caller, course_id)
        page = self._page_by_url(course, url)
        if page is None:
            raise ResourceNotFound()
        manager = self.can_manage(caller, course)
        if not manager and ("students" not in page.editing_roles or not page.published):
            raise NotAuthorized()
        if not manager and self.content_locked(caller, course, "Page", page.id):
            raise NotAuthorized()
        if fields.get("title"):
            page.title = str(fields["title"])
        if "body" in fields:
            page.body = str(fields["body"] or "")
        if manager and "published" in fields:
            page.published = bool(fields["published"])
        if manager and fields.get("editing_roles"):
            page.editing_roles = str(fields["editing_roles"])
        page.updated_at = self.clock.now()
        if not manager:
            self._content_action(caller, course, "Page", page.id, "contributed")
        return page

    # -- content: assignments and submissions -------------------------------------------------
    def create_assignment(
        self, caller: User, course_id: int, fields: dict[str, Any], *, quiz_id: int | None = None
    ) -> Assignment:
        course = self._managed_course(caller, course_id)
        name = fields.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidRecord({"name": [("blank", "can't be blank")]})
        try:
            points = float(fields.get("points_possible") or 0)
        except (TypeError, ValueError):
            raise InvalidRecord(
                {"points_possible": [("not_a_number", "is not a number")]}
            ) from None
        types = fields.get("submission_types") or ["online_text_entry"]
        assignment = Assignment(
            id=self.ids.next("assignment"),
            course_id=course.id,
            name=name,
            points_possible=points,
            published=bool(fields.get("published", False)),
            created_at=self.clock.now(),
            submission_types=list(types) if isinstance(types, list) else [str(types)],
            due_at=fields.get("due_at"),
            quiz_id=quiz_id,
        )
        self.assignments[assignment.id] = assignment
        return assignment

    def _assignment(self, caller: User, course: Course, assignment_id: int) -> Assignment:
        assignment = self.assignments.get(assignment_id)
        if assignment is None or assignment.course_id != course.id:
            raise ResourceNotFound()
        if not assignment.published and not self.can_manage(caller, course):
            raise ResourceNotFound()
        return assignment

    def list_assignments(self, caller: User, course_id: int) -> list[Assignment]:
        course = self.get_course(caller, course_id)
        found = [a for a in self.assignments.values() if a.course_id == course.id]
        return found if self.can_manage(caller, course) else [a for a in found if a.published]

    def show_assignment(
        self, caller: User, course_id: int, assignment_id: int
    ) -> tuple[Assignment, bool]:
        course = self.get_course(caller, course_id)
        assignment = self._assignment(caller, course, assignment_id)
        locked = self.content_locked(caller, course, "Assignment", assignment.id)
        if not locked:
            self._content_action(caller, course, "Assignment", assignment.id, "read")
        return assignment, locked

    def submit(
        self, caller: User, course_id: int, assignment_id: int, fields: dict[str, Any]
    ) -> Submission:
        """``POST /courses/:cid/assignments/:aid/submissions``: an active student only; a locked
        assignment cannot be submitted (401, as Canvas's permission check answers)."""
        course = self.get_course(caller, course_id)
        assignment = self._assignment(caller, course, assignment_id)
        if not self.is_student(caller, course) or self.content_locked(
            caller, course, "Assignment", assignment.id
        ):
            raise NotAuthorized()
        kind = fields.get("submission_type")
        if not kind:
            raise BadRequest("submission[submission_type] is missing")
        if kind not in assignment.submission_types:
            raise BadRequest(f"Invalid submission[submission_type] given: {kind}")
        submission = self._submission(assignment, caller)
        submission.workflow_state = "submitted" if submission.score is None else "graded"
        submission.attempt += 1
        submission.submitted_at = self.clock.now()
        submission.body = fields.get("body")
        self._content_action(caller, course, "Assignment", assignment.id, "submitted")
        if assignment.quiz_id is not None:
            self._content_action(caller, course, "Quiz", assignment.quiz_id, "submitted")
        return submission

    def _submission(self, assignment: Assignment, user: User) -> Submission:
        key = (assignment.id, user.id)
        if key not in self.submissions:
            self.submissions[key] = Submission(
                self.ids.next("submission"), assignment.id, user.id, "unsubmitted"
            )
        return self.submissions[key]

    def get_submission(
        self, caller: User, course_id: int, assignment_id: int, user_id: int
    ) -> Submission:
        course = self.get_course(caller, course_id)
        assignment = self._assignment(caller, course, assignment_id)
        if caller.id != user_id and not self.can_manage(caller, course):
            raise NotAuthorized()
        student = self.users.get(user_id)
        if student is None or not self.enrollments_of(student, course.id):
            raise ResourceNotFound()
        return self._submission(assignment, student)

    def grade(
        self, caller: User, course_id: int, assignment_id: int, user_id: int, posted_grade: Any
    ) -> Submission:
        """``PUT .../submissions/:user_id`` with ``submission[posted_grade]``: a score (or
        ``"85%"``); meets ``min_score`` (and ``must_submit``) when high enough."""
        course = self._managed_course(caller, course_id)
        assignment = self._assignment(caller, course, assignment_id)
        student = self.users.get(user_id)
        if student is None or not self.enrollments_of(student, course.id):
            raise ResourceNotFound()
        try:
            text = str(posted_grade).strip()
            score = (
                float(text[:-1]) * assignment.points_possible / 100
                if text.endswith("%")
                else float(text)
            )
        except (TypeError, ValueError):
            raise BadRequest(
                f"Invalid posted_grade {posted_grade!r}: give points or a percentage"
            ) from None
        submission = self._submission(assignment, student)
        submission.score = score
        submission.grade = f"{score:g}"
        submission.workflow_state = "graded"
        submission.graded_at = self.clock.now()
        self._content_action(student, course, "Assignment", assignment.id, "scored", score)
        if assignment.quiz_id is not None:
            self._content_action(student, course, "Quiz", assignment.quiz_id, "scored", score)
        return submission

    # -- content: quizzes ---------------------------------------------------------------------
    def create_quiz(self, caller: User, course_id: int, fields: dict[str, Any]) -> Quiz:
        """A quiz and the assignment behind it (Canvas grades quizzes through it)."""
        course = self._managed_course(caller, course_id)
        title = fields.get("title")
        if not isinstance(title, str) or not title.strip():
            raise InvalidRecord({"title": [("blank", "can't be blank")]})
        quiz_id = self.ids.next("quiz")
        assignment = self.create_assignment(
            caller,
            course.id,
            {"name": title, "points_possible": fields.get("points_possible") or 0,
             "published": fields.get("published", False), "submission_types": ["online_quiz"]},
            quiz_id=quiz_id,
        )  # fmt: skip
        quiz = Quiz(
            quiz_id,
            course.id,
            title,
            assignment.id,
            assignment.points_possible,
            assignment.published,
            self.clock.now(),
        )
        self.quizzes[quiz.id] = quiz
        return quiz

    def _quiz(self, caller: User, course: Course, quiz_id: int) -> Quiz:
        quiz = self.quizzes.get(quiz_id)
        if (
            quiz is None
            or quiz.course_id != course.id
            or (not quiz.published and not self.can_manage(caller, course))
        ):
            raise ResourceNotFound()
        return quiz

    def list_quizzes(self, caller: User, course_id: int) -> list[Quiz]:
        course = self.get_course(caller, course_id)
        found = [q for q in self.quizzes.values() if q.course_id == course.id]
        return found if self.can_manage(caller, course) else [q for q in found if q.published]

    def start_quiz(self, caller: User, course_id: int, quiz_id: int) -> QuizSubmission:
        course = self.get_course(caller, course_id)
        quiz = self._quiz(caller, course, quiz_id)
        if not self.is_student(caller, course) or self.content_locked(
            caller, course, "Quiz", quiz.id
        ):
            raise NotAuthorized()
        attempts = [
            s
            for s in self.quiz_submissions.values()
            if s.quiz_id == quiz.id and s.user_id == caller.id
        ]
        if any(s.workflow_state == "untaken" for s in attempts):
            raise Conflict("a quiz submission already exists")
        submission = QuizSubmission(
            self.ids.next("quiz_submission"), quiz.id, caller.id, len(attempts) + 1, "untaken",
            self.ids.token("validation", 16), self.clock.now(),
        )  # fmt: skip
        self.quiz_submissions[submission.id] = submission
        self._content_action(caller, course, "Quiz", quiz.id, "read")
        return submission

    def complete_quiz(
        self,
        caller: User,
        course_id: int,
        quiz_id: int,
        submission_id: int,
        attempt: Any,
        token: Any,
    ) -> QuizSubmission:
        course = self.get_course(caller, course_id)
        quiz = self._quiz(caller, course, quiz_id)
        submission = self.quiz_submissions.get(submission_id)
        if submission is None or submission.quiz_id != quiz.id or submission.user_id != caller.id:
            raise ResourceNotFound()
        if str(attempt) != str(submission.attempt):
            raise BadRequest("attempt must be the current attempt")
        if token != submission.validation_token:
            raise Forbidden("invalid token")
        if submission.workflow_state != "untaken":
            raise BadRequest("quiz submission is already complete")
        submission.workflow_state = "complete"
        submission.finished_at = self.clock.now()
        assignment = self.assignments[quiz.assignment_id]
        sub = self._submission(assignment, caller)
        sub.workflow_state, sub.submitted_at = "submitted", submission.finished_at
        sub.attempt = submission.attempt
        self._content_action(caller, course, "Quiz", quiz.id, "submitted")
        return submission

    # -- content: discussions -----------------------------------------------------------------
    def create_discussion(self, caller: User, course_id: int, fields: dict[str, Any]) -> Discussion:
        course = self._managed_course(caller, course_id)
        title = fields.get("title")
        if not isinstance(title, str) or not title.strip():
            raise InvalidRecord({"title": [("blank", "can't be blank")]})
        topic = Discussion(
            self.ids.next("discussion"), course.id, title, str(fields.get("message") or ""),
            bool(fields.get("published", False)), self.clock.now(),
        )  # fmt: skip
        self.discussions[topic.id] = topic
        return topic

    def _discussion(self, caller: User, course: Course, topic_id: int) -> Discussion:
        topic = self.discussions.get(topic_id)
        if (
            topic is None
            or topic.course_id != course.id
            or (not topic.published and not self.can_manage(caller, course))
        ):
            raise ResourceNotFound()
        return topic

    def list_discussions(self, caller: User, course_id: int) -> list[Discussion]:
        course = self.get_course(caller, course_id)
        found = [d for d in self.discussions.values() if d.course_id == course.id]
        return found if self.can_manage(caller, course) else [d for d in found if d.published]

    def show_discussion(
        self, caller: User, course_id: int, topic_id: int
    ) -> tuple[Discussion, bool]:
        course = self.get_course(caller, course_id)
        topic = self._discussion(caller, course, topic_id)
        locked = self.content_locked(caller, course, "Discussion", topic.id)
        if not locked:
            self._content_action(caller, course, "Discussion", topic.id, "read")
        return topic, locked

    def post_entry(
        self, caller: User, course_id: int, topic_id: int, message: Any
    ) -> dict[str, Any]:
        """``POST .../discussion_topics/:id/entries``: meets ``must_contribute``."""
        course = self.get_course(caller, course_id)
        topic = self._discussion(caller, course, topic_id)
        if not isinstance(message, str) or not message.strip():
            raise BadRequest("message is missing")
        if self.content_locked(caller, course, "Discussion", topic.id):
            raise NotAuthorized()
        entry = {
            "id": self.ids.next("entry"),
            "user_id": caller.id,
            "message": message,
            "created_at": self.clock.now(),
        }
        topic.entries.append(entry)
        self._content_action(caller, course, "Discussion", topic.id, "contributed")
        return entry

    # -- content: files -----------------------------------------------------------------------
    def start_upload(self, caller: User, course_id: int, fields: dict[str, Any]) -> str:
        """Step 1 of Canvas's file upload: answers a token for the upload URL."""
        course = self._managed_course(caller, course_id)
        name = fields.get("name")
        if not isinstance(name, str) or not name.strip():
            raise BadRequest("name is missing")
        token = self.ids.token("upload", 16)
        self.uploads[token] = {
            "course_id": course.id,
            "name": name,
            "content_type": fields.get("content_type"),
        }
        return token

    def finish_upload(self, token: str, data: bytes, content_type: str | None) -> File:
        """Step 2: the bytes arrive at the upload URL; the file exists."""
        pending = self.uploads.pop(token, None)
        if pending is None:
            raise ResourceNotFound()
        record = File(
            self.ids.next("file"), pending["course_id"], pending["name"],
            pending["content_type"] or content_type or "application/octet-stream", len(data),
            self.clock.now(), self.ids.token("file-uuid", 20),
        )  # fmt: skip
        self.files[record.id] = record
        return record

    def show_file(self, caller: User, file_id: int) -> tuple[File, bool]:
        record = self.files.get(file_id)
        if record is None:
            raise ResourceNotFound()
        course = self.get_course(caller, record.course_id)
        locked = self.content_locked(caller, course, "File", record.id)
        if not locked:
            self._content_action(caller, course, "File", record.id, "read")
        return record, locked

    def list_files(self, caller: User, course_id: int) -> list[File]:
        course = self.get_course(caller, course_id)
        return [f for f in self.files.values() if f.course_id == course.id]

    def _content_for(self, course: Course, kind: str, content_id: Any) -> Any:
        try:
            cid = int(content_id)
        except (TypeError, ValueError):
            raise BadRequest("Could not find content") from None
        table = {
            "Assignment": self.assignments,
            "Quiz": self.quizzes,
            "Discussion": self.discussions,
            "File": self.files,
        }[kind]
        record = table.get(cid)
        if record is None or record.course_id != course.id:
            raise BadRequest("Could not find content")
        return record

    def _content_record(self, item: ModuleItem) -> Any:
        table = {
            "Assignment": self.assignments, "Quiz": self.quizzes, "Discussion": self.discussions,
            "File": self.files, "Page": self.pages,
        }.get(item.type)  # fmt: skip
        return table.get(item.content_id or 0) if table is not None else None

    # -- developer keys and external tools ----------------------------------------------------
    def create_developer_key(
        self, caller: User, account_id: int, key: dict[str, Any], settings: dict[str, Any]
    ) -> DeveloperKey:
        """``POST /api/lti/accounts/:id/developer_keys/tool_configuration``: an LTI 1.3 key from
        a JSON configuration (canvas-lms ``doc/api/lti_dev_key_config.md``)."""
        self.get_account(caller, account_id)
        errors: dict[str, list[tuple[str, str]]] = {}
        redirect_uris = key.get("redirect_uris")
        if isinstance(redirect_uris, str):
            redirect_uris = [u for u in redirect_uris.split() if u]
        if not isinstance(redirect_uris, list) or not redirect_uris:
            errors["redirect_uris"] = [("blank", "can't be blank")]
        for required in ("title", "target_link_uri", "oidc_initiation_url"):
            if not isinstance(settings.get(required), str) or not settings[required]:
                errors[required] = [("blank", "can't be blank")]
        if not settings.get("public_jwk_url") and not isinstance(settings.get("public_jwk"), dict):
            errors["public_jwk"] = [("blank", "public_jwk or public_jwk_url is required")]
        canvas_ext = next(
            (
                e
                for e in settings.get("extensions") or []
                if isinstance(e, dict) and e.get("platform") == "canvas.instructure.com"
            ),
            {},
        )
        privacy = canvas_ext.get("privacy_level", "anonymous")
        if privacy not in PRIVACY_LEVELS:
            errors["privacy_level"] = [("inclusion", f"must be one of {', '.join(PRIVACY_LEVELS)}")]
        placements = (canvas_ext.get("settings") or {}).get("placements") or []
        for placement in placements:
            if not isinstance(placement, dict) or placement.get("placement") not in PLACEMENTS:
                errors["placements"] = [("inclusion", f"unknown placement {placement!r}")]
        if errors:
            raise InvalidRecord(errors)
        dev_key = DeveloperKey(
            id=DEVELOPER_KEY_BASE + self.ids.next("developer_key"),
            account_id=account_id,
            name=str(key.get("name") or settings["title"]),
            redirect_uris=[str(u) for u in redirect_uris],  # type: ignore[union-attr]
            scopes=[str(s) for s in key.get("scopes") or settings.get("scopes") or []],
            title=settings["title"],
            description=str(settings.get("description") or ""),
            target_link_uri=settings["target_link_uri"],
            oidc_initiation_url=settings["oidc_initiation_url"],
            public_jwk_url=settings.get("public_jwk_url"),
            public_jwk=settings.get("public_jwk"),
            privacy_level=privacy,
            placements=[dict(p) for p in placements],
            custom_fields={
                str(k): str(v) for k, v in (settings.get("custom_fields") or {}).items()
            },
            created_at=self.clock.now(),
        )
        self.developer_keys[dev_key.id] = dev_key
        return dev_key

    def list_developer_keys(self, caller: User, account_id: int) -> list[DeveloperKey]:
        self.get_account(caller, account_id)
        return [k for k in self.developer_keys.values() if k.account_id == account_id]

    def set_developer_key_binding(
        self, caller: User, account_id: int, key_id: int, state: str
    ) -> DeveloperKey:
        """Turn a key on or off for the account (Developer Keys → State)."""
        self.get_account(caller, account_id)
        key = self.developer_keys.get(key_id)
        if key is None:
            raise ResourceNotFound()
        if state not in ("on", "off"):
            raise BadRequest("workflow_state must be on or off")
        key.binding_state = state
        return key

    def _context(self, context_type: str, context_id: int) -> Course | Account:
        if context_type == "Course":
            return self._course(context_id)
        account = self.accounts.get(context_id)
        if account is None:
            raise ResourceNotFound()
        return account

    def _may_manage_context(self, caller: User, context_type: str, context_id: int) -> None:
        context = self._context(context_type, context_id)
        if context_type == "Course":
            if not self.can_manage(caller, context):  # type: ignore[arg-type]
                raise NotAuthorized()
        elif not self.is_admin(caller, context_id):
            raise NotAuthorized()

    def install_tool(
        self, caller: User, context_type: str, context_id: int, fields: dict[str, Any]
    ) -> ExternalTool:
        """``POST /{courses|accounts}/:id/external_tools``: by ``client_id`` (LTI 1.3, from a
        developer key that is on), or LTI 1.1 with name, privacy level, key and secret."""
        self._may_manage_context(caller, context_type, context_id)
        now = self.clock.now()
        client_id = fields.get("client_id")
        if client_id not in (None, ""):
            try:
                key = self.developer_keys.get(int(client_id))
            except (TypeError, ValueError):
                key = None
            if key is None or key.workflow_state != "active" or key.binding_state != "on":
                raise InvalidRecord(
                    {
                        "developer_key": [
                            ("invalid", "Developer key is not available in this context")
                        ]
                    }
                )
            placements = {
                p["placement"]: {k: v for k, v in p.items() if k != "placement"}
                for p in key.placements
            }
            for settings in placements.values():
                settings.setdefault("enabled", True)
                settings.setdefault("url", key.target_link_uri)
                settings.setdefault("message_type", "LtiResourceLinkRequest")
            tool = ExternalTool(
                id=self.ids.next("tool"), context_type=context_type, context_id=context_id,
                name=key.title, privacy_level=key.privacy_level, created_at=now, updated_at=now,
                description=key.description, url=key.target_link_uri,
                domain=urlparse(key.target_link_uri).hostname, consumer_key=None,
                custom_fields=dict(key.custom_fields), placements=placements, developer_key_id=key.id,
            )  # fmt: skip
        else:
            errors: dict[str, list[tuple[str, str]]] = {}
            for required in ("name", "privacy_level", "consumer_key", "shared_secret"):
                if not fields.get(required):
                    errors[required] = [("blank", "can't be blank")]
            if fields.get("privacy_level") and fields["privacy_level"] not in PRIVACY_LEVELS:
                errors["privacy_level"] = [
                    ("inclusion", f"must be one of {', '.join(PRIVACY_LEVELS)}")
                ]
            if not fields.get("url") and not fields.get("domain"):
                errors["url"] = [("blank", "Either the url or domain should be set.")]
            placements = {}
            for placement in PLACEMENTS:
                settings = fields.get(placement)
                if isinstance(settings, dict):
                    placements[placement] = dict(settings)
            if errors:
                raise InvalidRecord(errors)
            tool = ExternalTool(
                id=self.ids.next("tool"), context_type=context_type, context_id=context_id,
                name=str(fields["name"]), privacy_level=str(fields["privacy_level"]),
                created_at=now, updated_at=now, description=str(fields.get("description") or ""),
                url=fields.get("url"), domain=fields.get("domain"),
                consumer_key=str(fields["consumer_key"]), shared_secret=str(fields["shared_secret"]),
                custom_fields={str(k): str(v) for k, v in (fields.get("custom_fields") or {}).items()},
                placements=placements, icon_url=fields.get("icon_url"),
            )  # fmt: skip
        self.tools[tool.id] = tool
        return tool

    def tools_for(
        self, context_type: str, context_id: int, *, include_parents: bool = True
    ) -> list[ExternalTool]:
        """Tools installed on the context (and, for a course, on its account)."""
        out = [
            t
            for t in self.tools.values()
            if (t.context_type, t.context_id) == (context_type, context_id)
        ]
        if include_parents and context_type == "Course":
            course = self.courses[context_id]
            out += [
                t
                for t in self.tools.values()
                if (t.context_type, t.context_id) == ("Account", course.account_id)
            ]
        return [t for t in out if t.workflow_state != "deleted"]

    def list_tools(
        self,
        caller: User,
        context_type: str,
        context_id: int,
        *,
        placement: str | None,
        include_parents: bool,
    ) -> list[ExternalTool]:
        context = self._context(context_type, context_id)
        if context_type == "Course":
            if not self.can_read(caller, context):  # type: ignore[arg-type]
                raise NotAuthorized()
        elif not self.is_admin(caller, context_id):
            raise NotAuthorized()
        tools = self.tools_for(
            context_type, context_id, include_parents=include_parents or context_type == "Course"
        )
        if placement:
            tools = [
                t
                for t in tools
                if placement in t.placements
                and t.placements[placement].get("enabled", True) not in (False, "false")
            ]
        return sorted(tools, key=lambda t: t.id)

    def get_tool(
        self, caller: User, context_type: str, context_id: int, tool_id: int
    ) -> ExternalTool:
        for tool in self.list_tools(
            caller, context_type, context_id, placement=None, include_parents=True
        ):
            if tool.id == tool_id:
                return tool
        raise ResourceNotFound()

    def update_tool(
        self, caller: User, context_type: str, context_id: int, tool_id: int, fields: dict[str, Any]
    ) -> ExternalTool:
        self._may_manage_context(caller, context_type, context_id)
        tool = self.tools.get(tool_id)
        if (
            tool is None
            or (tool.context_type, tool.context_id) != (context_type, context_id)
            or tool.workflow_state == "deleted"
        ):
            raise ResourceNotFound()
        if fields.get("privacy_level") and fields["privacy_level"] not in PRIVACY_LEVELS:
            raise InvalidRecord(
                {"privacy_level": [("inclusion", f"must be one of {', '.join(PRIVACY_LEVELS)}")]}
            )
        for key in ("name", "description", "url", "domain", "privacy_level", "icon_url"):
            if fields.get(key) is not None:
                setattr(tool, key, str(fields[key]))
        if isinstance(fields.get("custom_fields"), dict):
            tool.custom_fields = {str(k): str(v) for k, v in fields["custom_fields"].items()}
        for placement in PLACEMENTS:
            if isinstance(fields.get(placement), dict):
                tool.placements.setdefault(placement, {}).update(fields[placement])
        tool.updated_at = self.clock.now()
        return tool

    def delete_tool(
        self, caller: User, context_type: str, context_id: int, tool_id: int
    ) -> ExternalTool:
        tool = self.update_tool(caller, context_type, context_id, tool_id, {})
        tool.workflow_state = "deleted"
        return tool

    def find_tool_for(
        self, course: Course, url: str, content_id: Any = None
    ) -> ExternalTool | None:
        """``ContextExternalTool.find_external_tool(url, context, content_id)``: the tool named
        by ``content_id`` if it exists here, else the one whose URL or domain matches."""
        candidates = self.tools_for("Course", course.id)
        try:
            wanted = int(content_id) if content_id not in (None, "") else None
        except (TypeError, ValueError):
            wanted = None
        for tool in candidates:
            if tool.id == wanted:
                return tool
        host = urlparse(url).hostname
        for tool in candidates:
            if tool.url and url.startswith(tool.url.split("?")[0].rstrip("/")):
                return tool
        for tool in candidates:
            if tool.domain and host and (host == tool.domain or host.endswith("." + tool.domain)):
                return tool
        return None

    def deployment_id(self, tool: ExternalTool) -> str:
        """``<tool id>:<context opaque id>`` (the pattern of a real Canvas capture)."""
        context = self._context(tool.context_type, tool.context_id)
        opaque = context.lti_context_id if isinstance(context, Course) else context.lti_guid
        return f"{tool.id}:{opaque}"
