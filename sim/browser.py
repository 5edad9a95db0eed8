"""A simulated browser, one per person: windows and frames, redirects, forms the page's script
submits, ``target="_blank"`` windows, and the cookie and framing rules real browsers apply.

What it models, as Chrome does by default (and Safari when third-party cookies are blocked):

- cookies keep Domain, Path, Expires/Max-Age (on the scenario's clock), Secure, HttpOnly,
  SameSite (``Lax`` when absent) and Partitioned; ``SameSite=None`` needs ``Secure``; Secure
  cookies need a secure context (https, or a loopback name as Chrome treats them);
- a *site* is scheme plus registrable domain (ports do not count): ``https://canvas.test`` and
  ``https://api.accredible.test`` are different sites, ``api.`` and ``eu.api.accredible.test``
  the same one;
- a top-level navigation sends ``Lax`` cookies on cross-site GETs, not on cross-site POSTs,
  except cookies set without a SameSite attribute less than two minutes ago (Chrome's
  "Lax-allowing-unsafe" window); ``Strict`` ones only same-site;
- inside a frame whose top-level site differs from the frame's, only ``SameSite=None`` cookies
  are sent or stored, and only when the browser allows third-party cookies; ``Partitioned``
  cookies live in a jar keyed by the top-level site;
- ``X-Frame-Options`` and CSP ``frame-ancestors`` block a frame (the person sees a blocked
  frame).

Not modelled: JavaScript beyond ``document.getElementById(...).submit()``, storage access
prompts, HSTS, the public suffix list (registrable domain = the last two labels).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from urllib.parse import urlencode, urljoin, urlsplit

import httpx

from sim.html import Document, Element

THIRD_PARTY = ("allow", "block")
LAX_ALLOWING_UNSAFE = timedelta(minutes=2)
REDIRECTS = (301, 302, 303, 307, 308)


def site_of(url: str) -> str:
    """Scheme and registrable domain: ``https://eu.api.accredible.test:8443/x`` → ``https://accredible.test``."""
    parts = urlsplit(url)
    return _site(parts.scheme, (parts.hostname or "").lower())


@lru_cache(maxsize=1024)
def _site(scheme: str, host: str) -> str:
    try:
        ipaddress.ip_address(host)
        return f"{scheme}://{host}"
    except ValueError:
        labels = host.split(".")
        return f"{scheme}://{'.'.join(labels[-2:])}"


