"""A request budget per client on the simulated clock (off until switched on).

Accredible: "up to 2000 requests every 5 minutes from a single IP address ... counted in 30
second periods" (OAS "Rate Limiting"), answered with 429.
"""

from __future__ import annotations

import threading
from collections import deque

from fakes.core.clock import SimClock


class RateLimiter:
    """Counts requests per client in ``period``-second buckets over a ``window``."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.budget: int | None = None
        self.window = 300
        self.period = 30
        self._buckets: dict[str, deque[list[int]]] = {}
        self._lock = threading.Lock()

    def configure(self, budget: int | None, window: int = 300, period: int = 30) -> None:
        """``budget`` requests per ``window`` seconds per client; ``None`` switches it off."""
        if budget is not None and budget < 1:
            raise ValueError("budget must be at least 1 (or null to switch limiting off)")
        if window < period or period < 1:
            raise ValueError("window must be at least one period, and period at least 1 second")
        with self._lock:
            self.budget, self.window, self.period = budget, window, period
            self._buckets = {}

    def hit(self, client: str) -> int | None:
        """Count one request; ``None`` if allowed, else seconds until the client may retry."""
        if self.budget is None:
            return None
        now = self.clock.timestamp()
        start = now - now % self.period
        with self._lock:
            buckets = self._buckets.setdefault(client, deque())
            while buckets and buckets[0][0] <= now - self.window:
                buckets.popleft()
            used = sum(count for _, count in buckets)
            if used >= self.budget:
                return max(1, buckets[0][0] + self.window - now)
            if buckets and buckets[-1][0] == start:
                buckets[-1][1] += 1
            else:
                buckets.append([start, 1])
        return None
