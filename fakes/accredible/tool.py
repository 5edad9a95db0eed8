"""The Accredible LTI tool's pages: login initiation, the launch, the teacher's management view
(name the group, Manage Certificate Design, Manage Badge Design), the student's credential view
and the course navigation list, plus the tool's configuration and public keys.

Every page may be framed (Canvas embeds it). Launch failures answer a page that says what went
wrong and change nothing; a launch whose state cookie was kept out of a cross-site frame answers
the "open Accredible in a new window" page (R1).
"""

from __future__ import annotations

from html import escape
from typing import Any

from fakes.accredible import exceptions as exc
from fakes.accredible.lti import (
    SESSION_LIFESPAN,
    STATE_LIFESPAN,
    IdentityWithheld,
    LaunchInvalid,
    LaunchOutcome,
    ToolSession,
    cookie_attributes,
)
from fakes.accredible.models import AccredibleBackend, Caller, Credential, Group
from fakes.core.keys import signing_key
from fakes.web import HTML, ApiRequest, ApiResponse, html_page, json_response, text_response

SESSION_COOKIE = "accredible_lti_session"
LTI_PATH = "/v1/canvas/lti"


def _page(
    title: str, body: str, status: int = 200, headers: list[tuple[str, str]] | None = None
) -> ApiResponse:
    return html_page(f"{title} · Accredible", body, status, headers, body_class="accredible")


def design_pickers(backend: AccredibleBackend, caller: Caller, group: Group) -> str:
    """The "Manage Certificate Design" and "Manage Badge Design" pickers (options of the
    issuer's designs, "(none)" first, the group's current one selected), as the tool's
    management view and the dashboard show them."""

    def options(kind: str, current: int | None) -> str:
        out = ["<option value=''>(none)</option>"]
        for design in backend.list_designs(caller, kind):
            selected = " selected" if design.id == current else ""
            out.append(f"<option value='{design.id}'{selected}>{escape(design.name)}</option>")
        return "".join(out)

    certificate = options("certificate", group.certificate_design_id or group.design_id)
    return (
        "<p><label>Manage Certificate Design <select name='certificate_design_id'>"
        f"{certificate}</select></label></p>"
        "<p><label>Manage Badge Design <select name='badge_design_id'>"
        f"{options('badge', group.badge_design_id)}</select></label></p>"
    )


