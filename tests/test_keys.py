"""The canonical encoding behind every key: distinct values never share bytes; order of keys never matters."""

from __future__ import annotations

import pytest

from releasebuild.keys import digest, encode, merkle_root, step_key, unit_interval, unit_intervals


@pytest.mark.parametrize(("left", "right"), [
    (1, "1"), (1, 1.0), (True, 1), (None, ""), ("ab", ["a", "b"]), (["a", "b"], ["ab"]),
    ({"a": "bc"}, {"ab": "c"}), ([], {}), ("", []),
])
def test_distinct_values_encode_differently(left: object, right: object) -> None:
    assert encode(left) != encode(right)


def test_mapping_order_is_irrelevant_and_non_str_keys_rejected() -> None:
    assert digest({"a": 1, "b": [1, 2]}) == digest({"b": [1, 2], "a": 1})
    with pytest.raises(TypeError):
        encode({1: "x"})
    with pytest.raises(ValueError):
        encode(float("nan"))


def test_step_key_covers_kind_code_params_inputs() -> None:
    base = step_key("split", "1", {"salt": "s"}, {"x/ingest": "d1"})
    assert base.startswith("xxh3_128:")
    assert base != step_key("export", "1", {"salt": "s"}, {"x/ingest": "d1"})
    assert base != step_key("split", "2", {"salt": "s"}, {"x/ingest": "d1"})
    assert base != step_key("split", "1", {"salt": "t"}, {"x/ingest": "d1"})
    assert base != step_key("split", "1", {"salt": "s"}, {"x/ingest": "d2"})


def test_unit_interval_is_stable_and_spread() -> None:
    positions = [unit_interval("salt", f"group-{i}") for i in range(2000)]
    assert positions[0] == unit_interval("salt", "group-0")
    assert all(0 <= p < 1 for p in positions)
    assert 0.45 < sum(p < 0.5 for p in positions) / len(positions) < 0.55


@pytest.mark.parametrize("salt", ["salt", "", "privacy-sample:7", "sél:ü🙂"])
def test_unit_intervals_is_unit_interval_with_its_salt_encoded_once(salt: str) -> None:
    position = unit_intervals(salt)
    for group in ("group-0", "", "Zoë", "a" * 300, "🙂 x", "12"):
        assert position(group) == unit_interval(salt, group)


def test_merkle_root_depends_on_every_leaf_not_order() -> None:
    arts = [{"key": "a", "sha256": "0" * 64, "bytes": 1}, {"key": "b", "sha256": "1" * 64, "bytes": 2}]
    assert merkle_root(arts) == merkle_root(list(reversed(arts)))
    assert merkle_root(arts) != merkle_root([arts[0], {**arts[1], "bytes": 3}])
