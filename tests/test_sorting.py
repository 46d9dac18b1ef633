"""The external sort that puts a family in canonical order with bounded memory."""

from __future__ import annotations

import random
from pathlib import Path

from releasebuild.steps.sorting import external_sort


def test_spilled_runs_merge_into_one_sorted_stream(tmp_path: Path) -> None:
    rng = random.Random(7)
    items = [((f"id-{rng.randrange(500):04d}", ("line", i)), f"payload {i}") for i in range(1000)]
    merged = list(external_sort(iter(items), tmp_path, run_bytes=4096))
    assert merged == sorted(items)
    assert list(tmp_path.iterdir()) == []  # spilled runs are removed


def test_small_inputs_never_touch_disk(tmp_path: Path) -> None:
    assert list(external_sort(iter([(("b",), "2"), (("a",), "1")]), tmp_path, run_bytes=1 << 20)) == [
        (("a",), "1"), (("b",), "2")]
    assert list(tmp_path.iterdir()) == []
