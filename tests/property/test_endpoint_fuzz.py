"""A fuzz pass over every route of the fake Canvas and the fake Accredible (issue 10): random
and malformed bodies, wrong types, huge and deeply nested JSON, bad UTF-8, unknown query
parameters and CR/LF in headers and query values. Every answer must be below 500, come back
in time, and a rejected request (4xx) must leave the world exactly as it was (the snapshot
before equals the snapshot after).

Requests go straight into each fake's WSGI app (werkzeug's test client), so malformed input a
well-behaved HTTP client would refuse to send still reaches the fake. The world is the US seed
flow run to its end (a course, modules, the Accredible app, a group with a design and a
credential), restored from a snapshot before every example. Accredible is fuzzed on the US
server: both regions run the same code.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.test import Client

from fakes.accredible.urls import ROUTES as ACCREDIBLE_ROUTES
from fakes.canvas.urls import ROUTES as CANVAS_ROUTES
from sim.scenario.loader import load_file
from sim.scenario.runner import run_scenario
from sim.transport import INPROCESS_URLS, Fakes, start_fakes

ROOT = Path(__file__).resolve().parents[2]
FLOW = ROOT / "scenarios/seed_flow/us_student_gets_a_published_credential_inside_canvas.yaml"

ROUTES = [("canvas", r) for r in CANVAS_ROUTES] + [("accredible-us", r) for r in ACCREDIBLE_ROUTES]
CASES = [(service, method, route.rule) for service, route in ROUTES for method in route.methods]

#: Field names the fakes read, so random bodies reach validation, not only "unknown field".
KEYS = [
    "name", "course[name]", "course[course_code]", "module[name]", "module[position]",
    "module[prerequisite_module_ids][]", "module_item[type]", "module_item[content_id]",
    "module_item[external_url]", "module_item[new_tab]", "module_item[completion_requirement][type]",
    "enrollment[user_id]", "enrollment[type]", "wiki_page[title]", "assignment[name]",
    "submission[posted_grade]", "quiz[title]", "group", "credential", "recipient", "email",
    "group_id", "design_id", "certificate_design_id", "page", "per_page", "page_size",
    "include[]", "return_to", "id_token", "state", "iss", "login_hint", "lti_message_hint",
    "target_link_uri", "client_id", "api_key", "kind", "search_term", "approve", "custom_attributes",
]  # fmt: skip
#: Values that have broken parsers before: overflows, NUL, CR/LF, odd Unicode, wrong types.
ODD = [
    "", "-1", "0", "1", "2", "99999999999999999999999", "1e309", "NaN", "true", "null", "abc",
    "\x00", "\r\nX-Injected: 1", "%0d%0aSet-Cookie: a=b", "../../etc/passwd", "💥" * 3,
    "a" * 5000, "self", "sis_user_id:1", "<script>alert(1)</script>", "2026-13-45",
]  # fmt: skip

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.sampled_from(ODD) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)  # fmt: skip
odd_text = st.sampled_from(ODD) | st.text(max_size=30)
#: A header value a server can receive: CR/LF would end the header line (see "injected").
header_text = odd_text.filter(lambda v: "\r" not in v and "\n" not in v)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, str | None]:
    kind = draw(
        st.sampled_from(
            ["json", "form", "bytes", "deep", "huge", "bad_utf8", "empty", "wrong_type"]
        )
    )
    if kind == "json":
        return json.dumps(draw(json_values)).encode(), "application/json"
    if kind == "form":
        pairs = draw(
            st.lists(st.tuples(st.sampled_from(KEYS) | st.text(max_size=8), odd_text), max_size=6)
        )
        body = "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs)
        return body.encode(), "application/x-www-form-urlencoded"
    if kind == "bytes":
        ctype = draw(st.sampled_from(
            ["application/json", "application/x-www-form-urlencoded", "multipart/form-data",
             "text/plain; charset=utf-7", "application/octet-stream", "application/json; charset=latin-1"]
        ))  # fmt: skip
        return draw(st.binary(max_size=300)), ctype
    if kind == "deep":
        depth = draw(st.sampled_from([200, 5000, 100_000]))
        return ("[" * depth + "]" * depth).encode(), "application/json"
    if kind == "huge":
        return json.dumps(
            {draw(st.sampled_from(KEYS)): "a" * 2_000_000}
        ).encode(), "application/json"
    if kind == "bad_utf8":
        return (
            b'{"name": "\xff\xfe\xc3\x28", "group": {"name": "\xed\xa0\x80"}}',
            "application/json",
        )
    if kind == "wrong_type":  # every known field given a value of the wrong kind
        value = draw(st.sampled_from([[], {}, 1.5, -7, True, None, "x", [[{}]]]))
        return json.dumps({k: value for k in KEYS}).encode(), "application/json"
    return b"", draw(st.sampled_from([None, "application/json"]))


@pytest.fixture(scope="module")
def world():
    """The US seed flow's world, its snapshot, and the secrets its people use."""
    fakes = start_fakes("inprocess")
    (scenario,) = load_file(FLOW)
    assert run_scenario(fakes, scenario).status == "passed"
    saved = fakes.world.snapshot()
    data = json.loads(saved)
    tokens = sorted(data["services"]["canvas"]["tokens"])
    keys = sorted(data["services"]["accredible-us"]["keys"])
    yield World(fakes, saved, tokens, keys)
    fakes.close()


