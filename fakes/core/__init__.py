"""Shared pieces of every fake: the simulated clock, seeded ids and Faker, backends, keys."""

from fakes.core.backend import Backend, WorldState
from fakes.core.clock import SimClock
from fakes.core.ids import IdSource

__all__ = ["Backend", "IdSource", "SimClock", "WorldState"]