def is_secure(url: str) -> bool:
    """A secure context: https, or loopback names (which Chrome treats as potentially
    trustworthy)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return (
        parts.scheme == "https"
        or host == "localhost"
        or host.endswith(".localhost")
        or host.startswith("127.")
    )


@dataclass
class Cookie:
    name: str
    value: str
    domain: str
    host_only: bool
    path: str
    expires: datetime | None
    secure: bool
    http_only: bool
    same_site: str  # strict | lax | none
    same_site_explicit: bool
    partition: str | None
    created: datetime

    def matches(self, url: str, now: datetime) -> bool:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if self.expires is not None and self.expires <= now:
            return False
        if self.host_only and host != self.domain:
            return False
        if not self.host_only and not (host == self.domain or host.endswith("." + self.domain)):
            return False
        path = parts.path or "/"
        if not (
            path == self.path or path.startswith(self.path.rstrip("/") + "/") or self.path == "/"
        ):
            return False
        return not (self.secure and not is_secure(url))


@dataclass
class Context:
    """Where a request happens: the top-level site, and whether it is a top-level navigation."""

    top_site: str
    top_level: bool
    initiator_site: str | None
    method: str


class CookieJar:
    """One browser's cookies, with the SameSite, third-party and partitioning rules."""

    def __init__(self, clock: Callable[[], datetime], third_party: str) -> None:
        self.clock = clock
        self.third_party = third_party
        self.cookies: list[Cookie] = []
        #: Why cookies were refused, newest last (what a browser's devtools would show).
        self.refused: list[str] = []

    def _cross_site(self, url: str, ctx: Context) -> bool:
        site = site_of(url)
        if ctx.top_level:
            return ctx.initiator_site is not None and ctx.initiator_site != site
        # Inside a frame what counts is the frame's site against the top-level site.
        return site != ctx.top_site

    def header_for(self, url: str, ctx: Context) -> str:
        now = self.clock()
        cross = self._cross_site(url, ctx)
        chosen = []
        for cookie in self.cookies:
            if not cookie.matches(url, now):
                continue
            partition_key = site_of(url) if ctx.top_level else ctx.top_site
            if cookie.partition is not None and cookie.partition != partition_key:
                continue
            if cross:
                if ctx.top_level:
                    safe = ctx.method in ("GET", "HEAD")
                    allowed = cookie.same_site == "none" or (cookie.same_site == "lax" and safe)
                    if (
                        not allowed
                        and cookie.same_site == "lax"
                        and not cookie.same_site_explicit
                        and now - cookie.created <= LAX_ALLOWING_UNSAFE
                    ):
                        allowed = True
                else:
                    allowed = cookie.same_site == "none" and (
                        self.third_party == "allow" or cookie.partition == ctx.top_site
                    )
                if not allowed:
                    continue
            chosen.append(cookie)
        chosen.sort(key=lambda c: -len(c.path))
        return "; ".join(f"{c.name}={c.value}" for c in chosen)

    def store(self, header: str, url: str, ctx: Context) -> bool:
        """Store one ``Set-Cookie``; answer whether the browser kept it."""
        now = self.clock()
        parts = [p.strip() for p in header.split(";")]
        name, _, value = parts[0].partition("=")
        attrs: dict[str, str] = {}
        for part in parts[1:]:
            key, _, val = part.partition("=")
            attrs[key.strip().lower()] = val.strip()
        host = (urlsplit(url).hostname or "").lower()
        domain = attrs.get("domain", "").lstrip(".").lower()
        if domain and not (host == domain or host.endswith("." + domain)):
            return self._refuse(name, f"Domain {domain} does not match {host}")
        same_site = attrs.get("samesite", "").lower()
        explicit = same_site in ("strict", "lax", "none")
        same_site = same_site if explicit else "lax"
        secure = "secure" in attrs
        partitioned = "partitioned" in attrs
        if secure and not is_secure(url):
            return self._refuse(name, "Secure cookie from an insecure origin")
        if same_site == "none" and not secure:
            return self._refuse(name, "SameSite=None without Secure")
        if partitioned and not secure:
            return self._refuse(name, "Partitioned without Secure")
        partition = None
        if self._cross_site(url, ctx) and not ctx.top_level:
            if same_site != "none":
                return self._refuse(
                    name, f"SameSite={same_site.title()} cookie set in a cross-site frame"
                )
            if partitioned:
                partition = ctx.top_site
            elif self.third_party != "allow":
                return self._refuse(name, "third-party cookies are blocked")
        expires: datetime | None = None
        if "max-age" in attrs:
            try:
                expires = now + timedelta(seconds=int(attrs["max-age"]))
            except ValueError:
                pass
        elif "expires" in attrs:
            try:
                expires = parsedate_to_datetime(attrs["expires"])
            except (TypeError, ValueError):
                pass
        cookie = Cookie(
            name.strip(), value.strip(), domain or host, not domain, attrs.get("path") or "/", expires,
            secure, "httponly" in attrs, same_site, explicit, partition, now,
        )  # fmt: skip
        self.cookies = [
            c for c in self.cookies
            if not (c.name == cookie.name and c.domain == cookie.domain and c.path == cookie.path and c.partition == partition)
        ]  # fmt: skip
        if expires is None or expires > now:
            self.cookies.append(cookie)
        return True

    def _refuse(self, name: str, why: str) -> bool:
        self.refused.append(f"{name}: {why}")
        return False


@dataclass
class Frame:
    """A frame (``<iframe name=...>``) of a window."""

    name: str
    url: str = "about:blank"
    status: int = 0
    doc: Document | None = None
    blocked: str | None = None


