"""The chain primitive: canonical bytes and digest-linked hashes."""

from __future__ import annotations

import hashlib

from massledger.canonical import canonical_json, chain_hash, link_hash, sha256_hex


def test_canonical_json_is_key_order_independent_and_compact() -> None:
    assert (
        canonical_json({"b": 1, "a": [1, {"d": None, "c": "é"}]})
        == '{"a":[1,{"c":"é","d":null}],"b":1}'.encode()
    )


def test_chain_links_commit_to_the_body_digest() -> None:
    body = canonical_json({"name": "Weighing", "value": "3250.5"})
    expected = hashlib.sha256(b"prev\n" + hashlib.sha256(body).hexdigest().encode()).hexdigest()
    assert chain_hash("prev", body) == expected == link_hash("prev", sha256_hex(body))
    assert chain_hash("prev", body + b" ") != expected
    assert chain_hash("other", body) != expected
