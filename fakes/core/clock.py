"""One simulated clock shared by all fakes of a world: nothing in the fakes reads wall time."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

#: Where a frozen clock starts unless told otherwise: a Monday morning, so scenario
#: journals repeat byte for byte.
DEFAULT_EPOCH = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)


class SimClock:
    """A clock that moves only when told (``frozen``) or follows wall time plus an offset.

    Scenarios use the frozen mode so runs repeat exactly; ``casim serve`` uses the real-time
    mode because outside tools (pylti1p3, PyJWT) check ``exp``/``iat`` against their own
    wall clock. ``advance`` works the same in both modes.
    """

    def __init__(self, start: datetime | None = None, *, realtime: bool = False) -> None:
        self.realtime = realtime
        self._lock = threading.Lock()
        self._start = _utc(start) if start is not None else DEFAULT_EPOCH
        self._offset = timedelta(0)

    def now(self) -> datetime:
        """The current simulated time (timezone-aware, UTC)."""
        if self.realtime:
            return datetime.now(UTC) + self._offset
        return self._start + self._offset

    def timestamp(self) -> int:
        """The current simulated time as integer seconds since the epoch (JWT ``iat``)."""
        return int(self.now().timestamp())

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward; a negative amount is refused (time never runs back)."""
        if seconds < 0:
            raise ValueError(f"the clock only moves forward; got advance({seconds})")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()

    def set(self, when: datetime) -> datetime:
        """Jump to ``when`` (must not be earlier than now)."""
        when = _utc(when)
        with self._lock:
            current = self.now()
            if when < current:
                raise ValueError(
                    f"the clock only moves forward; {when.isoformat()} is before "
                    f"{current.isoformat()}"
                )
            self._offset += when - current
        return self.now()

    def reset(self, start: datetime | None = None) -> None:
        """Back to the start (or a new start), with no offset."""
        with self._lock:
            if start is not None:
                self._start = _utc(start)
            self._offset = timedelta(0)

    def monotonic(self) -> float:
        """Seconds for measuring real elapsed time (journal timings, not behaviour)."""
        return time.perf_counter()


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso(value: datetime | None, *, millis: bool = False) -> str | None:
    """Render a time as the services do: ``2016-08-29T07:03:25Z`` (``.000Z`` with millis)."""
    if value is None:
        return None
    value = _utc(value)
    if millis:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")
