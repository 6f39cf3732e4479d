"""Geodesic distances: cached, and the cached answer is the computed one."""

from __future__ import annotations

from massledger.methodology.geo import distance_m

SAO_PAULO = (-23.5489, -46.6388)
CAMPINAS = (-22.9056, -47.0608)


def test_distance_is_computed_once_per_pair_and_answers_the_same() -> None:
    computed = distance_m.__wrapped__(SAO_PAULO, CAMPINAS)
    assert 80_000 < computed < 90_000  # about 83 km
    distance_m.cache_clear()
    assert distance_m(SAO_PAULO, CAMPINAS) == computed
    assert distance_m(SAO_PAULO, CAMPINAS) == computed
    info = distance_m.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    assert distance_m(SAO_PAULO, SAO_PAULO) == 0
