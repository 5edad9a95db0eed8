"""Backends (the state of one fake) and the world state that all fakes of a world share."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from fakes.core.clock import SimClock

#: Deliberate breaks of one rule each, switched on through ``POST /_sim/quirks`` so that tests
#: can prove they catch a fake that misbehaves (never on by default; kept across resets).
QUIRKS = {
    "approval_ignores_designs": "R2: credentials publish even when the group has no design",
    "emails_twice": "R3: a published credential sends its delivery email twice",
    "ignore_gating": "R4: module items are never locked for students",
    "duplicate_launch_credentials": "R6: every student launch creates a new credential",
    "eu_leaks_to_us": "R8: EU delivery emails also land in the US instance's outbox",
    "teachers_get_credentials": "R9: an instructor's launch issues a credential to the instructor",
    "replay_accepted": "R11: a launch whose state and nonce were used is accepted again",
}


class WorldState:
    """What every fake of one world shares: the clock, the seed and the journal sequence.

    The journal sequence is shared so the journals of Canvas, Accredible US and Accredible EU
    can be merged into the one order in which requests happened.
    """

    def __init__(self, seed: int = 0, *, clock: SimClock | None = None) -> None:
        self.seed = seed
        self.clock = clock or SimClock()
        #: The base URL each fake is published under (``"canvas"``, ``"accredible-us"``...);
        #: kept across resets.
        self.urls: dict[str, str] = {}
        #: How a fake GETs a URL of another service (the tool fetching the platform's keys):
        #: ``fetch(url, caller) -> (status, json_or_None, headers)``; set when the world is built.
        self.fetch: Callable[[str, str], tuple[int, Any, dict[str, str]]] | None = None
        #: Deliberate rule breaks switched on (see :data:`QUIRKS`).
        self.quirks: set[str] = set()
        #: The backends of this world by service name (for the R8 break only).
        self.peers: dict[str, Any] = {}
        self._seq = itertools.count(1)
        self._seq_lock = threading.Lock()

    def next_seq(self) -> int:
        """The next journal sequence number of this world."""
        with self._seq_lock:
            return next(self._seq)

    def reset(self, seed: int | None = None) -> None:
        """Back to the start: the clock to its epoch, the sequence to 1, a new seed if given."""
        if seed is not None:
            self.seed = seed
        self.clock.reset()
        with self._seq_lock:
            self._seq = itertools.count(1)


class Backend:
    """Base of every fake's state. ``reset()`` re-runs the constructor (moto's way), so there is
    no teardown list that could drift from what ``__init__`` builds.

    Subclasses keep their constructor arguments in ``_init_args``/``_init_kwargs`` by calling
    ``super().__init__(*args, **kwargs)`` first; every operation runs under ``self.lock``
    (taken by the web layer around each request).
    """

    def __init__(self, world: WorldState, *args: Any, **kwargs: Any) -> None:
        self.world = world
        self._init_args = (world, *args)
        self._init_kwargs = kwargs
        self.lock = threading.RLock()

    @property
    def clock(self) -> SimClock:
        """The world's shared simulated clock."""
        return self.world.clock

    def reset(self) -> None:
        """Forget everything: state as if just constructed with the world's current seed."""
        lock = self.lock
        with lock:
            args, kwargs = self._init_args, self._init_kwargs
            self.__dict__.clear()
            self.__init__(*args, **kwargs)  # type: ignore[misc]
            self.lock = lock
