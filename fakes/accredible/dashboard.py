"""The issuer's dashboard: what a person does in Accredible that the API cannot — name a group,
pick its certificate or badge design, turn its emails on or off, publish unapproved
credentials, switch automatic publishing of API credentials.

Two faces over the same model operations: plain HTML pages a person (or a browser test) can
click through under ``/issuer/dashboard``, signed in with the issuer's API key (the real
dashboard uses a password; the fake has none), and JSON actions on ``POST /_sim/dashboard`` for
scripts and scenarios.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from html import escape
from typing import Any

from fakes.accredible import exceptions as exc
from fakes.accredible.models import AccredibleBackend, Caller, Group
from fakes.accredible.tool import design_pickers
from fakes.web import HTML, ApiRequest, ApiResponse, html_page, json_response, text_response

SESSION_COOKIE = "accredible_dashboard"
_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem}"
    ".flash{background:#fee;padding:.5rem}"
)


def _page(title: str, body: str, status: int = 200) -> ApiResponse:
    return html_page(
        f"{title} · Accredible",
        f"<h1>{escape(title)}</h1>{body}",
        status,
        head=f"<style>{_STYLE}</style>",
        lang="",
    )


def _redirect(location: str, cookie: str | None = None) -> ApiResponse:
    headers = [("Location", location)]
    if cookie is not None:
        headers.append(("Set-Cookie", cookie))
    return text_response("", 303, headers, content_type=HTML)


class Dashboard:
    """Dashboard pages and actions of one region."""

    def __init__(self, backend: AccredibleBackend) -> None:
        self.backend = backend
        self._sessions: dict[str, str] = {}

    # -- the actions (shared by both faces) ---------------------------------------------------
    def act(self, caller: Caller, action: str, args: dict[str, Any]) -> dict[str, Any]:
        """Do one dashboard action; answer what changed. Unknown actions list the known ones."""
        handler: Callable[[Caller, dict[str, Any]], dict[str, Any]] | None = getattr(
            self, f"_act_{action}", None
        )
        if handler is None:
            known = sorted(n.removeprefix("_act_") for n in dir(self) if n.startswith("_act_"))
            raise ValueError(f"unknown dashboard action {action!r}; known: {', '.join(known)}")
        return handler(caller, args)

    def _group(self, caller: Caller, args: dict[str, Any]) -> Group:
        try:
            return self.backend.get_group(caller, int(args["group_id"]))
        except (KeyError, TypeError, ValueError):
            raise ValueError("give 'group_id'") from None

    def _act_rename_group(self, caller: Caller, args: dict[str, Any]) -> dict[str, Any]:
        group = self._group(caller, args)
        fields = {k: args[k] for k in ("name", "course_name", "course_description") if k in args}
        self.backend.update_group(caller, group.id, fields)
        return {"group_id": group.id, "name": group.name, "course_name": group.course_name}

    def _act_set_design(self, caller: Caller, args: dict[str, Any]) -> dict[str, Any]:
        group = self._group(caller, args)
        kind = args.get("kind")
        if kind not in ("certificate", "badge"):
            raise ValueError("'kind' must be 'certificate' or 'badge'")
        design_id = args.get("design_id")
        if design_id is None:  # "pick a design" without naming one takes the first of the library
            designs = self.backend.list_designs(caller, kind)
            design_id = designs[0].id if designs else None
        self.backend.update_group(caller, group.id, {f"{kind}_design_id": design_id})
        return {"group_id": group.id, f"{kind}_design_id": getattr(group, f"{kind}_design_id")}

    def _act_set_group_emails(self, caller: Caller, args: dict[str, Any]) -> dict[str, Any]:
        group = self._group(caller, args)
        if not isinstance(args.get("enabled"), bool):
            raise ValueError("'enabled' must be true or false")
        self.backend.set_group_emails(caller, group.id, args["enabled"])
        return {"group_id": group.id, "emails_enabled": group.emails_enabled}

    def _act_publish_credential(self, caller: Caller, args: dict[str, Any]) -> dict[str, Any]:
        try:
            credential_id = int(args["credential_id"])
        except (KeyError, TypeError, ValueError):
            raise ValueError("give 'credential_id'") from None
        credential = self.backend.publish_credential(caller, credential_id)
        return {"credential_id": credential.id, "approve": credential.approve}

    def _act_publish_group(self, caller: Caller, args: dict[str, Any]) -> dict[str, Any]:
        group = self._group(caller, args)
        published = self.backend.publish_group(caller, group.id)
        return {"group_id": group.id, "published": [c.id for c in published]}

    def _act_connect_canvas(self, caller: Caller, args: dict[str, Any]) -> dict[str, Any]:
        """Accredible's Canvas integration settings: Canvas's issuer, the developer key's client
        id, the deployment, and Canvas's authorization and key set URLs."""
        registration = self.backend.lti.connect(caller, args)
        return {
            "iss": registration.iss,
            "client_id": registration.client_id,
            "deployment_ids": registration.deployment_ids,
            "launch_url": f"{self.backend.public_url}/v1/canvas/lti/launch",
        }

    def _act_set_auto_publish(self, caller: Caller, args: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(args.get("enabled"), bool):
            raise ValueError("'enabled' must be true or false")
        issuer = self.backend.set_auto_publish(caller, args["enabled"])
        return {"auto_publish_api": issuer.auto_publish_api}

    # -- JSON face ----------------------------------------------------------------------------
    def control(self, request: ApiRequest) -> ApiResponse:
        """``POST /_sim/dashboard {"api_key", "action", ...}``: one dashboard action."""
        body = request.json()
        if request.method != "POST" or not isinstance(body, dict):
            raise ValueError("POST a JSON object with 'api_key' and 'action'")
        with self.backend.lock:
            caller = self.backend.authenticate(str(body.get("api_key", "")))
            args = {k: v for k, v in body.items() if k not in ("api_key", "action")}
            return json_response(self.act(caller, str(body.get("action")), args))

    # -- HTML face ----------------------------------------------------------------------------
    def _session(self, request: ApiRequest) -> Caller | None:
        key = self._sessions.get(request.cookie(SESSION_COOKIE) or "")
        if key is None:
            return None
        try:
            return self.backend.authenticate(key)
        except exc.InvalidKey:
            return None

    def login_page(self, request: ApiRequest) -> ApiResponse:
        if request.method == "POST":
            form = dict(request.form_pairs())
            key = form.get("api_key", "").strip()
            try:
                self.backend.authenticate(key)
            except exc.InvalidKey:
                return self._login_form("That API key is not valid on this server.", 401)
            token = secrets.token_hex(16)
            self._sessions[token] = key
            cookie = f"{SESSION_COOKIE}={token}; Path=/issuer; HttpOnly; SameSite=Lax"
            return _redirect("/issuer/dashboard", cookie)
        return self._login_form("")

    def _login_form(self, flash: str, status: int = 200) -> ApiResponse:
        note = f"<p class='flash'>{escape(flash)}</p>" if flash else ""
        region = self.backend.region.upper()
        return _page(
            f"Sign in ({region} server)",
            f"{note}<form method='post' action='/issuer/dashboard/login'>"
            "<label>API key <input name='api_key' autocomplete='off'></label> "
            "<button type='submit'>Sign in</button></form>",
            status,
        )

    def home(self, request: ApiRequest) -> ApiResponse:
        caller = self._session(request)
        if caller is None:
            return _redirect("/issuer/dashboard/login")
        rows = []
        for group in self.backend.list_groups(caller):
            credentials = self.backend.find_credentials(caller, group_id=group.id)
            waiting = sum(1 for c in credentials if not c.approve)
            design = "yes" if group.has_design else "none"
            rows.append(
                f"<tr><td><a href='/issuer/dashboard/group/{group.id}'>{escape(group.name)}</a></td>"
                f"<td>{escape(group.course_name)}</td><td>{design}</td>"
                f"<td>{'on' if group.emails_enabled else 'off'}</td>"
                f"<td>{len(credentials)}</td><td>{waiting}</td></tr>"
            )
        issuer = caller.issuer
        auto = "on" if issuer.auto_publish_api else "off"
        body = (
            f"<p>{escape(issuer.name)} · {issuer.certificate_left} credits left · automatic publishing "
            f"of API credentials: <b>{auto}</b> (<a href='/issuer/dashboard/settings'>settings</a>)</p>"
            "<table><tr><th>Group (identifier)</th><th>Display name</th><th>Design</th>"
            "<th>Emails</th><th>Credentials</th><th>Unapproved</th></tr>"
            + "".join(rows)
            + "</table>"
        )
        return _page("Groups", body)

    def group_page(self, request: ApiRequest, group_id: str) -> ApiResponse:
        caller = self._session(request)
        if caller is None:
            return _redirect("/issuer/dashboard/login")
        try:
            gid = int(group_id)
            group = self.backend.get_group(caller, gid)
        except (ValueError, exc.NotFound):
            return _page("Group not found", "<p><a href='/issuer/dashboard'>Back</a></p>", 404)
        flash = ""
        if request.method == "POST":
            flash = self._post_group(caller, group, dict(request.form_pairs()))
            if not flash:
                return _redirect(f"/issuer/dashboard/group/{group.id}")
        return self._group_html(caller, group, flash)

    def _post_group(self, caller: Caller, group: Group, form: dict[str, str]) -> str:
        """Apply one form; answer an error message, or "" on success."""
        action = form.get("action", "")
        try:
            if action == "save":
                self.act(
                    caller,
                    "rename_group",
                    {
                        "group_id": group.id,
                        "name": form.get("name", ""),
                        "course_name": form.get("course_name", ""),
                    },
                )
                for kind in ("certificate", "badge"):
                    raw = form.get(f"{kind}_design_id", "")
                    self.backend.update_group(
                        caller, group.id, {f"{kind}_design_id": int(raw) if raw else None}
                    )
                self.act(
                    caller,
                    "set_group_emails",
                    {"group_id": group.id, "enabled": form.get("emails") == "on"},
                )
            elif action == "publish":
                self.act(caller, "publish_credential", {"credential_id": form.get("credential_id")})
            elif action == "publish_all":
                self.act(caller, "publish_group", {"group_id": group.id})
            else:
                return f"Unknown action {action!r}."
        except exc.Unprocessable as err:
            return f"Not saved: {err.errors}"
        except ValueError as err:
            return f"Not saved: {err}"
        return ""

    def _group_html(self, caller: Caller, group: Group, flash: str) -> ApiResponse:
        rows = []
        for credential in self.backend.find_credentials(caller, group_id=group.id):
            state = "published" if credential.approve else "unapproved"
            button = (
                ""
                if credential.approve
                else "<form method='post'><input type='hidden' name='action' value='publish'>"
                f"<input type='hidden' name='credential_id' value='{credential.id}'>"
                "<button>Publish</button></form>"
            )
            rows.append(
                f"<tr><td>{escape(credential.recipient['name'])}</td>"
                f"<td>{escape(credential.recipient['email'])}</td><td>{state}</td><td>{button}</td></tr>"
            )
        note = f"<p class='flash'>{escape(flash)}</p>" if flash else ""
        checked = " checked" if group.emails_enabled else ""
        body = (
            f"{note}<p><a href='/issuer/dashboard'>All groups</a></p>"
            "<form method='post'><input type='hidden' name='action' value='save'>"
            f"<p><label>Identifier <input name='name' value='{escape(group.name, quote=True)}'></label></p>"
            f"<p><label>Display name <input name='course_name' value='{escape(group.course_name, quote=True)}'>"
            "</label></p>"
            f"{design_pickers(self.backend, caller, group)}"
            f"<p><label><input type='checkbox' name='emails'{checked}> Send email notifications for this "
            "group</label></p><button type='submit'>Save</button></form>"
            "<h2>Credentials</h2><form method='post'><input type='hidden' name='action' value='publish_all'>"
            "<button>Publish all unapproved</button></form>"
            "<table><tr><th>Recipient</th><th>Email</th><th>State</th><th></th></tr>"
            + "".join(rows)
            + "</table>"
        )
        return _page(f"Group {group.name}", body)

    def settings_page(self, request: ApiRequest) -> ApiResponse:
        caller = self._session(request)
        if caller is None:
            return _redirect("/issuer/dashboard/login")
        if request.method == "POST":
            form = dict(request.form_pairs())
            self.act(caller, "set_auto_publish", {"enabled": form.get("auto_publish") == "on"})
            return _redirect("/issuer/dashboard/settings")
        checked = " checked" if caller.issuer.auto_publish_api else ""
        return _page(
            "Settings · API",
            "<p><a href='/issuer/dashboard'>All groups</a></p><form method='post'>"
            f"<label><input type='checkbox' name='auto_publish'{checked}> Automatically publish "
            "Credentials created via the API</label> <button type='submit'>Save</button></form>",
        )
