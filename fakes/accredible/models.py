"""Accredible state and operations for one region: issuers and keys, designs, groups,
credentials, and the outbox of delivery emails.

Follows Accredible's OpenAPI spec and official plugins as summarised in
``shared/reference/accredible.md``; our choices on its open questions are in DESIGN.md section 5.
The rules live in one function each: :func:`decide_approval` (R2, plus credits) and
:meth:`AccredibleBackend.deliver` (R3).

Not implemented yet: search and list endpoints, bulk create, PDFs, evidence, references, SSO
links, the LTI tool.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fakes.accredible.exceptions import InvalidKey, NotFound, Unprocessable
from fakes.core.backend import Backend, WorldState
from fakes.core.ids import IdSource, seeded_uuid

REGIONS = ("us", "eu")

#: The library every issuer starts with (Accredible's onboarding templates, renamed).
DESIGN_LIBRARY = (
    ("certificate", "Classic Certificate"),
    ("certificate", "Modern Landscape Certificate"),
    ("certificate", "Portrait Achievement Certificate"),
    ("badge", "Round Achievement Badge"),
    ("badge", "Shield Skills Badge"),
    ("badge", "Hexagon Completion Badge"),
)

DUPLICATE_MESSAGE = (
    "Recipient email has already been taken. Your group settings do not allow duplicates of "
    "this credential to be sent to the same email."
)


@dataclass(slots=True)
class Issuer:
    id: int
    name: str
    email: str
    url: str
    certificate_left: int
    api_keys: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Design:
    id: int
    issuer_id: int
    name: str
    kind: str  # "certificate" | "badge"
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class Group:
    id: int
    issuer_id: int
    name: str
    course_name: str
    course_description: str
    created_at: datetime
    updated_at: datetime
    course_link: str | None = None
    language: str = "en"
    attach_pdf: bool = False
    allow_duplicate_credentials: bool = False
    certificate_design_id: int | None = None
    badge_design_id: int | None = None
    primary_design_id: int | None = None
    design_id: int | None = None  # deprecated alias of the certificate design
    meta_data: dict[str, Any] | None = None
    learning_outcomes: list[str] = field(default_factory=list)
    #: Dashboard setting "Send email notifications for this group" (not an API field).
    emails_enabled: bool = True

    @property
    def has_design(self) -> bool:
        """Does the group have a certificate or a badge design (R2)?"""
        return bool(self.certificate_design_id or self.badge_design_id or self.design_id)


@dataclass(slots=True)
class Credential:
    id: int
    uuid: str
    issuer_id: int
    group_id: int
    recipient: dict[str, Any]
    approve: bool
    issued_on: date
    created_at: datetime
    updated_at: datetime
    name: str | None = None
    description: str | None = None
    expired_on: date | None = None
    complete: bool = True
    private: bool = False
    grade: str | None = None
    custom_attributes: dict[str, Any] | None = None
    meta_data: dict[str, Any] | None = None
    license_id: str | None = None
    published_on: datetime | None = None


@dataclass(slots=True)
class Email:
    """One message in the outbox (what a recipient's mailbox would show)."""

    id: int
    kind: str
    to: str
    subject: str
    credential_id: int
    group_id: int
    sent_at: datetime


def decide_approval(group: Group, issuer: Issuer, requested: bool | None) -> bool:
    """R2: is a new credential published at creation?

    No certificate or badge design on the group → unapproved (Help-Canvas-old: "Credentials
    will be unapproved ... because we don't have a certificate design or badge design").
    No credits left → created but unpublished (OAS, create). Otherwise ``approve`` as asked,
    default true.
    """
    if not group.has_design:
        return False
    if issuer.certificate_left <= 0:
        return False
    return True if requested is None else requested


class AccredibleBackend(Backend):
    """One Accredible region (``us`` or ``eu``): its own issuers, keys, data and outbox."""

    def __init__(self, world: WorldState, *, region: str) -> None:
        if region not in REGIONS:
            raise ValueError(f"unknown region {region!r}; use one of {REGIONS}")
        super().__init__(world, region=region)
        self.region = region
        # Regions draw ids from different ranges so a US id never names an EU record (R8).
        base = 10_000_000 if region == "us" else 40_000_000
        self.ids = IdSource(world.seed, f"accredible-{region}", start=base, spread=1_000_000)
        self.issuers: dict[int, Issuer] = {}
        self.keys: dict[str, int] = {}
        self.designs: dict[int, Design] = {}
        self.groups: dict[int, Group] = {}
        self.credentials: dict[int, Credential] = {}
        self.outbox: list[Email] = []

    # -- issuers and keys ---------------------------------------------------------------------
    def create_issuer(
        self, *, name: str, email: str, api_key: str, url: str = "", certificate_left: int = 1000
    ) -> Issuer:
        """An issuer with one API key and the starter design library."""
        if api_key in self.keys:
            raise ValueError("that API key is already in use")
        issuer = Issuer(
            id=self.ids.next("issuer"),
            name=name,
            email=email,
            url=url or "https://www.example.org",
            certificate_left=certificate_left,
            api_keys=[api_key],
        )
        self.issuers[issuer.id] = issuer
        self.keys[api_key] = issuer.id
        now = self.clock.now()
        for kind, design_name in DESIGN_LIBRARY:
            design = Design(self.ids.next("design"), issuer.id, design_name, kind, now, now)
            self.designs[design.id] = design
        return issuer

    def issuer_for_key(self, key: str) -> Issuer:
        """R8: a key is valid only in the region that issued it."""
        issuer_id = self.keys.get(key)
        if issuer_id is None:
            raise InvalidKey()
        return self.issuers[issuer_id]

    # -- designs ------------------------------------------------------------------------------
    def list_designs(self, issuer: Issuer, kind: str | None = None) -> list[Design]:
        return [
            d
            for d in self.designs.values()
            if d.issuer_id == issuer.id and (kind in (None, d.kind))
        ]

    def _check_design(
        self, issuer: Issuer, design_id: Any, kind: str | None, field_name: str
    ) -> int | None:
        if design_id in (None, ""):
            return None
        try:
            did = int(design_id)
        except (TypeError, ValueError):
            raise Unprocessable({field_name: ["is invalid"]}) from None
        design = self.designs.get(did)
        if design is None or design.issuer_id != issuer.id:
            raise Unprocessable({field_name: ["is invalid"]})
        if kind is not None and design.kind != kind:
            raise Unprocessable({field_name: [f"must be a {kind} design"]})
        return did

    # -- groups -------------------------------------------------------------------------------
    def get_group(self, issuer: Issuer, group_id: int) -> Group:
        group = self.groups.get(group_id)
        if group is None or group.issuer_id != issuer.id:
            raise NotFound({"errors": "Doesn't exist"})
        return group

    def create_group(self, issuer: Issuer, fields: dict[str, Any]) -> Group:
        """``POST /v1/issuer/groups``: name, course_name, course_description required; group
        names (the dashboard's "Identifier") unique per issuer."""
        errors: dict[str, list[str]] = {}
        for required in ("name", "course_name", "course_description"):
            value = fields.get(required)
            if value is None or (isinstance(value, str) and not value.strip()):
                errors[required] = ["can't be blank"]
        name = fields.get("name")
        if isinstance(name, str) and self._group_named(issuer, name) is not None:
            errors["name"] = ["has already been taken"]
        if errors:
            raise Unprocessable(errors)
        now = self.clock.now()
        group = Group(
            id=self.ids.next("group"),
            issuer_id=issuer.id,
            name=str(name),
            course_name=str(fields["course_name"]),
            course_description=str(fields["course_description"]),
            created_at=now,
            updated_at=now,
        )
        self._apply_group_fields(issuer, group, fields)
        self.groups[group.id] = group
        return group

    def update_group(self, issuer: Issuer, group_id: int, fields: dict[str, Any]) -> Group:
        """``PUT /v1/issuer/groups/:id``: partial update; assigning a design publishes only
        credentials created afterwards (R2)."""
        group = self.get_group(issuer, group_id)
        errors: dict[str, list[str]] = {}
        for key in ("name", "course_name", "course_description"):
            if key in fields and (fields[key] is None or not str(fields[key]).strip()):
                errors[key] = ["can't be blank"]
        name = fields.get("name")
        if isinstance(name, str):
            other = self._group_named(issuer, name)
            if other is not None and other.id != group.id:
                errors["name"] = ["has already been taken"]
        if errors:
            raise Unprocessable(errors)
        for key in ("name", "course_name", "course_description"):
            if key in fields:
                setattr(group, key, str(fields[key]))
        self._apply_group_fields(issuer, group, fields)
        group.updated_at = self.clock.now()
        return group

    def _group_named(self, issuer: Issuer, name: str) -> Group | None:
        for group in self.groups.values():
            if group.issuer_id == issuer.id and group.name == name:
                return group
        return None

    def _apply_group_fields(self, issuer: Issuer, group: Group, fields: dict[str, Any]) -> None:
        checks = {
            "certificate_design_id": "certificate",
            "badge_design_id": "badge",
            "design_id": "certificate",
            "primary_design_id": None,
        }
        resolved = {
            key: self._check_design(issuer, fields[key], kind, key)
            for key, kind in checks.items()
            if key in fields
        }
        for key, value in resolved.items():
            setattr(group, key, value)
        for key in ("attach_pdf", "allow_duplicate_credentials"):
            if key in fields:
                if not isinstance(fields[key], bool):
                    raise Unprocessable({key: ["must be true or false"]})
                setattr(group, key, fields[key])
        if "course_link" in fields:
            group.course_link = fields["course_link"]
        if fields.get("language"):
            group.language = str(fields["language"])
        if "meta_data" in fields:
            group.meta_data = fields["meta_data"] if isinstance(fields["meta_data"], dict) else None
        if "learning_outcomes" in fields and isinstance(fields["learning_outcomes"], list):
            group.learning_outcomes = [str(x) for x in fields["learning_outcomes"]]

    def set_group_emails(self, issuer: Issuer, group_id: int, enabled: bool) -> Group:
        """Dashboard: Group Settings → General Settings → "Emails - On/Off"."""
        group = self.get_group(issuer, group_id)
        group.emails_enabled = enabled
        group.updated_at = self.clock.now()
        return group

    # -- credentials --------------------------------------------------------------------------
    def get_credential(self, issuer: Issuer, credential_id: int) -> Credential:
        credential = self.credentials.get(credential_id)
        if credential is None or credential.issuer_id != issuer.id:
            raise NotFound(
                {"success": False, "data": "No credential with the id given in your account"}
            )
        return credential

    def create_credential(self, issuer: Issuer, fields: dict[str, Any]) -> Credential:
        """``POST /v1/credentials``: group by ``group_id`` or legacy ``group_name``; recipient
        name and email required; one credential per email and group unless the group allows
        duplicates; approval by :func:`decide_approval`; delivery email by :meth:`deliver`."""
        group = self._credential_group(issuer, fields)
        recipient = fields.get("recipient")
        if (
            not isinstance(recipient, dict)
            or not recipient.get("email")
            or not recipient.get("name")
        ):
            raise Unprocessable("Can not create credential without recipient data")
        email = str(recipient["email"]).strip()
        if "@" not in email:
            raise Unprocessable({"recipient.email": ["is invalid"]})
        if not group.allow_duplicate_credentials and self.find_credentials(
            issuer, group_id=group.id, email=email
        ):
            raise Unprocessable({"credential": [DUPLICATE_MESSAGE]})
        requested = fields.get("approve")
        if requested is not None and not isinstance(requested, bool):
            raise Unprocessable({"approve": ["must be true or false"]})
        now = self.clock.now()
        cid = self.ids.next("credential")
        credential = Credential(
            id=cid,
            uuid=seeded_uuid(self.world.seed, self.region, "credential", cid),
            issuer_id=issuer.id,
            group_id=group.id,
            recipient={
                "name": str(recipient["name"]),
                "email": email,
                "id": recipient.get("id"),
                "phone_number": recipient.get("phone_number"),
                "meta_data": recipient.get("meta_data"),
            },
            approve=False,
            issued_on=parse_date(fields.get("issued_on"), "issued_on") or now.date(),
            expired_on=parse_date(fields.get("expired_on"), "expired_on"),
            created_at=now,
            updated_at=now,
            name=fields.get("name"),
            description=fields.get("description"),
            complete=fields.get("complete", True) is not False,
            private=bool(fields.get("private", False)),
            grade=fields.get("grade"),
            custom_attributes=fields.get("custom_attributes")
            if isinstance(fields.get("custom_attributes"), dict)
            else None,
            meta_data=fields.get("meta_data")
            if isinstance(fields.get("meta_data"), dict)
            else None,
            license_id=str(fields["id"]) if fields.get("id") is not None else None,
        )
        self.credentials[cid] = credential
        if decide_approval(group, issuer, requested):
            self.publish(issuer, credential)
        return credential

    def _credential_group(self, issuer: Issuer, fields: dict[str, Any]) -> Group:
        group_id = fields.get("group_id")
        if group_id not in (None, ""):
            try:
                gid = int(group_id)
            except (TypeError, ValueError):
                raise Unprocessable("Invalid Group") from None
            group = self.groups.get(gid)
            if group is None or group.issuer_id != issuer.id:
                raise Unprocessable("Invalid Group")
            return group
        name = fields.get("group_name")
        if isinstance(name, str) and name:
            group = self._group_named(issuer, name)
            if group is not None:
                return group
        raise Unprocessable("Invalid Group")

    def find_credentials(
        self, issuer: Issuer, *, group_id: int | None = None, email: str | None = None
    ) -> list[Credential]:
        """Credentials of ``issuer``, optionally one group's and one recipient's (email, case
        insensitive as Accredible's duplicate rule is)."""
        email_key = email.lower() if email else None
        return [
            c
            for c in self.credentials.values()
            if c.issuer_id == issuer.id
            and (group_id is None or c.group_id == group_id)
            and (email_key is None or c.recipient["email"].lower() == email_key)
        ]

    def publish(self, issuer: Issuer, credential: Credential) -> None:
        """Publish (approve) a credential: spend a credit, then R3's delivery email."""
        if credential.approve:
            return
        credential.approve = True
        credential.published_on = self.clock.now()
        credential.updated_at = credential.published_on
        issuer.certificate_left = max(0, issuer.certificate_left - 1)
        self.deliver(credential)

    def deliver(self, credential: Credential) -> Email | None:
        """R3: one delivery email when a credential is published, unless its group's emails are
        off at that moment (Help-Emails)."""
        group = self.groups[credential.group_id]
        if not group.emails_enabled:
            return None
        email = Email(
            id=self.ids.next("email"),
            kind="credential_delivery",
            to=credential.recipient["email"],
            subject=f"{group.course_name}: your credential is ready",
            credential_id=credential.id,
            group_id=group.id,
            sent_at=self.clock.now(),
        )
        self.outbox.append(email)
        return email


def parse_date(value: Any, field_name: str) -> date | None:
    """Accredible's lenient dates: ``YYYY-MM-DD``, ISO timestamps, ``YYYY-MM-DD HH:MM:SS +0000``,
    and the deprecated ``DD/MM/YYYY``."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    for fmt in ("%d/%m/%Y", "%Y-%m-%d %H:%M:%S %z"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise Unprocessable({field_name: ["is not a valid date (use YYYY-MM-DD)"]})
