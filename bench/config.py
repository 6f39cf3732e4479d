"""Run profiles: how long each measurement lasts and how much data each scenario prepares.

``full`` is the measured run for a quiet machine (`make bench`); ``quick`` validates the harness in a
couple of minutes (`make bench-quick`); ``smoke`` is the tiny run the test suite uses to check that every
code path produces well-formed results (it times nothing that is asserted)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Generator = Literal["wrk", "python"]

SERVER_CORE = 0
LOAD_CORE = 1


@dataclass(frozen=True)
class Profile:
    name: str
    warmup_s: float  # HTTP warm-up before every measured wrk run (its numbers are discarded)
    duration_s: float  # measured HTTP run
    inproc_warmup_s: float  # in-process baselines (bare driver, peer, massledger service)
    inproc_duration_s: float
    connections: int = 32
    # In-process references on PostgreSQL run this many threads (own connection each) so that commit
    # latency overlaps as it does in the server; SQLite has one writer, so they run one at a time there.
    postgres_reference_threads: int = 8
    append_documents: int = 1000  # scenario 1 spreads single appends over this many documents
    get_documents: int = 1000  # scenario 3 reads these 15-event documents
    get_events: int = 15
    batch_size: int = 100
    batch_rate_ceiling: int = 1000  # requests/s the batch scenario prepares fresh documents for
    audit_rate_ceiling: int = 400  # audits/s scenario 5 prepares (MassID, methodology) pairs for (2 × target)
    growth_small: int = 10_000
    growth_large: int = 5_000_000
    growth_events_per_document: int = 100
    verify_limit: int = 2_000_000  # run `massledger verify` on databases holding at most this many events
    generator: Generator = "wrk"

    def batch_documents(self, warmup: bool) -> int:
        seconds = self.warmup_s if warmup else self.duration_s
        effective = max(1, round(seconds)) if self.generator == "wrk" else seconds  # wrk runs whole seconds
        return int(self.batch_rate_ceiling * effective) + self.connections

    def audit_mass_ids(self, warmup: bool, inproc: bool = False) -> int:
        """MassIDs to prepare for one run of scenario 5 (each is audited under both methodologies)."""
        if inproc:
            seconds = self.inproc_warmup_s + self.inproc_duration_s
        else:
            seconds = self.warmup_s if warmup else self.duration_s
            seconds = max(1, round(seconds)) if self.generator == "wrk" else seconds
        return int(self.audit_rate_ceiling * seconds) // 2 + self.connections


PROFILES = {
    "full": Profile("full", warmup_s=10, duration_s=30, inproc_warmup_s=3, inproc_duration_s=15),
    "quick": Profile(
        "quick",
        warmup_s=2,
        duration_s=5,
        inproc_warmup_s=1,
        inproc_duration_s=3,
        growth_large=200_000,
    ),
    "smoke": Profile(
        "smoke",
        warmup_s=0.2,
        duration_s=0.5,
        inproc_warmup_s=0.05,
        inproc_duration_s=0.2,
        connections=4,
        postgres_reference_threads=2,
        append_documents=20,
        get_documents=10,
        batch_size=10,
        batch_rate_ceiling=1000,
        audit_rate_ceiling=200,  # audits reached 70/s on this short run: prepare for more than that
        growth_small=200,
        growth_large=600,
        growth_events_per_document=20,
        generator="python",
    ),
}
