"""The dedup keep-policy over columns (`_Decisions`: positions, uint64 texts, grouping by sorting) decides what the
same policy decides written plainly over Row objects, record by record (`reference`, below: the form the step had
before its packs became columns). Random families with shared texts, taken-down records, turn pairs and near
pairs, compared on what was removed and why, the links and the shared turn pairs. And LSH candidates, made by
arrays, are every pair of rows sharing a band key."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

from releasebuild.dedup import minhash
from releasebuild.dedup.minhash import candidate_pairs
from releasebuild.dedup.near import _jaccards
from releasebuild.dedup.pack import Fingerprints, Row, Rows
from releasebuild.dedup.text import KINDS, jaccard
from releasebuild.gates.dedup import LinksParams, _Decisions, family_keep_rows

Ref = tuple[str, int]
NearPair = tuple[str, int, str, int, float]
TEXTS = ["", *(xxhash.xxh3_64_hexdigest(bytes([n])) for n in range(4))]  # few texts: many are shared
PAIRS = [xxhash.xxh3_64_hexdigest(bytes([100 + n])) for n in range(4)]
FAMILIES = ["alpha", "beta", "gamma"]


class _Columns(Fingerprints):
    def __init__(self, rows: list[Row]):
        self.rows = Rows(row.line().encode("utf-8") for row in rows)

    def keys(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        return self.rows.keys(kind)


def reference(order: list[str], families: dict[str, list[Row]], threshold: float, near: dict[str, list[NearPair]],
              links: LinksParams) -> tuple[dict[Ref, dict[str, Any]], list[tuple[str, str, str, float]], Counter[str]]:
    """The keep-policy and links, record by record over Row objects."""
    position: dict[str, list[int]] = {}
    placed = 0
    for name in order:
        position[name] = [0] * len(families[name])
        for row in family_keep_rows([record.id for record in families[name]]):
            position[name][row] = placed
            placed += 1

    def priority(ref: Ref) -> int:
        return position[ref[0]][ref[1]]

    def row_of(ref: Ref) -> Row:
        return families[ref[0]][ref[1]]

    def named(ref: Ref) -> str:
        return f"{ref[0]}/{row_of(ref).id}"

    removed: dict[Ref, dict[str, Any]] = {}

    def remove(refs: list[Ref], code: str, of: Ref, similarity: float, taken_down: bool = False) -> None:
        for ref in refs:
            if ref not in removed:
                removed[ref] = {"code": code, "duplicate_of": named(of), "similarity": similarity,
                                **({"duplicate_of_taken_down": True} if taken_down else {})}

    taken: dict[str, Ref] = {}
    members: dict[str, list[Ref]] = defaultdict(list)
    for name in order:
        for index, record in enumerate(families[name]):
            if record.takedown:
                taken.setdefault(record.hashes["conversation"], (name, index))
            else:
                members[record.hashes["conversation"]].append((name, index))
    for refs in members.values():
        refs.sort(key=priority)
    for text, source in sorted(taken.items()):
        remove(members.get(text, []), "takedown_duplicate", source, 1.0, taken_down=True)
    similar: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for left, a, right, b, similarity in near["conversation"]:
        if similarity < threshold:
            continue
        one, other = row_of((left, a)).hashes["conversation"], row_of((right, b)).hashes["conversation"]
        for mine, theirs, ref in ((one, other, (right, b)), (other, one, (left, a))):
            if theirs in taken:
                remove(members.get(mine, []), "takedown_near_duplicate", taken[theirs], similarity, taken_down=True)
            elif not row_of(ref).takedown:
                similar[mine].append((similarity, theirs))
    for refs in members.values():
        if refs[0] not in removed:
            remove(refs[1:], "exact_duplicate", refs[0], 1.0)
    kept: set[str] = set()
    for text, refs in sorted(members.items(), key=lambda item: priority(item[1][0])):
        if refs[0] in removed:
            continue
        matches = [(similarity, theirs) for similarity, theirs in similar.get(text, ()) if theirs in kept]
        if matches:
            similarity, theirs = min(matches, key=lambda m: (-m[0], priority(members[m[1]][0])))
            remove(refs, "near_duplicate", members[theirs][0], similarity)
        else:
            kept.add(text)

    def link(kind: str, one: Ref, other: Ref, similarity: float) -> tuple[str, str, str, float]:
        left, right = sorted((one, other), key=priority)
        return kind, named(left), named(right), similarity

    survivors = sorted((ref for refs in members.values() for ref in refs if ref not in removed), key=priority)
    rows: set[tuple[str, str, str, float]] = set()
    for kind in ("conversation", *(k for k in ("user", "assistant") if k in links.compare)):
        first: dict[str, Ref] = {}
        for ref in survivors:
            if row_of(ref).hashes[kind]:
                best = first.setdefault(row_of(ref).hashes[kind], ref)
                if best != ref:
                    rows.add(link(kind, best, ref, 1.0))
        for left, a, right, b, similarity in near[kind]:
            one_ref = first.get(row_of((left, a)).hashes[kind])
            other_ref = first.get(row_of((right, b)).hashes[kind])
            if similarity >= links.threshold and one_ref is not None and other_ref is not None:
                rows.add(link(kind, one_ref, other_ref, similarity))
    first_with_pair: dict[str, Ref] = {}
    shared: dict[str, list[Ref]] = {}
    for ref in survivors:
        for pair in row_of(ref).turn_pairs:
            best = first_with_pair.setdefault(pair, ref)
            if best != ref:
                shared.setdefault(pair, [best]).append(ref)
    shared_turn_pairs: Counter[str] = Counter()
    for refs in shared.values():
        shared_turn_pairs.update({ref[0] for ref in refs})
        if "turn_pairs" in links.compare:
            rows.update(link("turn_pair", refs[0], ref, 1.0) for ref in refs[1:])
    return removed, sorted(rows), shared_turn_pairs


@st.composite
def releases(draw: st.DrawFn) -> tuple[list[str], dict[str, list[Row]], dict[str, list[NearPair]]]:
    order = draw(st.permutations(FAMILIES))[:draw(st.integers(1, 3))]
    families = {}
    for name in order:
        numbers = draw(st.lists(st.integers(0, 40), max_size=9, unique=True))
        families[name] = [Row(f"r{number:0{draw(st.integers(1, 2))}d}", draw(st.booleans()) and draw(st.booleans()),
                              {kind: draw(st.sampled_from(TEXTS)) for kind in KINDS},
                              sorted(draw(st.sets(st.sampled_from(PAIRS), max_size=3))))
                          for number in numbers]
    rows = [(name, index) for name in order for index in range(len(families[name]))]
    near: dict[str, list[NearPair]] = {}
    for kind in ("conversation", "user"):
        near[kind] = []
        if len(rows) > 1:
            for _ in range(draw(st.integers(0, 12))):
                one, other = draw(st.sampled_from(rows)), draw(st.sampled_from(rows))
                if one != other and families[one[0]][one[1]].hashes[kind] and families[other[0]][other[1]].hashes[kind]:
                    near[kind].append((*one, *other, draw(st.sampled_from([0.55, 0.7, 0.85, 0.85, 0.85, 1.0]))))
    return order, families, near


@settings(max_examples=300, deadline=None)
@given(releases(), st.sampled_from([["user"], ["user", "turn_pairs"], []]))
def test_the_keep_policy_over_columns_decides_what_it_decides_record_by_record(
        release: tuple[list[str], dict[str, list[Row]], dict[str, list[NearPair]]], compare: list[str]) -> None:
    order, families, near = release
    links = LinksParams(threshold=0.6, compare=compare)
    packs = {name: _Columns(rows) for name, rows in families.items()}
    decisions = _Decisions(order, packs, 0.8, {name: family_keep_rows(packs[name].rows.ids()) for name in order})
    decisions.remove(near["conversation"])
    found = decisions.links(near, links)
    expected_removed, expected_links, expected_shared = reference(order, families, 0.8, near, links)
    assert decisions.removed == expected_removed
    assert found == expected_links
    assert decisions.shared_turn_pairs == expected_shared


band_tables = st.integers(1, 4).flatmap(lambda bands: st.lists(
    st.lists(st.integers(0, 3), min_size=bands, max_size=bands), max_size=12))


@settings(max_examples=200, deadline=None)
@given(band_tables, band_tables, st.data())
def test_candidate_pairs_are_every_pair_of_rows_sharing_a_band_key(
        left: list[list[int]], right: list[list[int]], data: st.DataObject) -> None:
    bands = min([len(row) for row in left + right] or [1])
    keys_a = np.array([row[:bands] for row in left], dtype=np.uint64).reshape(len(left), bands)
    keys_b = np.array([row[:bands] for row in right], dtype=np.uint64).reshape(len(right), bands)
    rows_a = np.array(sorted(data.draw(st.sets(st.integers(0, max(len(left) - 1, 0)))) if left else []), dtype=np.int64)
    rows_b = np.array(sorted(data.draw(st.sets(st.integers(0, max(len(right) - 1, 0)))) if right else []),
                      dtype=np.int64)

    def sharing(one: np.ndarray, i: int, other: np.ndarray, j: int) -> bool:
        return bool((one[i] == other[j]).any())

    within = sorted((i, j) for i in rows_a.tolist() for j in rows_a.tolist() if i < j and sharing(keys_a, i, keys_a, j))
    across = sorted((i, j) for i in rows_a.tolist() for j in rows_b.tolist() if sharing(keys_a, i, keys_b, j))
    for merge_at in (0, minhash.MERGE_AT):  # bands' pairs merged after every band, or kept apart to the end
        minhash.MERGE_AT, default_merge = merge_at, minhash.MERGE_AT
        try:
            assert candidate_pairs(keys_a, rows_a).tolist() == [list(pair) for pair in within]
            # band by band (both sides sorted together, or the larger looked up in the smaller), and a few rows
            # against many compared whole (every side here is a few)
            for few, ratio in ((0, minhash.LOOKUP_RATIO), (0, 0), (12, minhash.LOOKUP_RATIO)):
                minhash.FEW_ROWS, before = few, minhash.FEW_ROWS
                minhash.LOOKUP_RATIO, default_ratio = ratio, minhash.LOOKUP_RATIO
                try:
                    assert candidate_pairs(keys_a, rows_a, keys_b, rows_b).tolist() == [list(pair) for pair in across]
                finally:
                    minhash.FEW_ROWS, minhash.LOOKUP_RATIO = before, default_ratio
        finally:
            minhash.MERGE_AT = default_merge


class GivenShingles(Fingerprints):
    """Fingerprints with given shingle sets (one kind), read through the generic `shingle_runs`."""

    def __init__(self, sets: list[np.ndarray]):
        self.sets = sets

    def shingles(self, kind: str, row: int) -> np.ndarray:
        return self.sets[row]


shingle_sets = st.lists(st.sets(st.integers(0, 2**32 - 1) | st.integers(0, 12), max_size=30).map(
    lambda values: np.array(sorted(values), dtype=np.uint32)), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(shingle_sets, shingle_sets, st.data())
def test_jaccards_by_arrays_are_jaccard_pair_by_pair(left: list[np.ndarray], right: list[np.ndarray],
                                                     data: st.DataObject) -> None:
    pairs = data.draw(st.lists(st.tuples(st.integers(0, len(left) - 1), st.integers(0, len(right) - 1)),
                               max_size=20))
    rows_left = np.array([i for i, _ in pairs], dtype=np.int64)
    rows_right = np.array([j for _, j in pairs], dtype=np.int64)
    found = _jaccards(GivenShingles(left), GivenShingles(right), "conversation", rows_left, rows_right).tolist()
    assert found == [jaccard(left[i], right[j]) for i, j in pairs]  # the same floats, bit for bit