class ToolPages:
    """Handlers of the tool's pages for one region."""

    def __init__(self, backend: AccredibleBackend) -> None:
        self.backend = backend

    def _cookie(self, name: str, value: str, max_age: int) -> str:
        extra = cookie_attributes(self.backend.region)
        return f"{name}={value}; Path={LTI_PATH}; Max-Age={max_age}; HttpOnly" + (
            f"; {extra}" if extra else ""
        )

    # -- configuration for Canvas -------------------------------------------------------------
    def config(self, request: ApiRequest) -> ApiResponse:
        """The LTI 1.3 JSON configuration an admin pastes into a Canvas developer key."""
        base = f"{self.backend.public_url}{LTI_PATH}"
        return json_response(
            {
                "title": "Accredible",
                "description": "Issue digital certificates and badges from Canvas courses.",
                "target_link_uri": f"{base}/launch",
                "oidc_initiation_url": f"{base}/login",
                "public_jwk_url": f"{base}/jwks",
                "redirect_uris": [f"{base}/launch"],
                "scopes": [],
                "custom_fields": {"canvas_course_id": "$Canvas.course.id"},
                "extensions": [
                    {
                        "platform": "canvas.instructure.com",
                        "privacy_level": "public",
                        "settings": {
                            "placements": [
                                {
                                    "placement": "course_navigation",
                                    "text": "Accredible",
                                    "message_type": "LtiResourceLinkRequest",
                                    "target_link_uri": f"{base}/launch",
                                    **self._navigation_window(),
                                },
                                {
                                    "placement": "link_selection",
                                    "text": "Accredible",
                                    "message_type": "LtiResourceLinkRequest",
                                    "target_link_uri": f"{base}/launch",
                                },
                            ]
                        },
                    }
                ],
            }
        )

    def _navigation_window(self) -> dict[str, str]:
        """R1 for the course navigation link: the EU tool cannot run in Canvas's frame, so its
        configuration asks Canvas to open the link in a new tab (``windowTarget: _blank``)."""
        return {"windowTarget": "_blank"} if self.backend.region == "eu" else {}

    def jwks(self, request: ApiRequest) -> ApiResponse:
        return json_response(
            {"keys": [signing_key(f"accredible-{self.backend.region}-tool").public_jwk]}
        )

    # -- OIDC login initiation ----------------------------------------------------------------
    def login(self, request: ApiRequest) -> ApiResponse:
        params = (
            dict(request.query_pairs()) if request.method == "GET" else dict(request.form_pairs())
        )
        try:
            location, state = self.backend.lti.login(params)
        except LaunchInvalid as error:
            return _page(
                "Launch failed",
                f"<div id='launch_error'>Accredible could not start the launch: {escape(error.reason)}</div>",
                400,
            )
        cookie = self._cookie(
            f"lti1p3-{state.state}", state.state, int(STATE_LIFESPAN.total_seconds())
        )
        return text_response(
            "", 302, [("Location", location), ("Set-Cookie", cookie)], content_type=HTML
        )

    # -- the launch ---------------------------------------------------------------------------
    def launch(self, request: ApiRequest) -> ApiResponse:
        form = dict(request.form_pairs())
        state_value = form.get("state", "")
        tool = self.backend.lti
        try:
            state, claims = tool.validate(
                form, request.cookie(f"lti1p3-{state_value}") if state_value else None
            )
            outcome = tool.complete(state, claims)
        except LaunchInvalid as error:
            if error.missing_state:
                return self._new_window_page()
            return _page(
                "Launch failed",
                f"<div id='launch_error'>Accredible could not verify this launch from Canvas: {escape(error.reason)}.</div>",
                400,
            )
        except IdentityWithheld:
            return _page(
                "Name and email needed",
                "<div id='identity_withheld'>Accredible needs your name and email address from Canvas to issue "
                "your credential, but this Canvas app does not share them. Ask your Canvas admin to set the "
                "Accredible app's privacy level to share name and email (Public).</div>",
                403,
            )
        cookie = self._cookie(
            SESSION_COOKIE, outcome.session_id, int(SESSION_LIFESPAN.total_seconds())
        )
        return self._outcome_page(outcome, [("Set-Cookie", cookie)])

    def _new_window_page(self) -> ApiResponse:
        region = self.backend.region.upper()
        return _page(
            "Open Accredible in a new window",
            "<div id='open_in_new_window'><h1>Open Accredible in a new window</h1>"
            f"<p>Your browser kept Accredible's cookies out of this frame, so the launch could not be "
            f"completed here. Accredible on the {region} server must be loaded in a new window because of "
            "privacy restrictions: ask your instructor to tick 'Load in a new tab' for this item.</p></div>",
            200,
        )

    def _outcome_page(self, outcome: LaunchOutcome, headers: list[tuple[str, str]]) -> ApiResponse:
        session = outcome.session
        if session.role == "manager":
            return self._manage_page(outcome.group, session, "", headers)
        if session.role == "learner":
            if session.placement == "course_navigation":
                return self._list_page(session, outcome.credentials, headers)
            assert outcome.credential is not None
            return self._credential_page(outcome.credential, outcome.group, headers)
        return _page(
            "Nothing to show",
            "<div id='not_for_role'>Accredible issues credentials to students and lets instructors manage them. "
            "Your role in this course is neither, so there is nothing to show.</div>",
            403,
            headers,
        )

    def _credential_page(
        self, credential: Credential, group: Group, headers: list[tuple[str, str]] | None = None
    ) -> ApiResponse:
        approved = "true" if credential.approve else "false"
        status = (
            "<p id='status'>Published</p>"
            if credential.approve
            else "<p id='status' class='pending'>Pending approval: your issuer has not published this credential yet.</p>"
        )
        body = (
            f"<main id='credential' data-credential-id='{credential.id}' data-approved='{approved}' "
            f"data-group-id='{group.id}'><h1>{escape(group.course_name)}</h1>"
            f"<p id='recipient'>{escape(credential.recipient['name'])}</p>{status}"
            f"<p><a id='credential_link' href='{escape(self.backend.credential_url(credential), quote=True)}' "
            "target='_blank'>View your credential</a></p></main>"
        )
        return _page("Your credential", body, 200, headers)

    def _list_page(
        self,
        session: ToolSession,
        credentials: list[Credential],
        headers: list[tuple[str, str]] | None = None,
    ) -> ApiResponse:
        rows = "".join(
            f"<li data-credential-id='{c.id}' data-approved='{'true' if c.approve else 'false'}'>"
            f"<a href='{escape(self.backend.credential_url(c), quote=True)}' target='_blank'>"
            f"{escape(self.backend.groups[c.group_id].course_name)}</a> "
            f"({'published' if c.approve else 'pending approval'})</li>"
            for c in credentials
        )
        empty = (
            ""
            if credentials
            else "<p id='no_credentials'>You have no credentials in this course yet.</p>"
        )
        return _page(
            "My credentials",
            f"<main id='credential_list'><h1>My credentials: {escape(session.context_title)}</h1><ul>{rows}</ul>{empty}</main>",
            200,
            headers,
        )

    def _manage_page(
        self,
        group: Group,
        session: ToolSession,
        flash: str,
        headers: list[tuple[str, str]] | None = None,
    ) -> ApiResponse:
        caller = Caller(self.backend.issuers[session.issuer_id])

        note = f"<p id='flash'>{escape(flash)}</p>" if flash else ""
        warning = (
            ""
            if group.has_design
            else "<p id='no_design_warning'>This group has no certificate or badge design: credentials stay "
            "unapproved until you choose one.</p>"
        )
        body = (
            f"<main id='manage' data-group-id='{group.id}'><h1>Accredible for {escape(session.context_title)}</h1>{note}{warning}"
            f"<form id='manage_form' method='post' action='{LTI_PATH}/manage'>"
            f"<p><label>Group name <input name='name' value='{escape(group.name, quote=True)}'></label></p>"
            f"{design_pickers(self.backend, caller, group)}"
            "<button type='submit'>Save</button></form></main>"
        )
        return _page("Manage credentials", body, 200, headers)

    # -- after the launch ---------------------------------------------------------------------
    def manage(self, request: ApiRequest) -> ApiResponse:
        """The management form (teacher or admin sessions only, R9)."""
        session = self.backend.lti.session(request.cookie(SESSION_COOKIE))
        if session is None:
            return _page(
                "Session expired",
                "<div id='session_expired'>Your Accredible session has expired. Open Accredible from Canvas again.</div>",
                401,
            )
        if session.role != "manager":
            return _page(
                "Not allowed",
                "<div id='not_allowed'>Only instructors and admins can manage this group.</div>",
                403,
            )
        group = self.backend.groups.get(session.group_id)
        if group is None:
            return _page(
                "Group not found",
                "<div id='not_found'>This course's group no longer exists.</div>",
                404,
            )
        caller = Caller(self.backend.issuers[session.issuer_id])
        form = dict(request.form_pairs())
        fields: dict[str, Any] = {}
        if form.get("name", "").strip():
            fields["name"] = form["name"].strip()
        for kind in ("certificate", "badge"):
            key = f"{kind}_design_id"
            if key in form:
                fields[key] = int(form[key]) if form[key].isdigit() else None
        try:
            self.backend.update_group(caller, group.id, fields)
        except exc.Unprocessable as error:
            return self._manage_page(group, session, f"Not saved: {error.errors}")
        return self._manage_page(group, session, "Saved.")

    def credential(self, request: ApiRequest) -> ApiResponse:
        """The student's credential again, for the session's course."""
        session = self.backend.lti.session(request.cookie(SESSION_COOKIE))
        if session is None or session.role != "learner" or session.email is None:
            return _page(
                "Session expired",
                "<div id='session_expired'>Open Accredible from Canvas again.</div>",
                401,
            )
        caller = Caller(self.backend.issuers[session.issuer_id])
        found = self.backend.find_credentials(
            caller, group_id=session.group_id, email=session.email
        )
        if not found:
            return _page(
                "No credential",
                "<div id='no_credentials'>You have no credential in this course yet.</div>",
                404,
            )
        return self._credential_page(found[0], self.backend.groups[session.group_id])

    def view(self, request: ApiRequest, credential_id: str) -> ApiResponse:
        """The public credential page (what ``credential.url`` opens): published ones only."""
        try:
            credential = self.backend.credentials.get(int(credential_id))
        except ValueError:
            credential = None
        if credential is None or not credential.approve:
            return _page(
                "Credential not found",
                "<div id='not_found'>This credential does not exist or is not published.</div>",
                404,
            )
        group = self.backend.groups[credential.group_id]
        return _page(
            group.course_name,
            f"<main id='public_credential' data-credential-id='{credential.id}'><h1>{escape(group.course_name)}</h1>"
            f"<p>Awarded to {escape(credential.recipient['name'])} on {credential.issued_on.isoformat()}</p></main>",
        )
