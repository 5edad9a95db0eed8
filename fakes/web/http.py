"""Request and response types the service layers use, so they never touch werkzeug directly."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request

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


class ApiRequest:
    """A parsed request: method, path, headers, query, form or JSON body, public base URL."""

    __slots__ = ("_json", "_json_done", "_params", "_raw")

    def __init__(self, raw: Request) -> None:
        self._raw = raw
        self._json: Any = None
        self._json_done = False
        self._params: dict[str, Any] | None = None

    @property
    def method(self) -> str:
        return self._raw.method

    @property
    def path(self) -> str:
        return self._raw.path

    @property
    def headers(self) -> Headers:
        return self._raw.headers

    @property
    def remote_addr(self) -> str:
        """The client's address (rate limits count per address, as Accredible's do)."""
        return self._raw.remote_addr or "unknown"

    def cookie(self, name: str) -> str | None:
        return self._raw.cookies.get(name)

    @property
    def query_string(self) -> str:
        return self._raw.query_string.decode("latin-1")

    @property
    def base_url(self) -> str:
        """Scheme and host the client used, without a trailing slash (``http://h:p``)."""
        return self._raw.host_url.rstrip("/")

    @property
    def url_without_query(self) -> str:
        """The absolute URL of this request, without its query string."""
        return self._raw.base_url

    def query_pairs(self) -> list[tuple[str, str]]:
        """The query string as ordered (name, value) pairs, repeated names kept."""
        return list(self._raw.args.items(multi=True))

    def _check_size(self) -> None:
        if (self._raw.content_length or 0) > MAX_BODY_BYTES:
            raise BodyTooLarge(f"request body over {MAX_BODY_BYTES} bytes")

    def form_pairs(self) -> list[tuple[str, str]]:
        """A form body as ordered pairs (empty for JSON or no body)."""
        self._check_size()
        if self._raw.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return list(self._raw.form.items(multi=True))
        return []

    def file_bytes(self, field: str) -> bytes:
        """The bytes of an uploaded file field (multipart), or the raw body if there is none."""
        self._check_size()
        upload = self._raw.files.get(field)
        if upload is not None:
            return upload.read()
        return self._raw.get_data()

    @property
    def is_json(self) -> bool:
        return self._raw.mimetype == "application/json" or self._raw.mimetype.endswith("+json")

    def body_bytes(self) -> bytes:
        """The raw body."""
        return self._raw.get_data()

    def body_text(self) -> str:
        """The raw body as text (for the journal)."""
        return self._raw.get_data(as_text=True)

    def json(self) -> Any:
        """The JSON body, ``None`` when there is none; :class:`BadRequestBody` when malformed."""
        if not self._json_done:
            self._check_size()
            data = self._raw.get_data()
            if len(data) > MAX_BODY_BYTES:
                raise BodyTooLarge(f"request body over {MAX_BODY_BYTES} bytes")
            if data.strip():
                try:
                    self._json = json.loads(data)
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    raise BadRequestBody(f"malformed JSON body: {exc}") from None
                except RecursionError:  # found by the endpoint fuzz: "[[[[...]]]]" was a 500
                    raise BadRequestBody("malformed JSON body: nested too deeply") from None
            self._json_done = True
        return self._json
