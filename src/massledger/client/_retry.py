"""One retry policy for sync and async clients.

Retried: 429 (honouring Retry-After), 5xx and connection errors, with jittered exponential backoff,
bounded by ``max_retries``. A POST is retried only when it is idempotent (it carries a deduplicationId or
an Idempotency-Key, which the SDK sets itself), so a retry can never store twice."""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

from massledger.client._errors import retry_after_seconds

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    initial_delay: float = 0.5
    max_delay: float = 30.0

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max, initial × 2^attempt)]."""
        return random.uniform(0, min(self.max_delay, self.initial_delay * 2**attempt))

    def delay_after_response(self, attempt: int, response: httpx.Response, idempotent: bool) -> float | None:
        """Seconds to wait before retrying, or None to give up and surface the answer."""
        if attempt >= self.max_retries or response.status_code not in RETRYABLE_STATUSES:
            return None
        if response.status_code == 429:
            # Rate limited: the server did nothing, so even non-idempotent requests may go again.
            hint = retry_after_seconds(response)
            return min(self.max_delay, hint) if hint is not None else self.backoff(attempt)
        return self.backoff(attempt) if idempotent else None

    def delay_after_error(self, attempt: int, idempotent: bool) -> float | None:
        if attempt >= self.max_retries or not idempotent:
            return None
        return self.backoff(attempt)
