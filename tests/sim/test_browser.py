"""The simulated browser's cookie and framing rules, each against a tiny site."""

from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.wrappers import Request, Response

from fakes.web.net import WorldTransport
from sim.browser import Browser, Context, CookieJar, is_secure, site_of, what_is_seen


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_sites_are_scheme_and_registrable_domain_ignoring_ports():
    assert site_of("https://eu.api.accredible.test:8443/x") == site_of(
        "https://api.accredible.test/"
    )
    assert site_of("https://canvas.test") != site_of("https://api.accredible.test")
    assert site_of("http://127.0.0.1:80") != site_of("http://127.0.0.2:80")
    assert (
        is_secure("http://canvas.localhost:9")
        and is_secure("https://x.test")
        and not is_secure("http://x.test")
    )


def _jar(third_party="allow"):
    clock = Clock()
    return CookieJar(clock, third_party), clock


TOP_GET = Context("https://canvas.test", True, "https://canvas.test", "GET")


def test_cookies_default_to_lax_and_cross_site_posts_leave_explicit_lax_behind():
    jar, clock = _jar()
    url = "https://tool.test/launch"
    here = Context("https://tool.test", True, None, "GET")
    jar.store("implicit=1; Path=/", url, here)
    jar.store("explicit=1; Path=/; SameSite=Lax", url, here)
    jar.store("none=1; Path=/; SameSite=None; Secure", url, here)
    cross_post = Context("https://tool.test", True, "https://canvas.test", "POST")
    assert jar.header_for(url, cross_post) == "implicit=1; none=1", (
        "Lax-allowing-unsafe for two minutes"
    )
    clock.now += timedelta(minutes=3)
    assert jar.header_for(url, cross_post) == "none=1"
    assert (
        jar.header_for(url, Context("https://tool.test", True, "https://canvas.test", "GET"))
        == "implicit=1; explicit=1; none=1"
    )


def test_a_cross_site_frame_keeps_only_samesite_none_and_only_when_third_party_cookies_are_allowed():
    url = "https://tool.test/launch"
    framed = Context("https://canvas.test", False, "https://canvas.test", "POST")
    allow, _ = _jar("allow")
    assert allow.store("s=1; SameSite=None; Secure", url, framed)
    assert not allow.store("lax=1", url, framed)
    assert allow.header_for(url, framed) == "s=1"
    block, _ = _jar("block")
    assert not block.store("s=1; SameSite=None; Secure", url, framed)
    assert block.refused[-1].endswith("third-party cookies are blocked")


def test_partitioned_cookies_live_in_the_jar_of_their_top_level_site():
    jar, _ = _jar("block")
    url = "https://tool.test/launch"
    under_canvas = Context("https://canvas.test", False, None, "GET")
    under_other = Context("https://other.test", False, None, "GET")
    assert jar.store("p=1; SameSite=None; Secure; Partitioned", url, under_canvas)
    assert jar.header_for(url, under_canvas) == "p=1"
    assert jar.header_for(url, under_other) == ""


@pytest.mark.parametrize(
    ("header", "url", "why"),
    [
        ("a=1; Secure", "http://tool.test/", "Secure cookie from an insecure origin"),
        ("a=1; SameSite=None", "https://tool.test/", "SameSite=None without Secure"),
        ("a=1; Domain=other.test", "https://tool.test/", "Domain other.test does not match"),
    ],
)
def test_cookies_a_browser_refuses(header, url, why):
    jar, _ = _jar()
    assert not jar.store(header, url, Context(site_of(url), True, None, "GET"))
    assert why in jar.refused[-1]


def test_max_age_expires_on_the_scenario_clock_and_paths_must_match():
    jar, clock = _jar()
    ctx = Context("https://tool.test", True, None, "GET")
    jar.store("a=1; Max-Age=60; Path=/v1", "https://tool.test/v1/x", ctx)
    assert jar.header_for("https://tool.test/v1/y", ctx) == "a=1"
    assert jar.header_for("https://tool.test/other", ctx) == ""
    clock.now += timedelta(seconds=61)
    assert jar.header_for("https://tool.test/v1/y", ctx) == ""


def _site(headers):
    @Request.application
    def app(request):
        if request.path == "/":
            return Response("<iframe name='f'></iframe><form id='go' method='post' action='https://frame.test/page' target='f'></form>"
                            "<script>document.getElementById(\"go\").submit();</script>", content_type="text/html")  # fmt: skip
        return Response(
            "<main id='credential' data-approved='true'>framed</main>",
            content_type="text/html",
            headers=headers,
        )

    return app


@pytest.mark.parametrize(
    ("headers", "blocked"),
    [
        ({}, None),
        ({"X-Frame-Options": "DENY"}, "X-Frame-Options: DENY"),
        ({"X-Frame-Options": "SAMEORIGIN"}, "X-Frame-Options: SAMEORIGIN"),
        ({"Content-Security-Policy": "frame-ancestors 'self'"}, "CSP frame-ancestors 'self'"),
        ({"Content-Security-Policy": "frame-ancestors https://top.test"}, None),
    ],
)
def test_framing_rules_block_frames(headers, blocked):
    app = _site(headers)
    browser = Browser(WorldTransport({"top.test": app, "frame.test": app}), Clock())
    window = browser.open("https://top.test/")
    frame = window.frames["f"]
    assert frame.blocked == blocked
    if blocked is None:
        assert what_is_seen(frame.doc, "embedded").what == "credential"
