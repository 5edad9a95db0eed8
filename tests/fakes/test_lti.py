"""LTI 1.3 between the fake Canvas (platform) and the fake Accredible (tool): a real pylti1p3
tool accepts Canvas's launches unchanged; Accredible refuses every broken launch and changes
nothing (R11); Canvas's authorization checks, launch pages, key rotation and lock pages."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lti_world import build_lti_course
from pylti_tool import PyltiTool, tool_configuration

from fakes.core.keys import signing_key
from sim.browser import Window, sees, site_of, what_is_seen
from sim.transport import start_fakes

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"


@pytest.fixture(scope="module")
def fakes():
    with start_fakes("inprocess") as running:
        yield running


@pytest.fixture
def course(fakes):
    fakes.world.reset(0)
    return build_lti_course(fakes, "us")


def test_pylti1p3_validates_a_canvas_launch_unchanged():
    with start_fakes("inprocess", realtime_clock=True) as fakes:
        course = build_lti_course(fakes, config=tool_configuration(), new_tab=True)
        canvas = fakes.urls["canvas"]
        tool = PyltiTool(
            {"https://canvas.instructure.com": [{
                "default": True, "client_id": str(course.client_id),
                "auth_login_url": f"{canvas}/api/lti/authorize_redirect",
                "auth_token_url": f"{canvas}/login/oauth2/token",
                "key_set": fakes.client("canvas").get("/api/lti/security/jwks").json(),
                "deployment_ids": [course.tool["deployment_id"]],
            }]}
        )  # fmt: skip
        fakes.network.add("pytool.test", tool)
        for who, teacher in (("student", "False"), ("teacher", "True")):
            browser, window = course.open_item(who)
            window.click("in a new window")
            page = browser.windows[-1].doc
            assert page.by_id("pylti_ok") is not None, page.text()
            assert page.by_id("pylti_ok").attrs["data-teacher"] == teacher
        student = tool.launches[0]
        assert student["name"] == "Sam Student" and student["email"] == "sam@example.edu"
        assert (
            "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner" in student[f"{CLAIM}roles"]
        )
        assert student[f"{CLAIM}deployment_id"] == course.tool["deployment_id"]
        assert student[f"{CLAIM}resource_link"]["title"] == "PyTool"
        assert student[f"{CLAIM}launch_presentation"]["document_target"] == "iframe"
        assert student[f"{CLAIM}context"]["title"] == "Data 101"


# -- R11: Accredible refuses every broken launch and changes nothing ---------------------------
def _paused_launch(course):
    """Open the item with a browser that stops before posting the id_token to the tool."""
    browser, window = course.open_item("student", course.browser("student", run_scripts=False))
    window.submit("tool_form")  # the page's script would submit this into the iframe
    frame = window.frames["tool_content"]
    form = frame.doc.by_id("authorization_redirect_form")
    assert form is not None, frame.doc.text()
    fields = dict(frame.doc.form_fields(form))
    return browser, window, fields


def _resign(token: str, change, *, key=None, headers=None) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    change(claims)
    current = signing_key("canvas-lti-1")
    return jwt.encode(
        claims,
        key or current.private_pem,
        algorithm="RS256",
        headers=headers if headers is not None else {"kid": current.kid},
    )


def _drop(name):
    return lambda claims: claims.pop(name, None)


def _set(name, value):
    return lambda claims: claims.__setitem__(name, value)


def _unsigned(token: str, alg: str, secret: bytes | None = None) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    head = b64(json.dumps({"alg": alg, "kid": "canvas-lti-1", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    signature = (
        b""
        if secret is None
        else hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    )
    return f"{head}.{body}.{b64(signature)}"


def _other_key() -> bytes:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


MUTANTS = {
    "no kid": lambda t: _resign(t, lambda c: None, headers={}),
    "unknown kid": lambda t: _resign(t, lambda c: None, headers={"kid": "not-a-canvas-key"}),
    "wrong version": lambda t: _resign(t, _set(f"{CLAIM}version", "1.1.0")),
    "missing version": lambda t: _resign(t, _drop(f"{CLAIM}version")),
    "missing message type": lambda t: _resign(t, _drop(f"{CLAIM}message_type")),
    "unknown message type": lambda t: _resign(t, _set(f"{CLAIM}message_type", "LtiWhatever")),
    "missing roles": lambda t: _resign(t, _drop(f"{CLAIM}roles")),
    "missing deployment id": lambda t: _resign(t, _drop(f"{CLAIM}deployment_id")),
    "unknown deployment id": lambda t: _resign(t, _set(f"{CLAIM}deployment_id", "99:elsewhere")),
    "missing resource link id": lambda t: _resign(t, _set(f"{CLAIM}resource_link", {"title": "x"})),
    "missing sub": lambda t: _resign(t, _drop("sub")),
    "issued in the future": lambda t: _resign(t, lambda c: c.__setitem__("iat", c["iat"] + 600)),
    "expired": lambda t: _resign(t, lambda c: c.__setitem__("exp", c["iat"] - 1)),
    "wrong aud": lambda t: _resign(t, _set("aud", "10000000000999")),
    "wrong iss": lambda t: _resign(t, _set("iss", "https://evil.example")),
    "wrong nonce": lambda t: _resign(t, _set("nonce", "not-the-nonce")),
    "forged signature": lambda t: _resign(t, lambda c: None, key=_other_key()),
    "alg none": lambda t: _unsigned(t, "none"),
    "HS256 signed with the public key": lambda t: _unsigned(
        t,
        "HS256",
        serialization.load_pem_private_key(signing_key("canvas-lti-1").private_pem, None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
    ),
    "tampered payload": lambda t: (
        t.split(".")[0]
        + "."
        + _resign(t, _set("email", "mallory@example.edu")).split(".")[1]
        + "."
        + t.split(".")[2]
    ),
}


@pytest.mark.R11
@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_every_broken_launch_is_refused_and_changes_nothing(course, mutant):
    _, window, fields = _paused_launch(course)
    window.submit(
        "authorization_redirect_form",
        {"id_token": MUTANTS[mutant](fields["id_token"])},
        frame="tool_content",
    )
    seen = what_is_seen(window.frames["tool_content"].doc, "embedded")
    assert seen is not None and seen.what == "launch_error", seen
    assert window.frames["tool_content"].status == 400
    summary = course.summary()
    assert (summary["groups"], summary["credentials"], summary["emails"]) == (0, 0, 0)


@pytest.mark.R11
def test_the_unchanged_launch_is_accepted(course):
    _, window, _fields = _paused_launch(course)
    window.submit("authorization_redirect_form", {}, frame="tool_content")
    assert what_is_seen(window.frames["tool_content"].doc, "embedded").what == "credential"
    assert course.summary()["credentials"] == 1


@pytest.mark.R11
def test_a_replayed_launch_is_refused_and_issues_nothing_more(course):
    browser, window, _ = _paused_launch(course)
    window.submit("authorization_redirect_form", {}, frame="tool_content")
    browser.replay_last_post("/v1/canvas/lti/launch")
    seen = what_is_seen(window.frames["tool_content"].doc, "embedded")
    assert seen.what == "launch_error" and "state" in seen.detail
    assert course.summary()["credentials"] == 1


@pytest.mark.R11
def test_a_launch_with_another_launchs_state_is_refused(course):
    _, _first_window, first = _paused_launch(course)
    _, window, _second = _paused_launch(course)
    window.submit("authorization_redirect_form", {"state": first["state"]}, frame="tool_content")
    assert what_is_seen(window.frames["tool_content"].doc, "embedded").what in (
        "open_in_new_window",
        "launch_error",
    )
    assert course.summary()["credentials"] == 0


# -- Canvas's authorization endpoint ----------------------------------------------------------
def _auth_url(window) -> str:
    return window.frames["tool_content"].url


def test_canvas_refuses_an_unregistered_redirect_uri(course):
    browser, window, _ = _paused_launch(course)
    url = _auth_url(window).replace(
        "redirect_uri=", "redirect_uri=https%3A%2F%2Fevil.example%2F&x="
    )
    answer = browser.fetch("GET", url, {"Cookie": browser.jar.header_for(url, _ctx(window))})
    assert answer.status_code == 400 and "Invalid redirect_uri" in answer.text
    assert course.summary()["groups"] == 0


def _ctx(window):
    from sim.browser import Context, site_of

    return Context(site_of(window.url), True, None, "GET")


def test_a_launch_hint_is_single_use(course):
    browser, window, _ = _paused_launch(course)
    url = _auth_url(window)
    window.submit("authorization_redirect_form", {}, frame="tool_content")
    again = browser.fetch("GET", url, {"Cookie": browser.jar.header_for(url, _ctx(window))})
    assert "launch_no_longer_valid" in again.text and "id_token" not in again.text


def test_someone_elses_session_cannot_take_the_launch(course):
    _, student_window = course.open_item("student", course.browser("student", run_scripts=False))
    form = student_window.doc.by_id("tool_form")
    login_fields = student_window.doc.form_fields(form)
    teacher_browser, teacher_window = course.open_item(
        "teacher", course.browser("teacher", run_scripts=False)
    )
    stolen = Window(teacher_browser)
    teacher_browser.windows.append(stolen)
    teacher_browser._load(
        stolen, None, "POST", form.attrs["action"], login_fields, site_of(teacher_window.url)
    )
    fields = dict(stolen.doc.form_fields(stolen.doc.by_id("authorization_redirect_form")))
    assert fields["error"] == "login_required" and "id_token" not in fields
    assert course.summary()["groups"] == 0


def test_a_hint_expires_after_five_minutes_on_the_shared_clock(course):
    _browser, window = course.open_item("student", course.browser("student", run_scripts=False))
    course.fakes.client("canvas").post("/_sim/clock", json={"advance": 301})
    window.submit("tool_form")
    frame = window.frames["tool_content"].doc
    fields = dict(frame.form_fields(frame.by_id("authorization_redirect_form")))
    assert fields["error"] == "launch_no_longer_valid"
    window.submit("authorization_redirect_form", {}, frame="tool_content")
    assert what_is_seen(window.frames["tool_content"].doc, "embedded").what == "launch_error"


# -- pages, keys, locks -----------------------------------------------------------------------
def test_the_launch_page_auto_submits_into_the_frame_or_offers_a_new_window(fakes):
    fakes.world.reset(0)
    framed = build_lti_course(fakes, "us")
    _, window = framed.open_item("student", framed.browser("student", run_scripts=False))
    form = window.doc.by_id("tool_form")
    assert form.attrs["target"] == "tool_content" and window.doc.auto_submitted_forms() == [
        "tool_form"
    ]
    assert window.doc.by_id("tool_content").tag == "iframe"
    fakes.world.reset(0)
    windowed = build_lti_course(fakes, "eu", new_tab=True)
    _, window = windowed.open_item("student", windowed.browser("student", run_scripts=False))
    assert window.doc.by_id("tool_form").attrs["target"] == "_blank"
    assert window.doc.auto_submitted_forms() == []
    assert "This tool needs to be loaded in a new browser window" in window.doc.text()
    assert window.doc.by_id("load_tab_button").text() == "Load Accredible in a new window"


def test_the_tool_follows_a_canvas_key_rotation(course):
    _browser, window = course.open_item("student")
    assert sees(window).what == "credential"
    rotated = course.canvas.post("/_sim/lti_keys", json={"rotate": True}).json()
    assert rotated["published"] == ["canvas-lti-1", "canvas-lti-2"]
    _, window = course.open_item("other")
    assert sees(window).what == "credential", "the tool fetched Canvas's keys again for the new kid"
    course.canvas.post("/_sim/lti_keys", json={"retire": True})
    assert [k["kid"] for k in course.canvas.get("/api/lti/security/jwks").json()["keys"]] == [
        "canvas-lti-2"
    ]
    assert course.summary()["credentials"] == 2


@pytest.mark.R4
def test_a_locked_item_never_launches(fakes):
    fakes.world.reset(0)
    course = build_lti_course(fakes, "us")
    teacher = {"Authorization": "Bearer t-teacher"}
    canvas = course.canvas
    gate = canvas.post(
        f"/api/v1/courses/{course.course_id}/modules",
        data={"module[name]": "Gate"},
        headers=teacher,
    ).json()
    canvas.post(
        f"/api/v1/courses/{course.course_id}/modules/{gate['id']}/items",
        data={"module_item[type]": "SubHeader", "module_item[title]": "x"}, headers=teacher,
    )  # fmt: skip
    page = canvas.post(
        f"/api/v1/courses/{course.course_id}/pages",
        data={"wiki_page[title]": "Read", "wiki_page[published]": "1"},
        headers=teacher,
    ).json()
    canvas.post(
        f"/api/v1/courses/{course.course_id}/modules/{gate['id']}/items",
        data={"module_item[type]": "Page", "module_item[page_url]": page["url"], "module_item[completion_requirement][type]": "must_view"},
        headers=teacher,
    )  # fmt: skip
    canvas.put(
        f"/api/v1/courses/{course.course_id}/modules/{gate['id']}",
        data={"module[published]": "1", "module[position]": "1"},
        headers=teacher,
    )
    canvas.put(
        f"/api/v1/courses/{course.course_id}/modules/{course.module_id}",
        data={"module[prerequisite_module_ids][]": gate["id"]},
        headers=teacher,
    )
    before = len(course.accredible.get("/_sim/journal").json()["entries"])
    _, window = course.open_item("student")
    assert sees(window).what == "lock_explanation"
    assert len(course.accredible.get("/_sim/journal").json()["entries"]) == before, (
        "no request reached Accredible"
    )


def test_the_course_navigation_link_lists_the_students_credentials(course):
    _, _window = course.open_item("student")
    tabs = course.canvas.get(
        f"/api/v1/courses/{course.course_id}/tabs", headers={"Authorization": "Bearer t-student"}
    ).json()
    nav = next(t for t in tabs if t["label"] == "Accredible")
    browser = course.browser("student")
    url = course.canvas.get(
        "/login/session_token",
        params={"return_to": nav["html_url"]},
        headers={"Authorization": "Bearer t-student"},
    ).json()["session_url"]
    listed = sees(browser.open(url))
    assert listed.what == "credential_list" and "Data 101" in listed.detail
    _, teacher_window = course.open_item("teacher")
    assert sees(teacher_window).what == "manage_view"


@pytest.mark.R6
def test_concurrent_launches_by_one_student_make_one_credential():
    """Two tabs launching at once over real sockets (threaded servers) still give one credential."""
    from concurrent.futures import ThreadPoolExecutor

    with start_fakes("socket") as fakes:
        course = build_lti_course(fakes, "us")
        paused = [_paused_launch(course) for _ in range(6)]

        def finish(launch):
            _, window, _ = launch
            window.submit("authorization_redirect_form", {}, frame="tool_content")
            return what_is_seen(window.frames["tool_content"].doc, "embedded").what

        with ThreadPoolExecutor(max_workers=6) as pool:
            seen = list(pool.map(finish, paused))
        assert seen == ["credential"] * 6
        assert course.summary()["credentials"] == 1
