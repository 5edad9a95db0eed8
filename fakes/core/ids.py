"""Seeded ids, tokens and Faker: the same seed gives the same ids, names and keys."""

from __future__ import annotations

import random
import threading
import uuid
import zlib
from functools import lru_cache

from faker import Faker


def stable_seed(*parts: object) -> int:
    """A seed derived from ``parts`` that is the same in every process (unlike ``hash``)."""
    return zlib.crc32(":".join(str(p) for p in parts).encode())


class IdSource:
    """Integer ids per kind of record, counting up from a seeded start.

    Canvas numbers its tables from 1; Accredible's ids are large integers. Both are modelled by
    a per-kind counter whose first value is ``start`` (or seeded within ``spread`` of it), so
    two regions of one world never hand out the same id for different records.
    """

    def __init__(self, seed: int, namespace: str, *, start: int = 1, spread: int = 0) -> None:
        self._seed = seed
        self._namespace = namespace
        self._start = start
        self._spread = spread
        self._next: dict[str, int] = {}
        self._lock = threading.Lock()

    def next(self, kind: str) -> int:
        """The next id for records of ``kind``."""
        with self._lock:
            value = self._next.get(kind)
            if value is None:
                offset = 0
                if self._spread:
                    offset = random.Random(
                        stable_seed(self._seed, self._namespace, kind)
                    ).randrange(self._spread)
                value = self._start + offset
            self._next[kind] = value + 1
            return value

    def token(self, kind: str, nbytes: int = 20) -> str:
        """A seeded hex token (Canvas access tokens, opaque ids) unique within this source."""
        n = self.next(f"token:{kind}")
        rng = random.Random(stable_seed(self._seed, self._namespace, kind, n))
        return rng.randbytes(nbytes).hex()


def seeded_uuid(*parts: object) -> str:
    """A version-4 UUID fixed by ``parts`` (LTI user ids, credential uuids)."""
    return str(uuid.UUID(int=random.Random(stable_seed(*parts)).getrandbits(128), version=4))


@lru_cache(maxsize=1)
def _shared_faker() -> Faker:
    # Building a Faker costs tens of milliseconds; build it once per process and re-seed it.
    return Faker("en_US")


def seeded_faker(seed: int) -> Faker:
    """The process's Faker, re-seeded: the same seed gives the same names and emails."""
    fake = _shared_faker()
    fake.seed_instance(seed)
    return fake