@dataclass
class World:
    fakes: Fakes = field(repr=False)
    saved: str = field(repr=False)
    tokens: list[str] = field(repr=False)
    keys: list[str] = field(repr=False)


def _path(rule: str, draw: st.DrawFn) -> str:
    def fill(match: re.Match[str]) -> str:
        converter = match.group(1) or ""
        if converter.startswith("int"):
            return str(draw(st.sampled_from([1, 2, 3, 0, 99999999])))
        if converter.startswith("any("):
            return draw(st.sampled_from(re.findall(r"\w+", converter[4:])))
        return quote(
            draw(st.sampled_from(["1", "2", "self", "abc", "0", "sis_login_id:x", "💥"])), safe=""
        )

    return re.sub(r"<(?:([^:>]+):)?[^>]+>", fill, rule)


@pytest.mark.parametrize(
    ("service", "method", "rule"), CASES, ids=[f"{s}:{m}:{r}" for s, m, r in CASES]
)
@given(data=st.data())
def test_every_endpoint_answers_bad_input_with_a_4xx_and_changes_nothing(
    world, service, method, rule, data
):
    fakes, saved, tokens, keys = world.fakes, world.saved, world.tokens, world.keys
    fakes.world.restore(saved)
    path = _path(rule, data.draw)
    query = data.draw(
        st.lists(st.tuples(st.sampled_from(KEYS) | st.text(max_size=6), odd_text), max_size=4)
    )
    body, ctype = data.draw(bodies()) if method != "GET" else (b"", None)
    headers = {}
    auth = data.draw(st.sampled_from(["good", "good", "good", "none", "garbage", "injected"]))
    if auth == "good":
        headers["Authorization"] = (
            f"Bearer {data.draw(st.sampled_from(tokens))}"
            if service == "canvas"
            else f"Token token={data.draw(st.sampled_from(keys))}"
        )
    elif auth == "garbage":
        headers["Authorization"] = data.draw(
            st.sampled_from(["Bearer", "Token token=", "Basic Og==", "💥"])
        )
    elif auth == "injected":  # "Bearer x\r\nX-Admin: true" reaches a server as two headers
        headers["Authorization"] = "Bearer x"
        headers["X-Admin"] = "true"
    if data.draw(st.booleans()):
        headers["X-Odd"] = data.draw(header_text)
    if ctype:
        headers["Content-Type"] = ctype

    client = Client(fakes.world.apps[service])
    started = time.perf_counter()
    answer = client.open(
        path, method=method, query_string=query, data=body, headers=headers,
        base_url=INPROCESS_URLS[service],
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    answer.get_data()

    assert answer.status_code < 500, answer.get_data(as_text=True)[:500]
    assert elapsed < 5, f"{method} {path} took {elapsed:.1f} s"
    for name, value in answer.headers.items():
        assert "\r" not in value and "\n" not in value, f"header injection in {name}: {value!r}"
    if answer.status_code >= 400:
        assert fakes.world.snapshot() == saved, f"a rejected {method} {path} changed the world"
        # API errors are JSON; not Accredible's 401 (Rails' plain-text "HTTP Token: Access
        # denied.", as the real one answers) nor the LTI steps a browser sees (HTML pages)
        api = path.startswith(("/api/v1/", "/v1/")) and not path.startswith("/v1/canvas/lti/")
        if api and answer.status_code != 401:
            assert answer.mimetype == "application/json", answer.get_data(as_text=True)[:300]
