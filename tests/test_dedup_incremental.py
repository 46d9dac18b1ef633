"""Dedup from deltas: a near-pair search over edited packs, started from the previous search, finds exactly what a
search from scratch finds (randomized edits), and a build after edits writes every fingerprint and dedup output
byte for byte as a clean build of the same inputs does."""

from __future__ import annotations

import io
import json
import random
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from releasebuild import api
from releasebuild.dedup.near import MemoryFingerprints, Pair, Searched, Settings, among, near_pairs
from releasebuild.dedup.pack import Fingerprints, first_of_each
from releasebuild.dedup.text import TextRules
from releasebuild.gates.dedup import _TEXT_HEADER, _NearMemo, _Texts
from releasebuild.testing import ReleaseFixture, conversation, make_release, write_jsonl

KIND = "conversation"
SETTINGS = Settings(TextRules(size=3), 64, 1, (KIND,), {KIND: 0.5}, 8)
_WORDS = [f"w{i}" for i in range(60)]


def _variant(index: int) -> str:
    """One of a pool of texts: five bases, each in variants with a few words replaced, so the pool is full of near
    pairs around the threshold, and the same index twice is an exact copy."""
    base = random.Random(index % 5).choices(_WORDS, k=24)
    rng = random.Random(index)
    for _ in range(index // 5 % 7):
        base[rng.randrange(len(base))] = rng.choice(_WORDS)
    return " ".join(base)


def _prints(variants: list[int], prefix: str) -> MemoryFingerprints:
    docs = [{"id": f"{prefix}{n}", "messages": [{"role": "user", "content": _variant(index)}]}
            for n, index in enumerate(variants)]
    return MemoryFingerprints(docs, SETTINGS)


def _searched(a: Fingerprints, b: Fingerprints | None, pairs: list[Pair]) -> Searched:
    """A search's result as the dedup step's memo keeps it: texts per side, pairs by text."""
    other = a if b is None else b
    return Searched.from_pairs(a.keys(KIND)[0][a.searchable(KIND)], other.keys(KIND)[0][other.searchable(KIND)],
                               [(a.rows[i].hashes[KIND], other.rows[j].hashes[KIND], similarity)
                                for i, j, similarity in pairs])


packs = st.lists(st.integers(0, 39), max_size=24)


@settings(max_examples=60, deadline=None)
@given(before=packs, after=packs)
def test_a_search_within_an_edited_pack_updated_from_the_previous_one_equals_a_search_from_scratch(
        before: list[int], after: list[int]) -> None:
    old, new = _prints(before, "old"), _prints(after, "new")
    previous = _searched(old, None, near_pairs(old, None, KIND, 0.5))
    assert near_pairs(new, None, KIND, 0.5, previous) == near_pairs(new, None, KIND, 0.5)


@settings(max_examples=60, deadline=None)
@given(left_before=packs, right_before=packs, left_after=packs, right_after=packs)
def test_a_search_between_two_edited_packs_updated_from_the_previous_one_equals_a_search_from_scratch(
        left_before: list[int], right_before: list[int], left_after: list[int], right_after: list[int]) -> None:
    old_left, old_right = _prints(left_before, "l"), _prints(right_before, "r")
    new_left, new_right = _prints(left_after, "l"), _prints(right_after, "r")
    previous = _searched(old_left, old_right, near_pairs(old_left, old_right, KIND, 0.5))
    assert near_pairs(new_left, new_right, KIND, 0.5, previous) == near_pairs(new_left, new_right, KIND, 0.5)


def test_the_pool_has_near_pairs_to_update() -> None:
    """The randomized tests above mean something only if their packs have near pairs and exact copies."""
    prints = _prints(list(range(40)) + [3, 3], "p")
    assert len(near_pairs(prints, None, KIND, 0.5)) >= 12
    assert len(prints.searchable(KIND)) < len(prints.rows)


def _words(seed: int, count: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(_WORDS) for _ in range(count))


def _dialog(cid: str, text: str) -> dict[str, Any]:
    return {**conversation(cid, f"s-{cid}"), "dialog": [{"speaker": "usr", "text": text[:len(text) // 2]},
                                                       {"speaker": "sys", "text": text[len(text) // 2:]}]}


def _dedup_outputs(fixture: ReleaseFixture) -> dict[str, str]:
    """Every output file of the fingerprint steps (packs copied in part from their previous run's) and of dedup."""
    engine = api.open_project(fixture.release_yaml).engine()
    found = {}
    for step_id in ("alpha/fingerprint", "beta/fingerprint", "release/dedup"):
        result = engine.previous_result(step_id)
        assert result is not None
        found.update({f"{step_id}:{name}": ref.sha256 for name, ref in result.files.items()})
        found[f"{step_id}:result"] = json.dumps(result.meta, sort_keys=True)  # records, short texts
    return found


def test_dedup_after_random_edits_writes_what_a_clean_build_writes(tmp_path: Path) -> None:
    rng = random.Random(7)
    base = [_words(seed, 80) for seed in range(6)]

    def near_copy(text: str) -> str:
        tokens = text.split()
        for _ in range(rng.randrange(0, 6)):
            tokens[rng.randrange(len(tokens))] = rng.choice(_WORDS)
        return " ".join(tokens)

    families = {name: [_dialog(f"{name[0]}{i:02d}", near_copy(rng.choice(base))) for i in range(14)]
                for name in ("alpha", "beta")}
    # user texts too short to shingle: the pack's count of short texts covers the rows it copies too
    families["alpha"][:0] = [{**conversation("a90", "s-a90"), "dialog": [{"speaker": "usr", "text": "hi"},
                                                                         {"speaker": "sys", "text": base[0]}]},
                             {**conversation("a91", "s-a91"), "dialog": [{"speaker": "usr", "text": "?!"},
                                                                         {"speaker": "sys", "text": base[1]}]}]
    fixture = make_release(tmp_path / "rel", families)
    # near copies across families land in different splits; this test is about dedup's outputs, not that gate
    (fixture.dir / "gates" / "leakage.yaml").write_text("blocking: false\n", encoding="utf-8")
    gates = yaml.safe_load(fixture.release_yaml.read_text(encoding="utf-8"))["gates"]
    fixture.edit_yaml(fixture.release_yaml, gates={**gates, "leakage": "gates/leakage.yaml"})
    first = api.apply(fixture.release_yaml, jobs=2)
    assert first.outcome.error is None
    for _ in range(3):  # edit, delete and add records of alpha, rebuild from the previous run's memo each time
        rows = [json.loads(line) for line in fixture.data_file("alpha").read_text().splitlines()]
        rows[rng.randrange(2, len(rows))]["dialog"][0]["text"] = near_copy(rng.choice(base))
        del rows[rng.randrange(2, len(rows))]  # never the first two
        rows.append(_dialog(f"a{len(rows) + 50}", near_copy(rng.choice(base))))
        write_jsonl(fixture.data_file("alpha"), rows)
        report = api.apply(fixture.release_yaml, jobs=2)
        assert report.outcome.error is None
        prints = next(step for step in report.outcome.steps if step.id == "alpha/fingerprint")
        assert prints.stats is not None and prints.stats["records_copied"] > 0  # the unchanged records' rows
        dedup = next(step for step in report.outcome.steps if step.id == "release/dedup")
        # per kind (conversation, user): (alpha, alpha) and (alpha, beta) updated, (beta, beta) reused
        assert (dedup.status, dedup.stats) == ("ran", {"family_pairs_updated": 4, "family_pairs_reused": 2})
        copy = ReleaseFixture(tmp_path / f"clean-{_}" / "rel")
        shutil.copytree(fixture.dir, copy.dir, ignore=shutil.ignore_patterns(".releasebuild", "release.lock",
                                                                             "published"))
        clean = api.apply(copy.release_yaml, jobs=2)
        assert clean.outcome.error is None
        assert _dedup_outputs(fixture) == _dedup_outputs(copy)
    report_md = fixture.dir / "published" / "releases" / "v2026-11-23" / "gates" / "dedup.md"
    assert "near_duplicate of `alpha/" in report_md.read_text(), "the test means something only with near pairs"


def test_a_near_table_in_the_text_format_of_before_is_read_as_the_arrays_it_spells(tmp_path: Path) -> None:
    """The memo of the release's dedup step as written before its arrays were base64 (texts in hex, keep orders in
    decimal): its texts and pairs are read, so an upgrade updates each search rather than starting it again, and its
    orders (by a digest of another form) are left to be made again."""
    texts = ["00000000000000ff", "0123456789abcdef", "fedcba9876543210"]
    table = tmp_path / "near.tsv"
    table.write_text(f"{_TEXT_HEADER}\tidentity\n"
                     "=\tconversation\tdigest-a\tdigest-a\t0.6\talpha\talpha\n"
                     f"0\t1\t0.75\t{texts[0]}\t{texts[1]}\n"
                     f"~\tdigest-a\tconversation\t{','.join(texts)}\n"
                     "^\tids-digest\t2,0,1\n")
    written = io.BytesIO()
    memo = _NearMemo(table, "identity", written)
    assert memo.texts["digest-a\tconversation"].tolist() == [int(text, 16) for text in texts]
    assert memo.orders == {}
    before = memo._before("\t".join(["conversation", "alpha", "alpha", "0.6"]), "conversation")
    assert before is not None
    assert (before.pairs_left.tolist(), before.pairs_right.tolist(), before.similarities) == (
        [int(texts[0], 16)], [int(texts[1], 16)], [0.75])
    assert _NearMemo(table, "another identity", io.BytesIO()).texts == {}


def test_records_are_grouped_by_text_as_ordering_them_all_groups_them() -> None:
    """`_Texts` orders only the records of repeated and wanted texts: its groups and each text's records are those
    of every record ordered by (has a text, text, position) as np.lexsort orders them, texts held by several
    records, records without a text, a text whose key is 0, and texts asked for without being wanted included."""
    rng = np.random.default_rng(3)
    for size in (0, 1, 2, 50, 3000):
        keys = rng.integers(0, max(size // 2, 1), size, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        present = rng.random(size) > 0.2
        positions = rng.permutation(size).astype(np.int64)
        masked = np.where(present, keys, 0)
        order = np.lexsort((positions, masked, present))
        groups: dict[int, list[int]] = {}
        for at in order.tolist():
            groups.setdefault(int(masked[at]) if present[at] else -1, []).append(int(positions[at]))
        asked = [int(key) for key in rng.choice(keys, min(size, 20))] if size else []
        texts = _Texts(keys, present, positions, set(asked[::2]))
        assert [group.tolist() for group in texts.shared()] == [group for group in groups.values() if len(group) > 1]
        for text in [*asked, -1, 12345]:
            assert texts.positions(text).tolist() == groups.get(text, []), text


def test_first_occurrences_and_membership_are_numpys() -> None:
    """`first_of_each` and `near.among` give what np.unique(return_index=True) and np.isin give."""
    rng = np.random.default_rng(5)
    for size in (0, 1, 7, 2000):
        values = rng.integers(0, max(size // 3, 1), size, dtype=np.uint64)
        assert first_of_each(values).tolist() == np.unique(values, return_index=True)[1].tolist()
        pool = rng.integers(0, max(size // 2, 1), rng.integers(0, size + 2), dtype=np.uint64)
        assert among(values, pool).tolist() == np.isin(values, pool).tolist()


@pytest.mark.parametrize("edit", ["drop the last record", "edit the last record's reply"])
def test_a_pack_whose_kinds_keep_their_rows_is_what_a_clean_build_writes(tmp_path: Path, edit: str) -> None:
    """A kind whose rows stay the previous pack's, row for row, is handed on as it stands; one that keeps only its
    first rows (the last record gone, or changed) is written as the previous pack's first rows and the rest."""
    rows = [_dialog(f"a{n:02d}", _words(n, 60)) for n in range(8)]
    fixture = make_release(tmp_path / "rel", {"alpha": rows, "beta": [_dialog("b00", _words(99, 60))]})
    assert api.apply(fixture.release_yaml, jobs=2).outcome.error is None
    if edit == "drop the last record":
        rows = rows[:-1]
    else:
        rows[-1]["dialog"][1]["text"] = _words(77, 40)
    write_jsonl(fixture.data_file("alpha"), rows)
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is None
    prints = next(step for step in report.outcome.steps if step.id == "alpha/fingerprint")
    assert prints.stats is not None
    # the reply edited: the user side is handed on; the last record dropped: every kind keeps its first rows only
    assert prints.stats["kinds_handed_on"] == (0 if edit == "drop the last record" else 1)
    copy = ReleaseFixture(tmp_path / "clean" / "rel")
    shutil.copytree(fixture.dir, copy.dir, ignore=shutil.ignore_patterns(".releasebuild", "release.lock", "published"))
    assert api.apply(copy.release_yaml, jobs=2).outcome.error is None
    assert _dedup_outputs(fixture) == _dedup_outputs(copy)