@dataclass
class Window:
    """A top-level window (a tab) with its frames."""

    browser: Browser
    url: str = "about:blank"
    status: int = 0
    doc: Document | None = None
    frames: dict[str, Frame] = field(default_factory=dict)
    opener: Window | None = None

    @property
    def site(self) -> str:
        return site_of(self.url)

    def click(self, button_text: str) -> None:
        """Click the (visible) button whose text contains ``button_text``: submits its form."""
        assert self.doc is not None, "the window shows nothing"
        for button in self.doc.all("button"):
            if button_text.lower() in button.text().lower() and not button.hidden():
                form = self.doc.form_of(button)
                if form is None:
                    raise LookupError(f"the button {button_text!r} is not in a form")
                self.browser.submit(self, None, form, {})
                return
        raise LookupError(f"no visible button {button_text!r} on {self.url}")

    def submit(
        self, form_id: str, values: dict[str, str] | None = None, *, frame: str | None = None
    ) -> None:
        """Fill in ``values`` and submit the form ``form_id`` (in the window or one frame)."""
        doc = self.frames[frame].doc if frame else self.doc
        assert doc is not None, "nothing loaded there"
        form = doc.by_id(form_id)
        if form is None:
            raise LookupError(f"no form {form_id!r} on the page")
        self.browser.submit(self, frame, form, values or {})


