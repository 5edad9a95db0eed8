"""Request and response types the service layers use, so they never touch werkzeug directly."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from io import BytesIO
from typing import Any
from urllib.parse import parse_qsl

import werkzeug.urls  # noqa: F401  (registers the "werkzeug.url_quote" codec error handler)
from werkzeug.formparser import parse_form_data
from werkzeug.http import parse_cookie
from werkzeug.sansio.utils import get_current_url, get_host

#: The largest request body the fakes read (1 MiB); a larger one is refused with 413.
MAX_BODY_BYTES = 1024 * 1024


class BadRequestBody(Exception):
    """The request body could not be parsed (malformed JSON, wrong content type)."""


class BodyTooLarge(BadRequestBody):
    """The request body is over :data:`MAX_BODY_BYTES`."""


@dataclass
class ApiResponse:
    """What a handler answers: status, body (JSON-able or text) and extra headers."""

    status: int
    body: Any
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "application/json; charset=utf-8"

    def body_bytes(self) -> bytes:
        """The body as sent on the wire (encoded once: the journal and the wire share it)."""
        if not isinstance(self.body, bytes):
            if isinstance(self.body, str):
                self.body = self.body.encode()
            else:
                self.body = json.dumps(self.body, separators=(",", ":")).encode()
        return self.body


def wire_headers(answer: ApiResponse, length: int) -> list[tuple[str, str]]:
    """The answer's headers as sent: Content-Type first, Content-Length last, and CR or LF in
    a value turned into spaces (a value built from request input must never split into two
    headers; werkzeug's ``Headers`` refused them, and both our serving paths use this)."""
    headers = [("Content-Type", answer.content_type), *answer.headers]
    for i, (name, value) in enumerate(headers):
        if "\r" in value or "\n" in value:
            headers[i] = (name, value.replace("\r", " ").replace("\n", " "))
    headers.append(("Content-Length", str(length)))
    return headers


def json_response(
    body: Any, status: int = 200, headers: list[tuple[str, str]] | None = None
) -> ApiResponse:
    """A JSON answer."""
    return ApiResponse(status, body, list(headers or []))


def text_response(
    body: str,
    status: int = 200,
    headers: list[tuple[str, str]] | None = None,
    content_type: str = "text/plain; charset=utf-8",
) -> ApiResponse:
    """A text (or HTML, with ``content_type``) answer."""
    return ApiResponse(status, body, list(headers or []), content_type)


#: The content type of every HTML page the fakes answer.
HTML = "text/html; charset=utf-8"


def html_page(
    title: str,
    body: str,
    status: int = 200,
    headers: list[tuple[str, str]] | None = None,
    *,
    head: str = "",
    body_class: str = "",
    lang: str = "en",
) -> ApiResponse:
    """A whole HTML page (``head`` goes after the title, ``body_class`` on ``<body>``)."""
    html_attrs = f" lang='{lang}'" if lang else ""
    body_attrs = f" class='{body_class}'" if body_class else ""
    return text_response(
        f"<!doctype html><html{html_attrs}><head><meta charset='utf-8'><title>{escape(title)}"
        f"</title>{head}</head><body{body_attrs}>{body}</body></html>",
        status,
        headers,
        content_type=HTML,
    )


def seed_specs(request: ApiRequest, key: str, required: tuple[str, str]) -> list[dict[str, Any]]:
    """The ``key`` list of a ``POST /_sim/seed`` JSON body, each entry an object with the
    ``required`` fields; ValueError (the control plane's 400) naming the first bad entry."""
    body = request.json()
    if request.method != "POST" or not isinstance(body, dict):
        first, second = required
        raise ValueError(
            f'POST a JSON object such as {{"{key}": [{{"{first}": ..., "{second}": ...}}]}}'
        )
    specs = body.get(key, [])
    if not isinstance(specs, list):
        raise ValueError(f"'{key}' must be a list")
    for i, spec in enumerate(specs):
        if not isinstance(spec, dict) or not all(spec.get(f) for f in required):
            raise ValueError(f"{key}[{i}] needs {' and '.join(repr(f) for f in required)}")
    return specs


class RequestHeaders(dict[str, str]):
    """Request headers by lower-case name; lookups ignore case. Built by werkzeug's server
    rules, so a header reads the same in-process and over sockets: repeated headers joined by
    ``,`` and names with ``_`` dropped (``X_Forwarded`` must not pose as ``X-Forwarded``)."""

    __slots__ = ()

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return dict.get(self, name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return dict.__getitem__(self, name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and dict.__contains__(self, name.lower())

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> RequestHeaders:
        headers = cls()
        for name, value in pairs:
            if "_" in name:
                continue
            key = name.lower()
            old = dict.get(headers, key)
            dict.__setitem__(headers, key, value if old is None else f"{old},{value}")
        return headers

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> RequestHeaders:
        headers = cls()
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                dict.__setitem__(headers, key[5:].replace("_", "-").lower(), value)
        for key, name in (("CONTENT_TYPE", "content-type"), ("CONTENT_LENGTH", "content-length")):
            if environ.get(key):
                dict.__setitem__(headers, name, environ[key])
        return headers


#: Characters a URL path may hold as they are (werkzeug's ``get_current_url`` leaves them alone).
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/_.~!$&'()*+,:;=@-]*")
_PLAIN_HOST = re.compile(r"[A-Za-z0-9.:\[\]-]*")


class ApiRequest:
    """A parsed request: method, path, headers, query, form or JSON body, public base URL.

    Built straight from the in-process transport's request or from a WSGI environ
    (:meth:`from_environ`), without werkzeug's request object: everything is parsed lazily,
    once. Parsing follows werkzeug 3 (query and urlencoded forms through ``parse_qsl`` with
    invalid bytes kept percent-encoded, an unreadable form is an empty form, multipart through
    werkzeug's parser), so both paths see the same values.
    """

    __slots__ = (
        "_args",
        "_base",
        "_base_url",
        "_body",
        "_cookies",
        "_files",
        "_form",
        "_host",
        "_json",
        "_json_done",
        "_server",
        "content_length",
        "headers",
        "method",
        "path",
        "query_string",
        "remote_addr",
        "scheme",
    )

    def __init__(
        self,
        method: str,
        path: str,
        *,
        query_string: str = "",
        headers: RequestHeaders | None = None,
        body: bytes | None = b"",
        scheme: str = "http",
        remote_addr: str = "127.0.0.1",
        server: tuple[str, int | None] | None = None,
        content_length: int | None = None,
    ) -> None:
        self.method = method.upper()
        self.path = "/" + path.lstrip("/")
        #: The query string as sent (latin-1 text, as WSGI carries it).
        self.query_string = query_string
        self.headers = headers if headers is not None else RequestHeaders()
        #: The client's address (rate limits count per address, as Accredible's do).
        self.remote_addr = remote_addr or "unknown"
        self.scheme = scheme
        #: ``None`` when the body was over :data:`MAX_BODY_BYTES` and left unread.
        self._body = body
        #: The body's length as declared (known also when the body was too large to read).
        self.content_length = len(body) if content_length is None and body else content_length
        self._server = server
        self._json: Any = None
        self._json_done = False
        self._args: list[tuple[str, str]] | None = None
        self._form: list[tuple[str, str]] | None = None
        self._files: Any = None
        self._cookies: Any = None
        self._host: str | None = None
        self._base: str | None = None
        self._base_url: str | None = None

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> ApiRequest:
        """The request a WSGI server (or werkzeug's test client) hands over. A body over
        :data:`MAX_BODY_BYTES` is not read; using it raises :class:`BodyTooLarge`."""
        length = _content_length(environ.get("CONTENT_LENGTH"))
        stream = environ.get("wsgi.input")
        body: bytes | None = b""
        if stream is not None:
            if length is not None and length > MAX_BODY_BYTES:
                body = None
            elif length:
                body = stream.read(length)
            elif length is None and environ.get("wsgi.input_terminated"):
                body = stream.read(MAX_BODY_BYTES + 1)
                if len(body) > MAX_BODY_BYTES:
                    body, length = None, len(body)
        port = environ.get("SERVER_PORT")
        return cls(
            environ.get("REQUEST_METHOD", "GET"),
            environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace"),
            query_string=environ.get("QUERY_STRING", ""),
            headers=RequestHeaders.from_environ(environ),
            body=body,
            scheme=environ.get("wsgi.url_scheme", "http"),
            remote_addr=environ.get("REMOTE_ADDR") or "unknown",
            server=(environ.get("SERVER_NAME", ""), int(port)) if port and port.isdigit() else None,
            content_length=length,
        )

    # -- where the request went -------------------------------------------------------------
    @property
    def host(self) -> str:
        """``host[:port]`` the client asked for (the port left out when it is the default)."""
        if self._host is None:
            self._host = get_host(self.scheme, self.headers.get("host"), self._server)
        return self._host

    @property
    def base_url(self) -> str:
        """Scheme and host the client used, without a trailing slash (``http://h:p``)."""
        if self._base is None:
            host = self.host
            if _PLAIN_HOST.fullmatch(host):
                self._base = f"{self.scheme}://{host}"
            else:
                self._base = get_current_url(self.scheme, host, "").rstrip("/")
        return self._base

    @property
    def url_without_query(self) -> str:
        """The absolute URL of this request, without its query string."""
        if self._base_url is None:
            host = self.host
            if _PLAIN_PATH.fullmatch(self.path) and _PLAIN_HOST.fullmatch(host):
                self._base_url = f"{self.base_url}{self.path}"
            else:
                self._base_url = get_current_url(self.scheme, host, "", self.path)
        return self._base_url

    def cookie(self, name: str) -> str | None:
        if self._cookies is None:
            self._cookies = parse_cookie(self.headers.get("cookie", ""))
        return self._cookies.get(name)

    # -- parameters and body ------------------------------------------------------------------
    @property
    def mimetype(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def is_json(self) -> bool:
        mimetype = self.mimetype
        return mimetype == "application/json" or mimetype.endswith("+json")

    def query_pairs(self) -> list[tuple[str, str]]:
        """The query string as ordered (name, value) pairs, repeated names kept."""
        if self._args is None:
            self._args = _parse_pairs(
                self.query_string.encode("latin-1").decode("utf-8", "replace")
            )
        return list(self._args)

    def form_pairs(self) -> list[tuple[str, str]]:
        """A form body as ordered pairs (empty for JSON or no body)."""
        body = self.body_bytes()  # BodyTooLarge first, whatever the content type
        if self._form is None:
            mimetype = self.mimetype
            if mimetype == "application/x-www-form-urlencoded":
                try:
                    self._form = _parse_pairs(body.decode())
                except ValueError:  # werkzeug too: an unreadable form is an empty one
                    self._form = []
            elif mimetype == "multipart/form-data":
                self._parse_multipart()
            else:
                self._form = []
        assert self._form is not None
        return list(self._form)

    def _parse_multipart(self) -> None:
        body = self.body_bytes()
        environ = {
            "REQUEST_METHOD": self.method,
            "CONTENT_TYPE": self.headers.get("content-type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": BytesIO(body),
        }
        _, form, files = parse_form_data(environ)
        self._form, self._files = list(form.items(multi=True)), files

    def file_bytes(self, field: str) -> bytes:
        """The bytes of an uploaded file field (multipart), or the raw body if there is none."""
        body = self.body_bytes()
        if self.mimetype == "multipart/form-data":
            if self._files is None:
                self._parse_multipart()
            upload = self._files.get(field)
            if upload is not None:
                return upload.read()
        return body

    def body_bytes(self) -> bytes:
        """The raw body; :class:`BodyTooLarge` when it was over :data:`MAX_BODY_BYTES`."""
        if self._body is None:
            raise BodyTooLarge(f"request body over {MAX_BODY_BYTES} bytes")
        return self._body

    def body_as_read(self) -> bytes:
        """The body as read: empty when it was too large to read (for the journal)."""
        return self._body or b""

    def body_text(self) -> str:
        """The raw body as text (for the journal)."""
        return self.body_bytes().decode("utf-8", "replace")

    def json(self) -> Any:
        """The JSON body, ``None`` when there is none; :class:`BadRequestBody` when malformed."""
        if not self._json_done:
            data = self.body_bytes()
            if data.strip():
                try:
                    self._json = json.loads(data)
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    raise BadRequestBody(f"malformed JSON body: {exc}") from None
                except RecursionError:  # found by the endpoint fuzz: "[[[[...]]]]" was a 500
                    raise BadRequestBody("malformed JSON body: nested too deeply") from None
            self._json_done = True
        return self._json


def _parse_pairs(text: str) -> list[tuple[str, str]]:
    return parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")


def _content_length(raw: str | None) -> int | None:
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 0 else None
