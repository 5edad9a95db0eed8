"""Canvas records: plain dataclasses the backend keeps (no behaviour, no HTTP)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ITEM_TYPES = (
    "File", "Page", "Discussion", "Assignment", "Quiz", "SubHeader", "ExternalUrl", "ExternalTool",
)  # fmt: skip
COMPLETION_TYPES = ("must_view", "must_submit", "must_contribute", "min_score", "must_mark_done")
ENROLLMENT_TYPES = (
    "StudentEnrollment",
    "TeacherEnrollment",
    "TaEnrollment",
    "ObserverEnrollment",
    "DesignerEnrollment",
)
#: ``enrollment_type[]`` filter words of ``courses/:id/users`` → enrollment types.
ENROLLMENT_TYPE_WORDS = {
    "student": "StudentEnrollment",
    "teacher": "TeacherEnrollment",
    "ta": "TaEnrollment",
    "observer": "ObserverEnrollment",
    "designer": "DesignerEnrollment",
    "student_view": "StudentViewEnrollment",
}
#: Enrollment types whose holders may change a course's content.
MANAGING_TYPES = ("TeacherEnrollment", "TaEnrollment", "DesignerEnrollment")
PRIVACY_LEVELS = ("anonymous", "name_only", "email_only", "public")
PLACEMENTS = (
    "course_navigation",
    "account_navigation",
    "user_navigation",
    "link_selection",
    "assignment_selection",
    "resource_selection",
    "editor_button",
    "homework_submission",
    "module_menu_modal",
)


@dataclass(slots=True)
class Account:
    id: int
    name: str
    uuid: str
    lti_guid: str
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
    #: The LTI 1.1 opaque user id (40 hex); Canvas sends it as ``login_hint``.
    opaque_id: str
    admin_of: set[int] = field(default_factory=set)


@dataclass(slots=True)
class Course:
    id: int
    name: str
    course_code: str
    account_id: int
    workflow_state: str  # unpublished | available | completed | deleted
    uuid: str
    created_at: datetime
    lti_context_id: str
    start_at: datetime | None = None
    end_at: datetime | None = None
    default_view: str = "modules"
    is_public: bool = False
    time_zone: str = "UTC"


@dataclass(slots=True)
class Enrollment:
    id: int
    course_id: int
    user_id: int
    type: str
    enrollment_state: str  # active | invited | inactive | completed | rejected | deleted
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
    workflow_state: str = "unpublished"  # unpublished | active
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
    workflow_state: str = "unpublished"  # unpublished | active

    @property
    def published(self) -> bool:
        return self.workflow_state == "active"


@dataclass(slots=True)
class Page:
    id: int
    course_id: int
    url: str
    title: str
    body: str
    published: bool
    created_at: datetime
    updated_at: datetime
    editing_roles: str = "teachers"


@dataclass(slots=True)
class Assignment:
    id: int
    course_id: int
    name: str
    points_possible: float
    published: bool
    created_at: datetime
    submission_types: list[str] = field(default_factory=lambda: ["online_text_entry"])
    due_at: datetime | None = None
    quiz_id: int | None = None


@dataclass(slots=True)
class Submission:
    id: int
    assignment_id: int
    user_id: int
    workflow_state: str  # unsubmitted | submitted | graded
    attempt: int = 0
    submitted_at: datetime | None = None
    body: str | None = None
    score: float | None = None
    grade: str | None = None
    graded_at: datetime | None = None


@dataclass(slots=True)
class Quiz:
    id: int
    course_id: int
    title: str
    assignment_id: int
    points_possible: float
    published: bool
    created_at: datetime


@dataclass(slots=True)
class QuizSubmission:
    id: int
    quiz_id: int
    user_id: int
    attempt: int
    workflow_state: str  # untaken | complete
    validation_token: str
    started_at: datetime
    finished_at: datetime | None = None


@dataclass(slots=True)
class Discussion:
    id: int
    course_id: int
    title: str
    message: str
    published: bool
    created_at: datetime
    entries: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class File:
    id: int
    course_id: int
    display_name: str
    content_type: str
    size: int
    created_at: datetime
    uuid: str


@dataclass(slots=True)
class DeveloperKey:
    """An LTI 1.3 registration (Developer Keys → + LTI Key, with a JSON configuration)."""

    id: int  # the client_id (Canvas's "global id", e.g. 10000000000001)
    account_id: int
    name: str
    redirect_uris: list[str]
    scopes: list[str]
    title: str
    description: str
    target_link_uri: str
    oidc_initiation_url: str
    public_jwk_url: str | None
    public_jwk: dict[str, Any] | None
    privacy_level: str
    placements: list[dict[str, Any]]
    custom_fields: dict[str, str]
    created_at: datetime
    workflow_state: str = "active"
    #: The account binding: a key is usable only while it is "on".
    binding_state: str = "on"


@dataclass(slots=True)
class ExternalTool:
    id: int
    context_type: str  # Course | Account
    context_id: int
    name: str
    privacy_level: str
    created_at: datetime
    updated_at: datetime
    description: str = ""
    url: str | None = None
    domain: str | None = None
    consumer_key: str | None = None
    shared_secret: str | None = None
    custom_fields: dict[str, str] = field(default_factory=dict)
    placements: dict[str, dict[str, Any]] = field(default_factory=dict)
    workflow_state: str = "public"
    developer_key_id: int | None = None
    icon_url: str | None = None

    @property
    def version(self) -> str:
        return "1.3" if self.developer_key_id is not None else "1.1"


@dataclass(slots=True)
class Progression:
    """One student's progress through one module (canvas-lms ``ContextModuleProgression``)."""

    user_id: int
    module_id: int
    requirements_met: set[int] = field(default_factory=set)
    completed_at: datetime | None = None
    #: Canvas keeps a completed module completed when requirements are added later, until the
    #: teacher relocks it.
    keeps_completion: bool = False
