"""Canvas as an LTI 1.3 platform: signing keys with rotation, single-use launches behind an
``lti_message_hint``, the OIDC authorization checks and the id_token's claims.

Follows canvas-lms (``lib/lti/messages/jwt_message.rb``, ``resource_link_request.rb``,
``app/controllers/lti/ims/authentication_controller.rb``) as summarised in
``shared/reference/canvas-and-lti.md`` section 6. Pure logic: the HTML pages that carry these
messages through a browser are in ``pages.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import jwt

from fakes.canvas.records import Course, ExternalTool, ModuleItem, User
from fakes.core.ids import seeded_uuid
from fakes.core.keys import SigningKey, signing_key

if TYPE_CHECKING:
    from fakes.canvas.models import CanvasBackend

#: Canvas's ``lti_iss`` (self-hosted default and hosted production).
ISSUER = "https://canvas.instructure.com"
#: ``lti_message_hint`` lifetime (``MESSAGE_HINT_LIFESPAN = 5.minutes``).
HINT_LIFESPAN = timedelta(minutes=5)
ID_TOKEN_LIFESPAN = timedelta(hours=1)
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/"

#: Canvas enrollment type → LIS v2 membership roles (``substitutions_helper.rb`` LIS_V2_ROLE_MAP).
MEMBERSHIP_ROLES = {
    "TeacherEnrollment": [f"{LIS}membership#Instructor"],
    "TaEnrollment": [
        f"{LIS}membership/Instructor#TeachingAssistant",
        f"{LIS}membership#Instructor",
    ],
    "DesignerEnrollment": [f"{LIS}membership#ContentDeveloper"],
    "StudentEnrollment": [f"{LIS}membership#Learner"],
    "ObserverEnrollment": [f"{LIS}membership#Mentor"],
}
INSTITUTION_ROLES = {
    "TeacherEnrollment": f"{LIS}institution/person#Instructor",
    "TaEnrollment": f"{LIS}institution/person#Instructor",
    "StudentEnrollment": f"{LIS}institution/person#Student",
}


class LaunchRefused(Exception):
    """An OIDC authorization request Canvas refuses; ``error`` is the OIDC error code."""

    def __init__(self, error: str, description: str, *, redirectable: bool = True) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        #: False when the refusal cannot be posted back to the tool (bad redirect_uri).
        self.redirectable = redirectable


@dataclass
class PendingLaunch:
    """What Canvas cached when it rendered a launch page, until the tool asks for the token."""

    verifier: str
    user_id: int
    tool_id: int
    course_id: int
    item_id: int | None
    placement: str | None
    target_link_uri: str
    expires_at: Any
    consumed: bool = False


@dataclass
class PlatformKeys:
    """Canvas's LTI signing keys: the current one signs; during a rollover the previous one is
    still published so tools holding a cached JWKS keep verifying."""

    generation: int = 1
    published: list[SigningKey] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.published:
            self.published = [signing_key(f"canvas-lti-{self.generation}")]

    @property
    def current(self) -> SigningKey:
        return self.published[-1]

    def rotate(self) -> SigningKey:
        """A new current key; the old one stays published until :meth:`retire`."""
        self.generation += 1
        self.published = [*self.published[-1:], signing_key(f"canvas-lti-{self.generation}")]
        return self.current

    def retire(self) -> None:
        """Stop publishing every key but the current one."""
        self.published = [self.current]

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.public_jwk for k in self.published]}


class LtiPlatform:
    """The LTI side of one Canvas backend."""

    def __init__(self, backend: CanvasBackend) -> None:
        self.backend = backend
        self.keys = PlatformKeys()
        self.launches: dict[str, PendingLaunch] = {}
        self._hint_secret = (
            f"canvas-lti-message-hint-secret-{backend.world.seed:08d}-0123456789abcdef"
        )

    # -- step 1: Canvas renders the login initiation -----------------------------------------
    def begin_launch(
        self,
        user: User,
        tool: ExternalTool,
        course: Course,
        item: ModuleItem | None,
        placement: str | None,
    ) -> dict[str, str]:
        """Cache a single-use launch and answer the login initiation parameters the page
        posts to the tool (reference 6.2)."""
        backend = self.backend
        key = backend.developer_keys.get(tool.developer_key_id or 0)
        if key is None:
            raise LaunchRefused(
                "unauthorized_client", "This tool is not an LTI 1.3 tool", redirectable=False
            )
        verifier = backend.ids.token("lti-verifier", 32)
        now = backend.clock.now()
        target = (
            (item.external_url if item else None)
            or _placement_url(tool, placement)
            or key.target_link_uri
        )
        self.launches[verifier] = PendingLaunch(
            verifier,
            user.id,
            tool.id,
            course.id,
            item.id if item else None,
            placement,
            target,
            now + HINT_LIFESPAN,
        )
        hint = jwt.encode(
            {
                "verifier": verifier,
                "canvas_domain": backend.world.urls.get("canvas", ""),
                "context_type": "Course",
                "context_id": course.id,
                "canvas_locale": "en",
                "include_storage_target": True,
                "exp": int((now + HINT_LIFESPAN).timestamp()),
            },
            self._hint_secret,
            algorithm="HS256",
        )
        return {
            "iss": ISSUER,
            "login_hint": user.opaque_id,
            "client_id": str(key.id),
            "lti_deployment_id": backend.deployment_id(tool),
            "target_link_uri": target,
            "lti_message_hint": hint,
            "canvas_environment": "prod",
            "canvas_region": "not_configured",
            "lti_storage_target": "post_message_forwarding",
        }

    # -- step 3: Canvas answers the tool's authentication request ----------------------------
    def authorize(self, params: dict[str, str], session_user: User | None) -> tuple[str, str, str]:
        """Check an authentication request (reference 6.3); answer ``(redirect_uri, id_token,
        state)``. Every failure is a :class:`LaunchRefused`, and a refused request consumes
        nothing."""
        backend = self.backend
        redirect_uri = params.get("redirect_uri", "")
        client_id = params.get("client_id", "")
        try:
            key = backend.developer_keys.get(int(client_id))
        except ValueError:
            key = None
        if key is None or key.workflow_state != "active" or key.binding_state != "on":
            raise LaunchRefused(
                "unauthorized_client",
                "Client not authorized in requested context",
                redirectable=False,
            )
        if redirect_uri not in key.redirect_uris:
            raise LaunchRefused("invalid_request", "Invalid redirect_uri", redirectable=False)
        for name, expected in (
            ("scope", "openid"),
            ("response_type", "id_token"),
            ("response_mode", "form_post"),
            ("prompt", "none"),
        ):
            if params.get(name) != expected:
                raise LaunchRefused("invalid_request", f"{name} must be {expected!r}")
        for name in ("login_hint", "lti_message_hint", "nonce"):
            if not params.get(name):
                raise LaunchRefused("invalid_request", f"{name} is missing")
        try:
            hint = jwt.decode(
                params["lti_message_hint"],
                self._hint_secret,
                algorithms=["HS256"],
                options={"verify_exp": False},
            )
        except jwt.PyJWTError:
            raise LaunchRefused("invalid_request_object", "Invalid lti_message_hint") from None
        launch = self.launches.get(str(hint.get("verifier")))
        if launch is None or launch.consumed or launch.expires_at < backend.clock.now():
            raise LaunchRefused(
                "launch_no_longer_valid", "The launch has either expired or already been consumed"
            )
        user = backend.users.get(launch.user_id)
        if (
            session_user is None
            or user is None
            or session_user.id != user.id
            or params["login_hint"] != user.opaque_id
        ):
            raise LaunchRefused("login_required", "Must have an active user session")
        tool = backend.tools.get(launch.tool_id)
        if tool is None or tool.developer_key_id != key.id or tool.workflow_state == "deleted":
            raise LaunchRefused("unauthorized_client", "Client not authorized in requested context")
        claims = self.claims(user, tool, backend.courses[launch.course_id], launch, params["nonce"])
        token = jwt.encode(
            claims,
            self.keys.current.private_key,
            algorithm="RS256",
            headers={"kid": self.keys.current.kid},
        )
        launch.consumed = True
        return redirect_uri, token, params.get("state", "")

    # -- the id_token -------------------------------------------------------------------------
    def roles(self, user: User, course: Course) -> list[str]:
        """``$com.instructure.User.allRoles``: institution, membership and system roles."""
        backend = self.backend
        roles: list[str] = []
        for enrollment in backend.enrollments_of(user, course.id):
            if enrollment.enrollment_state != "active":
                continue
            institution = INSTITUTION_ROLES.get(enrollment.type)
            if institution and institution not in roles:
                roles.append(institution)
            roles += [r for r in MEMBERSHIP_ROLES.get(enrollment.type, []) if r not in roles]
        if backend.is_admin(user, course.account_id):
            roles += [f"{LIS}institution/person#Administrator", f"{LIS}system/person#SysAdmin"]
        roles.append(f"{LIS}system/person#User")
        return roles

    def claims(
        self, user: User, tool: ExternalTool, course: Course, launch: PendingLaunch, nonce: str
    ) -> dict[str, Any]:
        """The id_token of a resource link launch (reference 6.5)."""
        backend = self.backend
        now = backend.clock.now()
        key = backend.developer_keys[tool.developer_key_id or 0]
        item = backend.items.get(launch.item_id or 0)
        base = backend.world.urls.get("canvas", "")
        if item is not None:
            link_id = seeded_uuid(backend.world.seed, "resource-link", item.id)
            link = {"id": link_id, "title": item.title, "description": None}
        else:  # navigation launches have no resource link: Canvas uses the context
            link = {"id": course.lti_context_id, "title": course.name, "description": None}
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": str(key.id),
            "azp": str(key.id),
            "sub": user.lti_id,
            "iat": int(now.timestamp()),
            "exp": int((now + ID_TOKEN_LIFESPAN).timestamp()),
            "nonce": nonce,
            f"{CLAIM}message_type": "LtiResourceLinkRequest",
            f"{CLAIM}version": "1.3.0",
            f"{CLAIM}deployment_id": backend.deployment_id(tool),
            f"{CLAIM}target_link_uri": launch.target_link_uri,
            f"{CLAIM}resource_link": link,
            f"{CLAIM}context": {
                "id": course.lti_context_id,
                "label": course.course_code,
                "title": course.name,
                "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
            },
            f"{CLAIM}tool_platform": {
                "guid": backend.root_account.lti_guid,
                "name": backend.root_account.name,
                "version": "cloud",
                "product_family_code": "canvas",
            },
            f"{CLAIM}launch_presentation": {
                # ``new_tab`` changes the page Canvas renders, never the token (DESIGN.md §5).
                "document_target": "iframe",
                "return_url": f"{base}/courses/{course.id}/external_content/success/external_tool_redirect",
                "locale": "en",
            },
            "locale": "en",
            f"{CLAIM}roles": self.roles(user, course),
            f"{CLAIM}custom": self.custom(tool, user, course),
            f"{CLAIM}lti11_legacy_user_id": user.opaque_id,
            "https://www.instructure.com/placement": launch.placement,
        }
        if tool.privacy_level in ("name_only", "public"):
            first, _, last = user.name.rpartition(" ")
            claims.update(
                name=user.name, given_name=first or user.name, family_name=last if first else ""
            )
            claims[f"{CLAIM}lis"] = {
                "person_sourcedid": "$Person.sourcedId",
                "course_offering_sourcedid": "$CourseSection.sourcedId",
            }
        if tool.privacy_level in ("email_only", "public") and user.email:
            claims["email"] = user.email
        if tool.privacy_level == "public":
            claims["picture"] = f"{base}/images/messages/avatar-50.png"
        return claims

    @staticmethod
    def custom(tool: ExternalTool, user: User, course: Course) -> dict[str, str]:
        """Tool custom fields with a few of Canvas's variable expansions."""
        values = {
            "$Canvas.course.id": str(course.id),
            "$Canvas.course.name": course.name,
            "$Canvas.user.id": str(user.id),
            "$Canvas.user.loginId": user.login_id,
            "$Person.name.full": user.name,
        }
        return {k: values.get(v, v) for k, v in tool.custom_fields.items()}


def _placement_url(tool: ExternalTool, placement: str | None) -> str | None:
    if placement and placement in tool.placements:
        return tool.placements[placement].get("target_link_uri") or tool.placements[placement].get(
            "url"
        )
    return None
