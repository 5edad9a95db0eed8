"""Accredible as an LTI 1.3 tool: the Canvas registrations an issuer connects, OIDC login
state, launch validation (R11), the group each Canvas course gets (R5), who may do what (R9),
the identity a credential is issued to (R7) and the one credential per student (R6).

Validation follows the LTI 1.3 security framework and what pylti1p3 checks
(``shared/reference/canvas-and-lti.md`` section 6.7). Pure logic: the pages are in ``tool.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import jwt
from jwt.algorithms import RSAAlgorithm

from fakes.accredible.models import Caller, Credential, Group, Issuer

if TYPE_CHECKING:
    from fakes.accredible.models import AccredibleBackend

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
STATE_LIFESPAN = timedelta(minutes=5)
SESSION_LIFESPAN = timedelta(hours=8)
#: Roles that manage the group and its design (R9): instructors (TAs carry
#: ``membership#Instructor`` too) and administrators.
MANAGER_ROLES = frozenset(
    {
        f"{LIS}membership#Instructor",
        f"{LIS}membership#Administrator",
        f"{LIS}institution/person#Administrator",
        f"{LIS}system/person#SysAdmin",
        f"{LIS}system/person#Administrator",
    }
)
LEARNER_ROLES = frozenset({f"{LIS}membership#Learner"})


def cookie_attributes(region: str) -> str:
    """R1, the EU framing rule, in one place.

    The EU instance keeps its launch state and session in first-party cookies (privacy
    restrictions): no ``SameSite`` attribute, so browsers treat them as ``Lax``. Inside a
    cross-site frame a browser neither stores nor sends them, so a framed launch cannot
    complete; in a new window the launch's cross-site POST still carries them, because browsers
    send default-Lax cookies younger than two minutes on top-level POSTs ("Lax-allowing-unsafe",
    which is what makes LTI launches in a new window work).

    The US instance's cookies are ``SameSite=None; Secure``: they work framed wherever the
    browser allows third-party cookies (not in Safari, or Chrome with them blocked).
    """
    return "" if region == "eu" else "SameSite=None; Secure"


class LaunchInvalid(Exception):
    """A launch the tool refuses (R11): ``reason`` says what failed; nothing was changed."""

    def __init__(self, reason: str, *, missing_state: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        #: The state cookie never arrived: the browser kept the tool's cookies out of the frame.
        self.missing_state = missing_state


class IdentityWithheld(Exception):
    """R7: the launch has no name or email for the learner (the app's privacy level)."""


@dataclass
class Registration:
    """A Canvas connected to an Accredible issuer (Accredible's Canvas integration settings)."""

    issuer_id: int
    iss: str
    client_id: str
    auth_login_url: str
    key_set_url: str
    deployment_ids: list[str] = field(default_factory=list)


@dataclass
class LoginState:
    state: str
    nonce: str
    registration: Registration
    expires_at: datetime
    used: bool = False


@dataclass
class ToolSession:
    """Who the browser is in Accredible after a valid launch."""

    issuer_id: int
    group_id: int
    role: str  # manager | learner | other
    name: str | None
    email: str | None
    sub: str
    context_title: str
    placement: str | None
    expires_at: datetime


@dataclass
class LaunchOutcome:
    """What a valid launch led to (for the page to render)."""

    session_id: str
    session: ToolSession
    group: Group
    credential: Credential | None = None
    credentials: list[Credential] = field(default_factory=list)


class LtiTool:
    """The LTI side of one Accredible region."""

    def __init__(self, backend: AccredibleBackend) -> None:
        self.backend = backend
        self.registrations: list[Registration] = []
        self.states: dict[str, LoginState] = {}
        self.used_nonces: set[str] = set()
        self.sessions: dict[str, ToolSession] = {}
        #: (Accredible issuer id, platform iss, context id) → the group Canvas created (R5).
        self.course_groups: dict[tuple[int, str, str], int] = {}
        self._jwks_cache: dict[str, tuple[dict[str, Any], datetime]] = {}

    # -- connecting a Canvas ------------------------------------------------------------------
    def connect(self, caller: Caller, fields: dict[str, Any]) -> Registration:
        """The issuer enters Canvas's client id, deployment and URLs in Accredible."""
        for key in ("iss", "client_id", "auth_login_url", "key_set_url"):
            if not isinstance(fields.get(key), str) or not fields[key]:
                raise ValueError(f"'{key}' is required")
        deployments = fields.get("deployment_ids") or []
        if isinstance(deployments, str):
            deployments = [deployments]
        found = self._registration(fields["iss"], fields["client_id"])
        if found is not None and found.issuer_id != caller.issuer.id:
            raise ValueError("that Canvas client id is connected to another Accredible issuer")
        if found is None:
            found = Registration(
                caller.issuer.id,
                fields["iss"],
                fields["client_id"],
                fields["auth_login_url"],
                fields["key_set_url"],
            )
            self.registrations.append(found)
        found.auth_login_url, found.key_set_url = fields["auth_login_url"], fields["key_set_url"]
        found.deployment_ids += [str(d) for d in deployments if str(d) not in found.deployment_ids]
        return found

    def _registration(self, iss: str, client_id: str | None) -> Registration | None:
        """The registration of ``iss`` and ``client_id`` (without a client id: the only one of
        that issuer, as pylti1p3 falls back)."""
        matches = [
            r
            for r in self.registrations
            if r.iss == iss and (client_id is None or r.client_id == client_id)
        ]
        return matches[0] if len(matches) == 1 else None

    # -- OIDC login initiation ----------------------------------------------------------------
    def login(self, params: dict[str, str]) -> tuple[str, LoginState]:
        """Answer the URL of Canvas's authorization request and the state to keep in a cookie."""
        iss = params.get("iss", "")
        if not iss or not params.get("login_hint"):
            raise LaunchInvalid("the login request needs iss and login_hint")
        registration = self._registration(iss, params.get("client_id") or None)
        if registration is None:
            raise LaunchInvalid(
                f"no Accredible issuer has connected the Canvas {iss!r} with client id {params.get('client_id')!r}"
            )
        deployment = params.get("lti_deployment_id")
        if deployment and deployment not in registration.deployment_ids:
            raise LaunchInvalid(f"unknown deployment {deployment!r}")
        ids = self.backend.ids
        state = LoginState(
            state=f"state-{ids.token('lti-state', 16)}",
            nonce=ids.token("lti-nonce", 16),
            registration=registration,
            expires_at=self.backend.clock.now() + STATE_LIFESPAN,
        )
        self.states[state.state] = state
        query = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": registration.client_id,
            "redirect_uri": f"{self.backend.public_url}/v1/canvas/lti/launch",
            "state": state.state,
            "nonce": state.nonce,
            "login_hint": params["login_hint"],
        }
        if params.get("lti_message_hint"):
            query["lti_message_hint"] = params["lti_message_hint"]
        separator = "&" if "?" in registration.auth_login_url else "?"
        return f"{registration.auth_login_url}{separator}{urlencode(query)}", state

    # -- launch validation (R11) -------------------------------------------------------------
    def validate(
        self, form: dict[str, str], state_cookie: str | None
    ) -> tuple[LoginState, dict[str, Any]]:
        """Check everything before anything changes; answer the login state and the claims."""
        now = self.backend.clock.now()
        if form.get("error"):
            raise LaunchInvalid(
                f"Canvas refused the launch: {form.get('error_description') or form['error']}"
            )
        state_value, token = form.get("state", ""), form.get("id_token", "")
        if not state_value or not token:
            raise LaunchInvalid("the launch needs id_token and state")
        if state_cookie != state_value:
            raise LaunchInvalid(
                "the launch state cookie did not come back with the launch", missing_state=True
            )
        state = self.states.get(state_value)
        replay_ok = "replay_accepted" in self.backend.world.quirks
        if state is None or (state.used and not replay_ok) or state.expires_at < now:
            raise LaunchInvalid("the launch state is unknown, used or expired")
        try:
            # one unverified parse gives both (each parse checks every character of the token)
            parsed = jwt.decode_complete(token, options={"verify_signature": False})
            header, unverified = parsed["header"], parsed["payload"]
        except jwt.PyJWTError as error:
            raise LaunchInvalid(f"the id_token is not a JWT ({error})") from None
        if header.get("alg") != "RS256":
            raise LaunchInvalid(
                f"the id_token must be signed with RS256, not {header.get('alg')!r}"
            )
        if not header.get("kid"):
            raise LaunchInvalid("the id_token header has no kid")
        registration = state.registration
        if unverified.get("iss") != registration.iss:
            raise LaunchInvalid(f"unexpected issuer {unverified.get('iss')!r}")
        aud = unverified.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if registration.client_id not in audiences:
            raise LaunchInvalid(
                f"the id_token is for client {aud!r}, not {registration.client_id!r}"
            )
        if len(audiences) > 1 and unverified.get("azp") != registration.client_id:
            raise LaunchInvalid("azp must name this client when there are several audiences")
        key = self._platform_key(registration.key_set_url, header["kid"])
        # The signature over the parse above (what jwt.decode does, without parsing again:
        # each parse checks every character of a ~3 KB token in Python, ~0.1 ms).
        signing_input = token.rsplit(".", 1)[0].encode()
        if not _RS256.verify(signing_input, key, parsed["signature"]):
            raise LaunchInvalid(
                "the id_token signature does not verify (Signature verification failed)"
            )
        claims = unverified
        stamp = now.timestamp()
        if not isinstance(claims.get("exp"), int | float) or claims["exp"] <= stamp:
            raise LaunchInvalid("the id_token has expired")
        if not isinstance(claims.get("iat"), int | float) or claims["iat"] > stamp:
            raise LaunchInvalid("the id_token was issued in the future")
        if isinstance(claims.get("nbf"), int | float) and claims["nbf"] > stamp:
            raise LaunchInvalid("the id_token is not valid yet")
        nonce = claims.get("nonce")
        if not nonce or nonce != state.nonce or (nonce in self.used_nonces and not replay_ok):
            raise LaunchInvalid("the nonce is missing, wrong or already used")
        deployment = claims.get(f"{CLAIM}deployment_id")
        if deployment not in registration.deployment_ids:
            raise LaunchInvalid(f"unknown deployment {deployment!r}")
        if claims.get(f"{CLAIM}message_type") != "LtiResourceLinkRequest":
            raise LaunchInvalid(f"unsupported message type {claims.get(f'{CLAIM}message_type')!r}")
        if claims.get(f"{CLAIM}version") != "1.3.0":
            raise LaunchInvalid(f"unsupported LTI version {claims.get(f'{CLAIM}version')!r}")
        if not isinstance(claims.get(f"{CLAIM}roles"), list):
            raise LaunchInvalid("the roles claim is missing")
        link = claims.get(f"{CLAIM}resource_link")
        if not isinstance(link, dict) or not link.get("id"):
            raise LaunchInvalid("the resource link id is missing")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise LaunchInvalid("the subject (sub) is missing")
        context = claims.get(f"{CLAIM}context")
        if not isinstance(context, dict) or not context.get("id"):
            raise LaunchInvalid("the context claim is missing: launch Accredible from a course")
        return state, claims

    def _platform_key(self, url: str, kid: str) -> Any:
        """The platform's public key ``kid``, from its JWKS (cached per ``Cache-Control``;
        fetched again once when the kid is new, for key rotation)."""
        for fresh in (False, True):
            keys = self._jwks(url, refresh=fresh)
            for jwk in keys.get("keys", []):
                if jwk.get("kid") == kid and jwk.get("alg", "RS256") == "RS256":
                    return _public_key(json.dumps(jwk, sort_keys=True))
        raise LaunchInvalid(f"the platform publishes no key {kid!r}")

    def _jwks(self, url: str, *, refresh: bool) -> dict[str, Any]:
        now = self.backend.clock.now()
        cached = self._jwks_cache.get(url)
        if cached is not None and not refresh and cached[1] > now:
            return cached[0]
        fetch = self.backend.world.fetch
        if fetch is None:
            raise LaunchInvalid("the platform's keys cannot be fetched (no network)")
        try:
            status, body, headers = fetch(url, f"accredible-{self.backend.region}")
        except Exception as error:  # the platform is down or unreachable
            raise LaunchInvalid(f"the platform's keys could not be fetched: {error}") from None
        if status != 200 or not isinstance(body, dict) or not isinstance(body.get("keys"), list):
            raise LaunchInvalid(f"the platform's keys could not be fetched (status {status})")
        max_age = 300
        for part in headers.get("cache-control", "").split(","):
            name, _, value = part.strip().partition("=")
            if name == "max-age" and value.isdigit():
                max_age = min(int(value), 3600)
        self._jwks_cache[url] = (body, now + timedelta(seconds=max_age))
        return body

    # -- what a valid launch does -------------------------------------------------------------
    def complete(self, state: LoginState, claims: dict[str, Any]) -> LaunchOutcome:
        """Consume the state and nonce, open a tool session, find or create the course's group
        (R5) and, for a learner, the credential (R6, R7, R9)."""
        backend = self.backend
        issuer = backend.issuers[state.registration.issuer_id]
        role = self.role_of(claims.get(f"{CLAIM}roles") or [])
        if role == "manager" and "teachers_get_credentials" in backend.world.quirks:
            role = "learner"
        name, email = _identity(claims)
        if role == "learner" and (not name or not email):
            raise IdentityWithheld()
        state.used = True
        self.used_nonces.add(state.nonce)
        context = claims[f"{CLAIM}context"]
        caller = Caller(issuer)
        group = self.course_group(caller, state.registration.iss, context)
        session_id = backend.ids.token("lti-session", 24)
        session = ToolSession(
            issuer_id=issuer.id,
            group_id=group.id,
            role=role,
            name=name,
            email=email,
            sub=claims["sub"],
            context_title=str(context.get("title") or ""),
            placement=claims.get("https://www.instructure.com/placement"),
            expires_at=backend.clock.now() + SESSION_LIFESPAN,
        )
        self.sessions[session_id] = session
        outcome = LaunchOutcome(session_id, session, group)
        if role == "learner":
            assert name is not None and email is not None
            if session.placement == "course_navigation":
                outcome.credentials = backend.find_credentials(
                    caller, group_id=group.id, email=email
                )
            else:
                outcome.credential = self.credential_for(caller, group, name, email)
        return outcome

    @staticmethod
    def role_of(roles: list[Any]) -> str:
        """R9: managers manage, learners get their own credential, everyone else gets neither."""
        found = {str(r) for r in roles}
        if found & MANAGER_ROLES:
            return "manager"
        if found & LEARNER_ROLES:
            return "learner"
        return "other"

    def course_group(self, caller: Caller, iss: str, context: dict[str, Any]) -> Group:
        """R5: the group of a Canvas course, created by its first launch (named from the course
        until the teacher renames it); groups created this way have no design yet (R2)."""
        key = (caller.issuer.id, iss, str(context["id"]))
        group_id = self.course_groups.get(key)
        if group_id is not None and group_id in self.backend.groups:
            return self.backend.groups[group_id]
        title = str(context.get("title") or "Canvas course")
        label = str(context.get("label") or title)
        name, n = f"{label} (Canvas {str(context['id'])[:8]})", 1
        while (
            self.backend._group_named(caller.issuer, name if n == 1 else f"{name} {n}") is not None
        ):
            n += 1
        group = self.backend.create_group(
            caller,
            {
                "name": name if n == 1 else f"{name} {n}",
                "course_name": title,
                "course_description": f"Awarded for completing {title}.",
            },
        )
        self.course_groups[key] = group.id
        return group

    def credential_for(self, caller: Caller, group: Group, name: str, email: str) -> Credential:
        """R6: the student's credential in the group: the existing one when there is one (a
        second click, a retry, a concurrent launch), a new one otherwise, or always a new one
        when the group allows duplicates."""
        if (
            not group.allow_duplicate_credentials
            and "duplicate_launch_credentials" not in self.backend.world.quirks
        ):
            existing = self.backend.find_credentials(caller, group_id=group.id, email=email)
            if existing:
                return existing[0]
        return self.backend.create_credential(
            caller, {"group_id": group.id, "recipient": {"name": name, "email": email}}
        )

    def session(self, session_id: str | None) -> ToolSession | None:
        found = self.sessions.get(session_id or "")
        if found is None or found.expires_at < self.backend.clock.now():
            return None
        return found

    def issuer_of(self, session: ToolSession) -> Issuer:
        return self.backend.issuers[session.issuer_id]


def _identity(claims: dict[str, Any]) -> tuple[str | None, str | None]:
    name = claims.get("name")
    if not name and (claims.get("given_name") or claims.get("family_name")):
        name = f"{claims.get('given_name', '')} {claims.get('family_name', '')}".strip()
    email = claims.get("email")
    return (str(name) if name else None), (str(email) if email else None)


@lru_cache(maxsize=64)
def _public_key(jwk_json: str) -> Any:
    """A JWK as a key object, parsed once per distinct key."""
    return RSAAlgorithm.from_jwk(jwk_json)


#: RS256 as PyJWT verifies it (PKCS#1 v1.5 over SHA-256).
_RS256 = RSAAlgorithm(RSAAlgorithm.SHA256)
