"""Benchmarks of massledger (not tests): a real `massledger serve` process under wrk, beside the same rows
written with the bare driver and the same events stored by the `eventsourcing` library. See README.md."""
