"""The pages of Canvas a person sees, and Canvas's LTI 1.3 endpoints that browsers pass through.

- ``/login/session_token``: the API hands out a one-time URL; a browser that opens it is signed
  in (cookie ``canvas_session``).
- ``/courses/:cid/modules/items/:id``: the module item page. A locked item shows its lock
  explanation and never launches; an ExternalTool item renders the launch template of
  reference section 7 (the login form auto-submitted into the ``tool_content`` iframe, or with
  ``new_tab`` the "Load Accredible in a new window" button).
- ``/courses/:cid/external_tools/:id``: the course navigation link, same template.
- ``/api/lti/authorize_redirect``: the OIDC authorization endpoint; answers the auto-submitted
  form that posts the id_token to the tool.
- ``/api/lti/security/jwks``: Canvas's public keys.

The launch template follows canvas-lms ``app/views/lti/_lti_message.html.erb`` and
``ui/features/external_tools_show/jquery/tool_inline.js``; forms that the page's script submits
end in ``document.getElementById("…").submit()``, which the simulated browser runs too.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from fakes.canvas import exceptions as exc
from fakes.canvas.lti import LaunchRefused
from fakes.canvas.models import CanvasBackend
from fakes.canvas.progression import lock_explanation
from fakes.canvas.records import Course, ExternalTool, ModuleItem, User
from fakes.web import HTML, ApiRequest, ApiResponse, html_page, json_response, text_response

SESSION_COOKIE = "canvas_session"


def page(
    title: str, body: str, status: int = 200, headers: list[tuple[str, str]] | None = None
) -> ApiResponse:
    return html_page(title, body, status, headers, body_class="canvas")


def hidden_inputs(fields: dict[str, str]) -> str:
    return "".join(
        f"<input type='hidden' name='{escape(k, quote=True)}' value='{escape(v, quote=True)}'>"
        for k, v in fields.items()
    )


def auto_post(action: str, fields: dict[str, str], form_id: str, title: str) -> ApiResponse:
    """A page whose script posts ``fields`` to ``action`` at once (Canvas's authorize view)."""
    return page(
        title,
        f"<form id='{form_id}' method='post' action='{escape(action, quote=True)}'>{hidden_inputs(fields)}"
        f"<noscript><button type='submit'>Continue</button></noscript></form>"
        f'<script>document.getElementById("{form_id}").submit();</script>',
    )


def _login_required() -> ApiResponse:
    return page(
        "Log In to Canvas",
        "<p id='login_required'>You must be logged in to see this page.</p>",
        401,
    )


def _not_found() -> ApiResponse:
    return page("Page Not Found", "<p id='not_found'>Oops, we couldn't find that page.</p>", 404)


class CanvasPages:
    """Handlers of the browser-facing pages and LTI endpoints."""

    def __init__(self, backend: CanvasBackend) -> None:
        self.backend = backend

    # -- signing in ---------------------------------------------------------------------------
    def session_token(self, request: ApiRequest) -> ApiResponse:
        """``GET /login/session_token``: with a Bearer token, the API answer
        ``{"session_url": ...}``; with ``?session_token=``, a browser signing in."""
        args = dict(request.query_pairs())
        if "session_token" in args:
            session = self.backend.open_session(args["session_token"])
            if session is None:
                return page(
                    "Login", "<p id='error'>This login link is invalid or has expired.</p>", 401
                )
            cookie = f"{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=None; Secure"
            target = args.get("return_to") or "/"
            if not target.startswith("/"):
                target = "/"
            return text_response(
                "", 302, [("Location", target), ("Set-Cookie", cookie)], content_type=HTML
            )
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise exc.Unauthenticated()
        user = self.backend.authenticate(token.strip())
        url = f"{request.base_url}/login/session_token?session_token={self.backend.session_url_token(user)}"
        if args.get("return_to"):
            url += "&" + urlencode({"return_to": args["return_to"]})
        return json_response({"session_url": url})

    def _viewer(self, request: ApiRequest) -> User | None:
        return self.backend.session_user(request.cookie(SESSION_COOKIE))

    def dashboard(self, request: ApiRequest) -> ApiResponse:
        user = self._viewer(request)
        if user is None:
            return _login_required()
        courses = "".join(
            f"<li><a href='/courses/{c.id}'>{escape(c.name)}</a></li>"
            for c in self.backend.list_courses(user)
        )
        return page(
            "Dashboard",
            f"<h1>Dashboard</h1><p id='user'>{escape(user.name)}</p><ul id='courses'>{courses}</ul>",
        )

    # -- the module item page -----------------------------------------------------------------
    def item_page(self, request: ApiRequest, course_id: int, item_id: int) -> ApiResponse:
        user = self._viewer(request)
        if user is None:
            return _login_required()
        backend = self.backend
        try:
            item = backend.find_item(user, course_id, item_id)
        except (exc.ResourceNotFound, exc.NotAuthorized):
            return _not_found()
        course = backend.courses[course_id]
        module = backend.modules[item.module_id]
        if backend.is_student(user, course):
            locked, status = backend.item_lock(user, item)
            if locked:
                explanation = lock_explanation(module, status, item)
                return page(
                    f"{item.title}: {course.name}",
                    f"{self._crumbs(course, module.name, item.title)}"
                    f"<div id='lock_explanation' class='lock_explanation'>{explanation}</div>",
                )
        backend.view_item(user, item)  # content_tag_redirect records :read before the launch
        if item.type != "ExternalTool":
            return page(
                f"{item.title}: {course.name}",
                f"{self._crumbs(course, module.name, item.title)}<div id='content' data-item-type='{item.type}'>"
                f"{escape(item.title)}</div>",
            )
        tool = backend.tools.get(item.content_id or 0)
        return self._launch_page(
            user, course, tool, item, None, item.new_tab, item.title, module.name
        )

    def nav_page(self, request: ApiRequest, course_id: int, tool_id: int) -> ApiResponse:
        """The course navigation link of a tool (``/courses/:id/external_tools/:tool_id``)."""
        user = self._viewer(request)
        if user is None:
            return _login_required()
        backend = self.backend
        try:
            course = backend.get_course(user, course_id)
        except (exc.ResourceNotFound, exc.NotAuthorized):
            return _not_found()
        tool = next((t for t in backend.tools_for("Course", course.id) if t.id == tool_id), None)
        nav = tool.placements.get("course_navigation") if tool else None
        if tool is None or nav is None:
            return _not_found()
        label = str(nav.get("text") or tool.name)
        new_window = nav.get("windowTarget") == "_blank"
        return self._launch_page(
            user, course, tool, None, "course_navigation", new_window, label, None
        )

    @staticmethod
    def _crumbs(course: Course, module_name: str | None, title: str) -> str:
        parts = [f"<a href='/courses/{course.id}'>{escape(course.course_code)}</a>"]
        if module_name:
            parts.append(f"<a href='/courses/{course.id}/modules'>{escape(module_name)}</a>")
        parts.append(f"<span>{escape(title)}</span>")
        return f"<nav id='breadcrumbs'>{' &gt; '.join(parts)}</nav>"

    def _launch_page(
        self,
        user: User,
        course: Course,
        tool: ExternalTool | None,
        item: ModuleItem | None,
        placement: str | None,
        new_tab: bool,
        link_text: str,
        module_name: str | None,
    ) -> ApiResponse:
        crumbs = self._crumbs(course, module_name, link_text)
        if tool is None or tool.developer_key_id is None:
            return page(
                link_text,
                f"{crumbs}<div id='tool_error'>The app for this link is not installed or is not an LTI 1.3 "
                "app, so Canvas cannot launch it. Ask your Canvas admin to install it.</div>",
            )
        try:
            fields = self.backend.lti.begin_launch(user, tool, course, item, placement)
        except LaunchRefused as refused:
            return page(
                link_text, f"{crumbs}<div id='tool_error'>{escape(refused.description)}</div>"
            )
        key = self.backend.developer_keys[tool.developer_key_id]
        launch_type = "window" if new_tab else ""
        target = "_blank" if new_tab else "tool_content"
        load_tab_style = "" if new_tab else " style='display:none'"
        script = (
            ""
            if new_tab
            else '<script>document.getElementById("tool_form").submit();</script>'  # tool_inline.js
        )
        body = (
            f"{crumbs}"
            f"<form action='{escape(key.oidc_initiation_url, quote=True)}' class='hide' method='POST' "
            f"target='{target}' id='tool_form' data-tool-launch-type='{launch_type}' data-tool-id='{tool.id}'>"
            f"{hidden_inputs(fields)}"
            f"<div class='load_tab'{load_tab_style}>This tool needs to be loaded in a new browser window"
            f"<div class='load_tab_button'><button class='btn' type='submit' id='load_tab_button'>"
            f"Load {escape(link_text)} in a new window</button></div></div>"
            "<div class='tab_loaded' style='display:none'>This tool was successfully loaded in a new browser "
            "window. Reload the page to access the tool again.</div></form>"
            f"<iframe src='about:blank' name='tool_content' id='tool_content' class='tool_launch' "
            f"title='{escape(link_text, quote=True)}' allow='clipboard-write' data-lti-launch='true' "
            "style='width:100%;height:480px;border:1px solid #c7cdd1'></iframe>"
            "<div id='module_sequence_footer'></div>"
            f"{script}"
        )
        return page(f"{link_text}: {course.name}", body)

    # -- OIDC ---------------------------------------------------------------------------------
    def authorize_redirect(self, request: ApiRequest) -> ApiResponse:
        """``/api/lti/authorize_redirect`` (GET or POST): check the tool's authentication
        request and post the id_token (or the OIDC error) back to its ``redirect_uri``."""
        params = (
            dict(request.query_pairs()) if request.method == "GET" else dict(request.form_pairs())
        )
        user = self._viewer(request)
        try:
            redirect_uri, id_token, state = self.backend.lti.authorize(params, user)
        except LaunchRefused as refused:
            if not refused.redirectable:
                return page(
                    "Invalid request",
                    f"<p id='error'>{escape(refused.error)}: {escape(refused.description)}</p>",
                    400,
                )
            fields = {
                "error": refused.error,
                "error_description": refused.description,
                "state": params.get("state", ""),
            }
            return auto_post(
                params["redirect_uri"], fields, "authorization_redirect_form", "Redirecting"
            )
        fields = {
            "id_token": id_token,
            "state": state,
            "lti_storage_target": "post_message_forwarding",
        }
        return auto_post(redirect_uri, fields, "authorization_redirect_form", "Redirecting")

    def jwks(self, request: ApiRequest) -> ApiResponse:
        return json_response(
            self.backend.lti.keys.jwks(), 200, [("Cache-Control", "max-age=864000, private")]
        )

    def control_lti_keys(self, request: ApiRequest) -> ApiResponse:
        """``POST /_sim/lti_keys {"rotate": true}`` starts a key rollover (old key still
        published); ``{"retire": true}`` stops publishing the old one."""
        body: dict[str, Any] = request.json() or {}
        keys = self.backend.lti.keys
        if request.method == "POST":
            if body.get("rotate"):
                keys.rotate()
            if body.get("retire"):
                keys.retire()
        return json_response(
            {"current": keys.current.kid, "published": [k.kid for k in keys.published]}
        )
