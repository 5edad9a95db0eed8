"""A minimal LTI 1.3 tool built on pylti1p3 (the library real Python tools use), served as a WSGI
app at ``https://pytool.test`` on the fakes' in-process network. pylti1p3 needs a web framework
adapter; these few classes are one for werkzeug."""

from __future__ import annotations

import json
import secrets
from typing import Any

from pylti1p3.cookie import CookieService
from pylti1p3.exception import LtiException
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.oidc_login import OIDCLogin
from pylti1p3.redirect import Redirect
from pylti1p3.request import Request
from pylti1p3.session import SessionService
from pylti1p3.tool_config import ToolConfDict
from werkzeug.wrappers import Request as WzRequest
from werkzeug.wrappers import Response

BASE = "https://pytool.test"


class _Req(Request):
    def __init__(self, raw: WzRequest, session: dict[str, Any]) -> None:
        self.raw, self._session = raw, session

    @property
    def session(self) -> dict[str, Any]:
        return self._session

    def is_secure(self) -> bool:
        return True

    def get_param(self, key: str) -> Any:
        return self.raw.form.get(key) if self.raw.method == "POST" else self.raw.args.get(key)

    def get_cookie(self, key: str) -> Any:
        return self.raw.cookies.get(key)


class _Cookies(CookieService):
    def __init__(self, request: _Req) -> None:
        self.request = request
        self.pending: list[str] = []

    def get_cookie(self, name: str) -> Any:
        return self.request.get_cookie(f"{self._cookie_prefix}-{name}")

    def set_cookie(self, name: str, value: Any, exp: int | None = 3600) -> None:
        self.pending.append(
            f"{self._cookie_prefix}-{name}={value}; Path=/; Max-Age={exp}; SameSite=None; Secure"
        )


class _Redirect(Redirect):
    def __init__(self, location: str, cookies: _Cookies) -> None:
        self.location, self.cookies = location, cookies

    def do_redirect(self) -> Response:
        response = Response("", 302, {"Location": self.location})
        for cookie in self.cookies.pending:
            response.headers.add("Set-Cookie", cookie)
        return response

    def do_js_redirect(self) -> Response:
        return self.do_redirect()

    def set_redirect_url(self, location: str) -> None:
        self.location = location

    def get_redirect_url(self) -> str:
        return self.location


class _Login(OIDCLogin):
    def get_redirect(self, url: str) -> _Redirect:
        return _Redirect(url, self._cookie_service)


class _Launch(MessageLaunch):
    def _get_request_param(self, key: str) -> Any:
        return self._request.get_param(key)


class PyltiTool:
    """The tool: ``/login`` (OIDC initiation) and ``/launch`` (validates with pylti1p3)."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.conf = ToolConfDict(config)
        self.sessions: dict[str, dict[str, Any]] = {}
        self.launches: list[dict[str, Any]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        raw = WzRequest(environ)
        sid = raw.cookies.get("pytool_session") or secrets.token_hex(8)
        session = self.sessions.setdefault(sid, {})
        request = _Req(raw, session)
        cookies = _Cookies(request)
        if raw.path == "/login":
            response = _Login(request, self.conf, SessionService(request), cookies).redirect(
                f"{BASE}/launch"
            )
        elif raw.path == "/launch":
            try:
                launch = _Launch(request, self.conf, SessionService(request), cookies)
                claims = launch.get_launch_data()
                self.launches.append(claims)
                teacher = launch.check_teacher_access()
                body = f"<main id='pylti_ok' data-teacher='{teacher}'><pre>{json.dumps(claims)}</pre></main>"
                response = Response(body, 200, content_type="text/html")
            except LtiException as error:
                response = Response(
                    f"<p id='launch_error'>{error}</p>", 400, content_type="text/html"
                )
        else:
            response = Response("not found", 404)
        response.headers.add("Set-Cookie", f"pytool_session={sid}; Path=/; SameSite=None; Secure")
        return response(environ, start_response)


def tool_configuration() -> dict[str, Any]:
    """The JSON an admin pastes into a Canvas developer key for this tool."""
    return {
        "title": "PyTool",
        "target_link_uri": f"{BASE}/launch",
        "oidc_initiation_url": f"{BASE}/login",
        "public_jwk_url": f"{BASE}/jwks",
        "redirect_uris": [f"{BASE}/launch"],
        "extensions": [
            {
                "platform": "canvas.instructure.com",
                "privacy_level": "public",
                "settings": {"placements": []},
            }
        ],
    }
