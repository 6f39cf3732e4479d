"""Ids and timestamps: nanoids drawn from a shared buffer of OS random bytes stay well-formed, distinct
and fresh after a fork; timestamps keep their documented format."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone

from massledger import ids


def test_nanoids_are_21_url_safe_symbols_and_distinct_across_buffer_refills() -> None:
    made = [ids.nanoid() for _ in range(5000)]  # ~25 refills of the 4 KiB buffer
    assert len(set(made)) == len(made)
    assert all(len(value) == 21 and set(value) <= set(ids._NANOID_ALPHABET) for value in made)
    assert len(ids.nanoid(5000)) == 5000  # larger than one chunk
    # Every symbol shows up: the mapping from bytes keeps the whole alphabet.
    assert set("".join(made)) == set(ids._NANOID_ALPHABET)


def test_a_forked_child_does_not_reuse_the_parents_random_bytes() -> None:
    ids.nanoid()  # the buffer holds unused bytes now
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report its next id and leave at once
        os.write(write, ids.nanoid().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = os.read(read, 100).decode()
    os.close(read)
    assert len(child) == 21
    assert child != ids.nanoid()


def test_format_timestamp_is_utc_with_milliseconds_or_microseconds() -> None:
    minus3 = timezone(timedelta(hours=-3))
    assert ids.format_timestamp(datetime(2025, 3, 10, 5, 0, tzinfo=minus3)) == "2025-03-10T08:00:00.000Z"
    assert (
        ids.format_timestamp(datetime(2025, 3, 10, 8, 0, 0, 120000, tzinfo=UTC)) == "2025-03-10T08:00:00.120Z"
    )
    assert (
        ids.format_timestamp(datetime(2025, 3, 10, 8, 0, 0, 120001, tzinfo=UTC))
        == "2025-03-10T08:00:00.120001Z"
    )
    assert ids.format_timestamp(datetime(999, 1, 2, tzinfo=UTC)) == "0999-01-02T00:00:00.000Z"
    assert ids.us_to_iso(1_741_593_600_000_001) == "2025-03-10T08:00:00.000001Z"
