"""The shared pieces: one clock per world, seeded ids, reset, keys made once per process."""

from datetime import timedelta

import pytest

from fakes.core.backend import Backend, WorldState
from fakes.core.clock import DEFAULT_EPOCH, SimClock, iso
from fakes.core.ids import IdSource, seeded_uuid
from fakes.core.keys import signing_key
from fakes.world import build_world


def test_a_frozen_clock_moves_only_when_told():
    clock = SimClock()
    assert clock.now() == DEFAULT_EPOCH
    assert clock.now() == DEFAULT_EPOCH
    clock.advance(90)
    assert clock.now() == DEFAULT_EPOCH + timedelta(seconds=90)


def test_the_clock_never_runs_back():
    clock = SimClock()
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.set(DEFAULT_EPOCH - timedelta(days=1))


def test_all_fakes_of_a_world_share_one_clock():
    world = build_world(3)
    world.canvas.clock.advance(3600)
    assert world.accredible["eu"].clock.now() == DEFAULT_EPOCH + timedelta(hours=1)
    world.reset()
    assert world.accredible["us"].clock.now() == DEFAULT_EPOCH


def test_the_same_seed_gives_the_same_ids_and_tokens():
    a, b = IdSource(7, "x", start=1000, spread=500), IdSource(7, "x", start=1000, spread=500)
    assert [a.next("group") for _ in range(3)] == [b.next("group") for _ in range(3)]
    assert a.token("t") == b.token("t")
    assert IdSource(8, "x", start=1000, spread=500).next("group") != IdSource(
        7, "x", start=1000, spread=500
    ).next("group")
    assert seeded_uuid(1, "a") == seeded_uuid(1, "a") != seeded_uuid(2, "a")


def test_reset_rebuilds_a_backend_from_its_constructor():
    class Counter(Backend):
        def __init__(self, world, *, start):
            super().__init__(world, start=start)
            self.value = start

    counter = Counter(WorldState(), start=5)
    lock = counter.lock
    counter.value = 99
    counter.reset()
    assert counter.value == 5
    assert counter.lock is lock


def test_signing_keys_are_made_once_per_process():
    assert signing_key("canvas-test") is signing_key("canvas-test")
    jwk = signing_key("canvas-test").public_jwk
    assert jwk["kid"] == "canvas-test" and jwk["alg"] == "RS256" and jwk["kty"] == "RSA"


def test_times_render_as_the_services_do():
    assert iso(DEFAULT_EPOCH) == "2026-01-05T09:00:00Z"
    assert iso(DEFAULT_EPOCH, millis=True) == "2026-01-05T09:00:00.000Z"