class _Answer:
    """What came back for one request: status, headers (names in lower case), body."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = [(k.lower(), v) for k, v in headers]
        self.body = body

    def header(self, name: str) -> str:
        """The first ``name`` header, ``""`` when there is none."""
        return next((v for k, v in self.headers if k == name), "")

    def header_list(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]

    def text(self) -> str:
        """The body decoded by the charset its Content-Type names (UTF-8 when none)."""
        charset = "utf-8"
        for param in self.header("content-type").split(";")[1:]:
            key, _, value = param.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip("\"'")
        try:
            return self.body.decode(charset, "replace")
        except LookupError:
            return self.body.decode("utf-8", "replace")


#: What every browser request may take (connect, read, write, pool), as httpx reads it.
_TIMEOUT = {"timeout": httpx.Timeout(30.0).as_dict()}


class Browser:
    """One person's browser on a network (the fakes' in-process router or loopback)."""

    def __init__(
        self,
        network: httpx.BaseTransport,
        clock: Callable[[], datetime],
        *,
        third_party_cookies: str = "allow",
        name: str = "browser",
        run_scripts: bool = True,
    ) -> None:
        if third_party_cookies not in THIRD_PARTY:
            raise ValueError(f"third_party_cookies must be one of {THIRD_PARTY}")
        self.name = name
        #: False pauses at every auto-submitted form (a test can read or change it first).
        self.run_scripts = run_scripts
        #: Shared with every other browser and the scenario's API clients; never closed here
        #: (the load test found a browser closing it reset 30 other students' sockets).
        self.network = network
        self.jar = CookieJar(clock, third_party_cookies)
        self.windows: list[Window] = []
        #: Every request the browser sent (method, url, status), for reports.
        self.history: list[tuple[str, str, int]] = []
        #: Every form POST: (window, frame, url, fields), so it can be sent again.
        self.posts: list[tuple[Window, str | None, str, list[tuple[str, str]]]] = []

    def open(self, url: str) -> Window:
        """A person types ``url`` into a new tab."""
        window = Window(self)
        self.windows.append(window)
        self._load(window, None, "GET", url, None, None)
        return window

    def close(self) -> None:
        """Close every window (the network belongs to its owner, ``Fakes.close``)."""
        self.windows = []

    def _send(self, method: str, url: str, headers: dict[str, str], content: str | None) -> _Answer:
        """A request on the network: straight to an in-process fake when the network can
        (``WorldTransport.exchange``), through :meth:`fetch` otherwise (sockets, other sites)."""
        exchange = getattr(self.network, "exchange", None)
        if exchange is not None:
            answered = exchange(method, url, headers, content.encode() if content else b"")
            if answered is not None:
                return _Answer(*answered)
        response = self.fetch(method, url, headers, content)
        return _Answer(response.status_code, response.headers.multi_items(), response.content)

    def fetch(
        self, method: str, url: str, headers: dict[str, str], content: str | None = None
    ) -> httpx.Response:
        """One request on the network as this browser sends it (the caller gives the cookies).
        No client-side cookie store or redirect handling (this browser's jar and :meth:`_load`
        do both), so it goes straight to the transport (an ``httpx.Client`` around it cost
        ~0.1 ms a request)."""
        request = httpx.Request(method, url, headers=headers, content=content, extensions=_TIMEOUT)
        response = self.network.handle_request(request)
        try:
            response.read()
        finally:
            response.close()
        response.request = request
        return response

    def replay_last_post(self, url_contains: str = "") -> tuple[Window, str | None]:
        """Send the last form POST (to a URL containing ``url_contains``) again, as a person
        pressing Back and resubmitting would (or a replay attacker holding the cookies)."""
        found = next((p for p in reversed(self.posts) if url_contains in p[2]), None)
        if found is None:
            raise LookupError(f"no earlier POST to a URL containing {url_contains!r}")
        window, frame, url, fields = found
        self._load(window, frame, "POST", url, list(fields), site_of(url))
        return window, frame

    # -- loading documents --------------------------------------------------------------------
    def submit(
        self, window: Window, frame: str | None, form: Element, values: dict[str, str]
    ) -> None:
        base = window.frames[frame].url if frame else window.url
        doc = window.frames[frame].doc if frame else window.doc
        assert doc is not None
        fields = [(k, values.get(k, v)) for k, v in doc.form_fields(form)]
        fields += [(k, v) for k, v in values.items() if k not in {name for name, _ in fields}]
        action = urljoin(base, form.attrs.get("action") or base)
        method = form.attrs.get("method", "GET").upper()
        target = form.attrs.get("target", "")
        initiator = site_of(base)
        if target == "_blank":
            new = Window(self, opener=window)
            self.windows.append(new)
            self._load(new, None, method, action, fields, initiator)
        elif target and target in window.frames:
            self._load(window, target, method, action, fields, initiator)
        elif target == "_top":
            self._load(window, None, method, action, fields, initiator)
        else:
            self._load(window, frame, method, action, fields, initiator)

    def _load(
        self,
        window: Window,
        frame: str | None,
        method: str,
        url: str,
        fields: list[tuple[str, str]] | None,
        initiator: str | None,
        depth: int = 0,
    ) -> None:
        if depth > 8:
            raise RuntimeError("too many auto-submitted forms in a row")
        top_level = frame is None
        response = None
        for _ in range(20):
            ctx = Context(site_of(url) if top_level else window.site, top_level, initiator, method)
            headers = {
                "User-Agent": f"casim-browser ({self.name})",
                "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
            }
            cookie = self.jar.header_for(url, ctx)
            if cookie:
                headers["Cookie"] = cookie
            content = None
            if method == "POST":
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                content = urlencode(fields or [])
            if method == "POST":
                self.posts.append((window, frame, url, list(fields or [])))
            try:
                response = self._send(method, url, headers, content)
            except (
                httpx.TransportError,
                OSError,
            ) as error:  # the server cut the connection or never answered
                html = f"<div id='network_error'>This page could not be loaded: {type(error).__name__}.</div>"
                response = _Answer(0, [("content-type", "text/html")], html.encode())
            self.history.append((method, url, response.status))
            for set_cookie in response.header_list("set-cookie"):
                self.jar.store(set_cookie, url, ctx)
            location = response.header("location")
            if response.status in REDIRECTS and location:
                initiator = site_of(url)
                url = urljoin(url, location)
                if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                    method, fields = "GET", None
                continue
            break
        assert response is not None
        html = (
            response.text()
            if "html" in response.header("content-type")
            else f"<pre>{response.text()}</pre>"
        )
        doc = Document.parse(html)
        if top_level:
            window.url, window.status, window.doc = url, response.status, doc
            window.frames = {
                f.attrs["name"]: Frame(f.attrs["name"])
                for f in doc.all("iframe")
                if f.attrs.get("name")
            }
            container: Window | Frame = window
        else:
            target = window.frames.setdefault(frame, Frame(frame))  # type: ignore[arg-type]
            target.url, target.status, target.doc, target.blocked = (
                url,
                response.status,
                doc,
                None,
            )
            refusal = _framing_refusal(response.header, url, window.site)
            if refusal:
                target.doc, target.blocked = None, refusal
                return
            container = target
        for form_id in doc.auto_submitted_forms() if self.run_scripts else []:
            form = doc.by_id(form_id)
            if form is not None:
                self.submit(window, None if container is window else frame, form, {})
                break


def _framing_refusal(header: Callable[[str], str], url: str, top_site: str) -> str | None:
    """Does the page refuse to be framed by ``top_site`` (X-Frame-Options, CSP frame-ancestors)?"""
    xfo = header("x-frame-options").strip().upper()
    if xfo == "DENY":
        return "X-Frame-Options: DENY"
    if xfo == "SAMEORIGIN" and site_of(url) != top_site:
        return "X-Frame-Options: SAMEORIGIN"
    for directive in header("content-security-policy").split(";"):
        name, _, sources = directive.strip().partition(" ")
        if name.lower() != "frame-ancestors":
            continue
        allowed = sources.split()
        if "'none'" in allowed:
            return "CSP frame-ancestors 'none'"
        if "*" in allowed:
            return None
        if "'self'" in allowed and site_of(url) == top_site:
            return None
        if any(
            site_of(a if "://" in a else f"https://{a}") == top_site
            for a in allowed
            if not a.startswith("'")
        ):
            return None
        return f"CSP frame-ancestors {sources}"
    return None


@dataclass(frozen=True)
class Sight:
    """What a person sees after an action: a short name and the details that matter."""

    what: str  # credential | new_window_button | open_in_new_window | blocked_frame | ...
    where: str  # embedded | window | page
    approved: bool | None = None
    detail: str = ""


#: Page markers → what a person sees, in the order they are looked for.
_MARKERS = (
    ("lock_explanation", "lock_explanation"),
    ("credential", "credential"),
    ("credential_list", "credential_list"),
    ("manage", "manage_view"),
    ("open_in_new_window", "open_in_new_window"),
    ("identity_withheld", "identity_withheld"),
    ("not_for_role", "not_for_role"),
    ("launch_error", "launch_error"),
    ("tool_error", "tool_error"),
    ("not_found", "not_found"),
    ("network_error", "network_error"),
    ("login_required", "login_required"),
)


def what_is_seen(doc: Document | None, where: str) -> Sight | None:
    if doc is None:
        return None
    for marker, what in _MARKERS:
        element = doc.by_id(marker)
        if element is not None:
            approved = None
            if what == "credential":
                approved = element.attrs.get("data-approved") == "true"
            return Sight(what, where, approved, element.text()[:300])
    return None


def sees(window: Window) -> Sight:
    """What the person sees in ``window``: the tool in its frame, the new-window button, or
    the page itself."""
    doc = window.doc
    if doc is not None and doc.by_id("lock_explanation") is not None:
        return what_is_seen(doc, "page")  # type: ignore[return-value]
    frame = window.frames.get("tool_content")
    if frame is not None:
        if frame.blocked:
            return Sight("blocked_frame", "embedded", detail=frame.blocked)
        seen = what_is_seen(frame.doc, "embedded")
        if seen is not None:
            return seen
    if doc is not None:
        tab = next(
            (e for e in doc.all("div") if "load_tab" in e.attrs.get("class", "").split()), None
        )
        if tab is not None and not tab.hidden():
            return Sight("new_window_button", "page", detail=tab.text())
        seen = what_is_seen(doc, "window" if window.opener else "page")
        if seen is not None:
            return seen
        return Sight("page", "page", detail=doc.title)
    return Sight("nothing", "page")
