"""Per-client request rate limits: at most N requests in any sliding one-second window, in process.

Each key keeps the timestamps of its last N accepted requests in a ring (``deque(maxlen=N)``). A request
is refused when the oldest of those N is less than a second old, so "the (N+1)th request within a
second" is refused exactly, wherever the second starts (a fixed window lets 2N through across a
boundary; a token bucket lets N+1 through when spread over the second). A check is one dict lookup and
one comparison: O(1), no lock (one event loop per process), no background thread, no dependency.

The ``limits`` library (suggested in stack.md) was not used: its memory storage runs an expiry timer
thread and its moving window costs O(N) per hit, for the same result as the ring below.

State is per process: behind several workers or hosts each applies its own limit (docs/SECURITY.md)."""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from massledger.errors import TooManyRequests

WINDOW_SECONDS = 1.0
# Keys are client ids (bounded by registrations) and, on the token endpoint, client ids a caller claims
# (unbounded): the least recently seen key is forgotten beyond this many.
MAX_KEYS = 100_000


class RateLimiter:
    def __init__(
        self,
        *,
        enabled: bool = True,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.enabled = enabled
        self.clock = clock
        self._max_keys = max_keys
        self._recent: OrderedDict[str, deque[float]] = OrderedDict()

    def hit(self, key: str, per_second: int, what: str = "this client") -> None:
        """Count one request for ``key``; raise 429 (with Retry-After) when it is over the limit."""
        if not self.enabled:
            return
        now = self.clock()
        recent = self._recent.get(key)
        if recent is None or recent.maxlen != per_second:
            recent = deque(maxlen=max(1, per_second))
            self._recent[key] = recent
            if len(self._recent) > self._max_keys:
                self._recent.popitem(last=False)
        else:
            self._recent.move_to_end(key)
        if len(recent) == recent.maxlen and now - recent[0] < WINDOW_SECONDS:
            wait = recent[0] + WINDOW_SECONDS - now
            raise TooManyRequests(
                max(1, math.ceil(wait)),
                f"Rate limit exceeded: {what} may make {per_second} requests per second",
            )
        recent.append(now)

    def forget(self, key: str) -> None:
        self._recent.pop(key, None)
