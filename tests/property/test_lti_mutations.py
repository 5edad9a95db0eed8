"""Every mutant of a valid launch (a claim changed, dropped or re-signed; the header, the
signature, the state, the nonce or the timing altered) is refused with no side effect (R11), and
Hypothesis names the smallest offending change."""

from __future__ import annotations

import base64
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fakes"))
from lti_world import build_lti_course

from fakes.core.keys import signing_key
from sim.browser import what_is_seen
from sim.transport import start_fakes

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
#: Claims whose every change the tool must refuse, even re-signed by the platform's key.
CHANGE_REFUSED = [
    "iss",
    "aud",
    "nonce",
    "exp",
    "iat",
    f"{CLAIM}deployment_id",
    f"{CLAIM}message_type",
    f"{CLAIM}version",
]
#: Claims whose absence the tool must refuse.
DROP_REFUSED = [*CHANGE_REFUSED, "sub", f"{CLAIM}roles", f"{CLAIM}resource_link", f"{CLAIM}context"]
#: Any claim changed without re-signing breaks the signature.
ANY_CLAIM = [*DROP_REFUSED, "name", "email", "locale", f"{CLAIM}launch_presentation"]


@dataclass(frozen=True)
class Mutation:
    """One change to a valid launch."""

    part: str  # claim | header | signature | state
    action: str
    key: str = ""

    def apply(self, token: str, state: str) -> tuple[str, str]:
        head, body, sig = token.split(".")
        claims = jwt.decode(token, options={"verify_signature": False})
        key = signing_key("canvas-lti-1")
        if self.part == "claim":
            if self.action == "drop":
                claims.pop(self.key, None)
            elif self.key in ("exp", "iat"):
                claims[self.key] = claims["iat"] + (600 if self.key == "iat" else -600)
            else:
                claims[self.key] = "changed" if not isinstance(claims.get(self.key), list) else []
            if self.action == "unsigned":  # changed without re-signing: the old signature stays
                return f"{head}.{_b64(json.dumps(claims))}.{sig}", state
            return jwt.encode(
                claims, key.private_key, algorithm="RS256", headers={"kid": key.kid}
            ), state
        if self.part == "header":
            header = {"alg": "RS256", "kid": key.kid, "typ": "JWT"}
            if self.action == "drop kid":
                header.pop("kid")
            elif self.action == "unknown kid":
                header["kid"] = "nobody"
            elif self.action == "alg none":
                return f"{_b64(json.dumps({'alg': 'none', 'kid': key.kid}))}.{body}.", state
            return jwt.encode(claims, key.private_key, algorithm="RS256", headers=header), state
        if self.part == "signature":
            flipped = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
            flipped[0] ^= 1
            return f"{head}.{body}.{_b64(bytes(flipped))}", state
        return token, state[:-1] + ("0" if state[-1] != "0" else "1")  # state


def _b64(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


mutations = st.one_of(
    st.builds(Mutation, st.just("claim"), st.just("change"), st.sampled_from(CHANGE_REFUSED)),
    st.builds(Mutation, st.just("claim"), st.just("drop"), st.sampled_from(DROP_REFUSED)),
    st.builds(Mutation, st.just("claim"), st.just("unsigned"), st.sampled_from(ANY_CLAIM)),
    st.builds(
        Mutation, st.just("header"), st.sampled_from(["drop kid", "unknown kid", "alg none"])
    ),
    st.just(Mutation("signature", "flip a bit")),
    st.just(Mutation("state", "change")),
)


@pytest.fixture(scope="module")
def course():
    with start_fakes("inprocess") as fakes:
        yield build_lti_course(fakes, "us")


@pytest.mark.R11
@given(mutation=mutations)
def test_every_mutant_of_a_valid_launch_is_refused_with_no_side_effect(course, mutation):
    before = course.summary()
    _, window = course.open_item("student", course.browser("student", run_scripts=False))
    window.submit("tool_form")
    frame = window.frames["tool_content"].doc
    fields = dict(frame.form_fields(frame.by_id("authorization_redirect_form")))
    token, state = mutation.apply(fields["id_token"], fields["state"])
    window.submit(
        "authorization_redirect_form", {"id_token": token, "state": state}, frame="tool_content"
    )
    seen = what_is_seen(window.frames["tool_content"].doc, "embedded")
    assert seen is not None and seen.what in ("launch_error", "open_in_new_window"), (
        mutation,
        seen,
    )
    after = course.summary()
    assert (after["groups"], after["credentials"], after["emails"]) == (
        before["groups"],
        before["credentials"],
        before["emails"],
    )
