"""Dedup gate: exact and near duplicates within and across families, removed by a deterministic keep-policy.

Per family, `<family>/fingerprint` packs every record's fingerprints (steps/fingerprint.py). `release/dedup`
reads every pack and decides, for the conversation fingerprint:
1. a record equal or near (>= threshold) to a taken-down record is removed;
2. of records with the same normalized conversation, the best by keep-policy stays (family priority, then the
   lowest id), the others are removed as exact duplicates of it;
3. near duplicates, walking distinct texts in keep order: a text is removed when it is directly similar
   (confirmed Jaccard >= threshold) to a text already kept. Never by transitivity: A~B and B~C with A !~ C keeps
   A and C.
It also writes the links splits and the leakage gate use: surviving records that share a role text, a
substantial turn pair, or are near duplicates at the leakage threshold. Near pairs are memoized per pair of
family packs, by text too, so when one family changes its pairs are updated: only its new texts are searched,
against the others' band keys (`_NearMemo`).
And it matches every family's records against the held-out index the previous release published (the val/test
records of every release before, dedup/heldout.py), by exact hash and near-duplicate pair at the leakage
threshold, for the split step to follow (`<family>.heldout.jsonl`); those pairs are memoized per pack and index.
The gate fails when a family loses more than `max_removed_ratio` of its records: that is a broken source or
mapping, not duplication.
"""

from __future__ import annotations

import base64
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from releasebuild.config.gate import GateConfig
from releasebuild.config.located import Path_
from releasebuild.config.models import Name, Strict
from releasebuild.dedup.heldout import matches, matches_file
from releasebuild.dedup.near import Pair, Searched, Settings, among, near_pairs
from releasebuild.dedup.pack import FILES, Fingerprints, Pack, hex_column
from releasebuild.dedup.text import KINDS, TextRules
from releasebuild.gates.base import (
    GateBuild,
    GateParams,
    GateResult,
    GateStatus,
    gate_meta,
    listed,
    unknown_families,
)
from releasebuild.gates.leakage import LINKS, LeakageGateConfig, heldout_sources, read_heldout
from releasebuild.keys import digest
from releasebuild.steps import ids
from releasebuild.steps.base import OutputFile, Step, StepContext, StepParams, StepSpec
from releasebuild.steps.fingerprint import FingerprintResult

Ratio = Annotated[float, Field(ge=0, le=1)]
Similarity = Annotated[float, Field(gt=0, le=1)]
NEAR = "near.tsv"


class Normalize(Strict):
    nfkc: bool = True
    casefold: bool = True
    whitespace: bool = True


class Shingle(Strict):
    unit: Literal["word", "char"] = "word"
    size: int = Field(5, ge=1, le=64)


class DedupGateConfig(GateConfig):
    normalize: Normalize = Normalize()
    shingle: Shingle = Shingle()
    num_perm: int = Field(128, ge=16, le=1024)
    seed: int = 1
    threshold: Similarity = Field(0.8, description="near-duplicate Jaccard at or above which a copy is removed")
    turn_pair_min_tokens: int = Field(8, ge=1, description="shorter user+assistant turn pairs are boilerplate")
    priority: list[Name] = Field(default_factory=list, description="keep-policy: families in order, best first")
    max_removed_ratio: Ratio = 0.5

    def settings(self, link_threshold: float) -> Settings:
        rules = TextRules(**self.normalize.model_dump(), **self.shingle.model_dump())
        return Settings(rules, self.num_perm, self.seed, KINDS,
                        {"conversation": min(self.threshold, link_threshold), "user": link_threshold,
                         "assistant": link_threshold}, self.turn_pair_min_tokens)

    def checks(self, families: set[str]) -> list[tuple[Path_, str, str]]:
        return unknown_families(self.priority, families, "priority")


def keep_order(config: DedupGateConfig, build: GateBuild) -> list[str]:
    """Families best first: the declared priority, then the rest by stage (foundation first) and name."""
    rest = sorted((name for name in build.families if name not in config.priority),
                  key=lambda name: (build.stages.get(name, 0), name))
    return [name for name in config.priority if name in build.families] + rest


def fingerprint_params(settings: Settings) -> dict[str, Any]:
    return {**settings.identity(), "kinds": list(settings.kinds), "thresholds": settings.thresholds}


def build_steps(config: DedupGateConfig, build: GateBuild) -> list[StepSpec]:
    leakage = build.gates.get("leakage") or LeakageGateConfig()
    assert isinstance(leakage, LeakageGateConfig)
    settings = config.settings(leakage.threshold)
    shared = fingerprint_params(settings)
    specs = [StepSpec(ids.family_step(name, ids.FINGERPRINT), "fingerprint", {"family": name, **shared},
                      (privacy,), name, reads={privacy: ("records.jsonl", "taken_down.jsonl")})
             for name in build.families for privacy in [ids.family_step(name, ids.PRIVACY)]]
    order = keep_order(config, build)
    params = {"blocking": config.blocking, "thresholds": config.model_dump(mode="json"),
              "settings": fingerprint_params(settings), "threshold": config.threshold, "priority": order,
              "links": {"threshold": leakage.threshold, "compare": list(leakage.compare)},
              "max_removed_ratio": config.max_removed_ratio}
    deps = tuple(ids.family_step(name, ids.FINGERPRINT) for name in build.families)
    # the packs and their counts, not the fingerprint step's memo (lines.digest): a record edit that leaves every
    # fingerprint as it was leaves dedup cached
    specs.append(StepSpec(ids.DEDUP, DedupGate.kind, params, deps, sources=heldout_sources(build.previous),
                          source_dir=build.base_dir, reads={dep: (*FILES, "meta") for dep in deps}))
    return specs


class LinksParams(StepParams):
    threshold: float  # similarity at which two records are linked, across families too
    compare: list[str]  # which texts are compared beside whole conversations ("user", "assistant")


class DedupGateParams(GateParams):
    settings: dict[str, Any]  # the fingerprint settings every family used (dedup.near.Settings)
    threshold: float
    priority: list[str]  # families in keep order: a duplicate is removed from the later one
    links: LinksParams
    max_removed_ratio: float


class DedupResult(GateResult):
    removed: dict[str, int]  # family -> records removed as duplicates


class DedupGate(Step):
    kind = "gate_dedup"
    # 3: near.tsv keeps pairs by text and each side's texts (updates from deltas); 4: pack orders; 5: orders by ids;
    # 6: texts and orders as arrays (`_NEAR_HEADER`)
    code_version = "6"
    Params = DedupGateParams
    Result = DedupResult
    memo = (NEAR,)
    # An edited message seldom changes which records are near-duplicates of which: the removals, links and held-out
    # matches the splits and the leakage gate read stay, and those steps may start on their last ones (`Step.steady`)
    steady = True

    @staticmethod
    def run(ctx: StepContext) -> DedupResult:
        params = ctx.typed(DedupGateParams)
        order: list[str] = params.priority
        prints = {name: ids.family_step(name, ids.FINGERPRINT) for name in order}
        packs = {name: Pack({file: ctx.input_path(prints[name], file) for file in FILES}) for name in order}
        links = params.links
        thresholds = {"conversation": min(params.threshold, links.threshold),
                      **{kind: links.threshold for kind in ("user", "assistant")}}
        kinds = ["conversation", *(kind for kind in ("user", "assistant") if kind in links.compare)]
        identity = digest(params.settings)
        near: dict[str, list[tuple[str, int, str, int, float]]] = {kind: [] for kind in kinds}
        with ctx.create(NEAR) as out:
            memo = _NearMemo(ctx.memo.get(NEAR), identity, out)
            for kind in kinds:
                for index, left in enumerate(order):
                    for right in order[index:]:
                        pairs = memo.pairs("family_pairs", kind, thresholds[kind],
                                           (left, ctx.inputs[prints[left]].digest, packs[left]),
                                           None if left == right else
                                           (right, ctx.inputs[prints[right]].digest, packs[right]))
                        near[kind].extend((left, a, right, b, similarity) for a, b, similarity in pairs)
                        packs[right].drop_pages()  # one pair of families' pages at a time (pack.drop_pages)
                    packs[left].drop_pages()
            _match_heldout(ctx, packs, kinds, memo)
            keep_rows = {name: memo.keep_rows(pack) for name, pack in packs.items()}
            stats = memo.finish()
        decisions = _Decisions(order, packs, params.threshold, keep_rows)
        decisions.remove(near["conversation"])
        link_rows = decisions.links(near, links)
        return _report(ctx, decisions, link_rows, stats)


def _match_heldout(ctx: StepContext, packs: dict[str, Pack], kinds: list[str], memo: _NearMemo) -> None:
    """Match every family's records against the previous release's held-out index and write each family's
    matches (`matches_file`); near pairs per (kind, pack, index) are memoized like the family pairs.
    An index made with other fingerprint settings is not searched: the leakage gate fails on it and says why."""
    params = ctx.typed(DedupGateParams)
    settings = Settings.from_params(params.settings)
    index = read_heldout(ctx, settings)
    usable = index is not None and index.identity == digest(settings.identity())
    index_digest = digest(sorted(source.digest for source in ctx.sources))
    for name, pack in packs.items():
        found: list[dict[str, Any]] = []
        if index is not None and usable:
            near = {kind: memo.pairs("heldout_pairs", f"heldout:{kind}", params.links.threshold,
                                     (name, ctx.inputs[ids.family_step(name, ids.FINGERPRINT)].digest, pack),
                                     (HELDOUT_SIDE, index_digest, index))
                    for kind in kinds if kind in index.bands}
            found = list(matches(name, pack, index, kinds, near))
            pack.drop_pages()
            index.drop_pages()
        ctx.write_lines(matches_file(name), found)


Side = tuple[str, str, Fingerprints]  # (family, or HELDOUT_SIDE; the digest of its fingerprints; the fingerprints)
HELDOUT_SIDE = "heldout-index"  # never a family name: those have no "-" (config.models.NAME_PATTERN)


class _NearMemo:
    """Near pairs by search, memoized in `near.tsv` (this step's output, and its memo the next time).

    A search is one kind of text between two sides (a family's pack with itself, with another family's, or with
    the held-out index) at one threshold. The table keeps each search's pairs by row and by text, each side's
    searchable texts, and each pack's rows in keep order. A search of the same two fingerprint digests reuses its
    rows; a search whose sides changed since the previous run (same families, kind and threshold) starts from that
    run's pairs and searches only the changed texts (`near_pairs(before=...)`); anything else is searched in full.
    The table written is the same whichever happened, because a search's pairs (and a pack's order) are."""

    def __init__(self, path: Path | None, identity: str, out: OutputFile):
        self.blocks: dict[str, list[tuple[Pair, tuple[str, str]]]] = {}  # search key -> its pairs
        self.slots: dict[str, str] = {}  # (kind, families, threshold) -> the search key it had
        self.texts: dict[str, np.ndarray] = {}  # "digest\tkind" -> that side's searchable texts (uint64)
        self.orders: dict[str, np.ndarray] = {}  # digest of a pack's ids -> its rows in keep order (int64)
        self.out = out
        self.written_texts: dict[str, np.ndarray] = {}
        self.stats: Counter[str] = Counter()  # e.g. family_pairs_reused; held-out counts only once there is an index
        out.write(f"{_NEAR_HEADER}\t{identity}\n".encode())
        if path is not None:
            self._read(path, identity)

    def _read(self, path: Path, identity: str) -> None:
        """The previous table, when made under `identity`: by this code, or by the code before its arrays were
        base64 (texts in hex, rows in decimal, ids digested as text: an upgrade searches no pair again)."""
        with path.open(encoding="utf-8") as fh:
            header = fh.readline().rstrip("\n")
            if header not in (f"{_NEAR_HEADER}\t{identity}", f"{_TEXT_HEADER}\t{identity}"):
                return
            arrays = header.startswith(_NEAR_HEADER)
            current: list[tuple[Pair, tuple[str, str]]] = []
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if parts[0] == "=":
                    key, slot = _search_key(*parts[1:5]), _search_key(parts[1], parts[5], parts[6], parts[4])
                    current = self.blocks.setdefault(key, [])
                    self.slots[slot] = key
                elif parts[0] == "~":
                    self.texts[f"{parts[1]}\t{parts[2]}"] = (
                        _decoded(parts[3], np.uint64) if arrays
                        else hex_column([text.encode("ascii") for text in parts[3].split(",") if text]))
                elif parts[0] == "^":
                    if arrays:
                        self.orders[parts[1]] = _decoded(parts[2], np.int64)
                else:
                    a, b, similarity, text_a, text_b = parts
                    current.append(((int(a), int(b), float(similarity)), (text_a, text_b)))

    def pairs(self, counter: str, kind: str, threshold: float, left: Side, right: Side | None) -> list[Pair]:
        """The search's pairs (rows of `left`, rows of `right`, or of `left` again when `right` is None), found
        again, updated from the previous run's, or reused; written to the table either way."""
        text_kind = kind.removeprefix("heldout:")
        other = left if right is None else right
        key = _search_key(kind, left[1], other[1], str(threshold))
        found = self.blocks.get(key)
        if found is not None:
            self.stats[f"{counter}_reused"] += 1
            pairs = [pair for pair, _ in found]
            written = found  # the previous table's texts: the same search of the same packs, so the same texts
        else:
            before = self._before(_search_key(kind, left[0], other[0], str(threshold)), text_kind)
            self.stats[f"{counter}_{'updated' if before else 'searched'}"] += 1
            pairs = near_pairs(left[2], None if right is None else right[2], text_kind, threshold, before)
            written = list(zip(pairs, zip(left[2].texts(text_kind, np.array([a for a, _, _ in pairs], dtype=np.int64)),
                                          other[2].texts(text_kind, np.array([b for _, b, _ in pairs], dtype=np.int64)),
                                          strict=True), strict=True))
        self.out.write(f"=\t{key}\t{left[0]}\t{other[0]}\n".encode())
        self.out.write("".join(f"{a}\t{b}\t{similarity}\t{text_a}\t{text_b}\n"
                               for (a, b, similarity), (text_a, text_b) in written).encode())
        for digest_, prints in ((left[1], left[2]), (other[1], other[2])):
            side = f"{digest_}\t{text_kind}"
            if side not in self.written_texts:
                known = self.texts.get(side)
                self.written_texts[side] = known if known is not None else \
                    prints.keys(text_kind)[0][prints.searchable(text_kind)]
        return pairs

    def _before(self, slot: str, text_kind: str) -> Searched | None:
        """The previous run's search of the same slot, in texts; None when it or its sides' texts are missing."""
        key = self.slots.get(slot)
        if key is None:
            return None
        _, left_digest, right_digest, _ = key.split("\t")
        left, right = (self.texts.get(f"{side}\t{text_kind}") for side in (left_digest, right_digest))
        if left is None or right is None:
            return None
        return Searched.from_pairs(left, right, [(text_a, text_b, similarity)
                                                 for (_, _, similarity), (text_a, text_b) in self.blocks[key]])

    def keep_rows(self, pack: Pack) -> list[int]:
        """The pack's rows in keep order (`family_keep_rows`): the previous run's when a pack had the same ids in
        the same rows (the order depends on nothing else), which spares sorting a family's ids by natural key when
        its texts changed or another family did; written to the table."""
        ids_digest = pack.rows.ids_digest()
        known = self.orders.get(ids_digest)
        rows = known if known is not None else np.array(family_keep_rows(pack.rows.ids()), dtype=np.int64)
        self.out.write(f"^\t{ids_digest}\t{_encoded(rows)}\n".encode())
        ordered: list[int] = rows.tolist()
        return ordered

    def finish(self) -> dict[str, int]:
        """Write every side's searchable texts (what the next run's updates start from); the search counts."""
        for side, texts in self.written_texts.items():
            self.out.write(f"~\t{side}\t{_encoded(texts)}\n".encode())
        return dict(self.stats)


# 5: a side's texts and a pack's keep order as base64 arrays (little-endian), ids digested from their columns; 4 (by
# ids) wrote them as text, which `_read` still takes (its orders are made again)
_NEAR_HEADER = "#near/5"
_TEXT_HEADER = "#near/4"


def _encoded(values: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(values).astype(values.dtype.newbyteorder("<")).tobytes()).decode()


def _decoded(text: str, dtype: Any) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype)


def _search_key(kind: str, left: str, right: str, threshold: str) -> str:
    """A search's name in the table: by the two sides' digests (a key) or by their families (a slot)."""
    return "\t".join([kind, left, right, threshold])


Ref = tuple[str, int]  # (family, row)
_DIGITS = re.compile(r"(\d+)")


def natural_key(record_id: str) -> tuple[tuple[int, int | str], ...]:
    """"Lowest id" as people read it: digit runs compare as numbers (row 216 before row 1858)."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(record_id) if part)


def family_keep_rows(ids: list[str]) -> list[int]:
    """A family's rows (their ids, in row order) best first: by natural id, then by the id itself (so that a1 and
    a01 have an order too)."""
    return sorted(range(len(ids)), key=lambda row: (natural_key(ids[row]), ids[row]))


class _Decisions:
    """The keep-policy over every family's conversations, then the links between survivors.

    Records are numbered by their place in keep order (a position: families in keep order, each family's rows as
    `keep_rows` orders them), and what is known of every record is an array by position, so the step holds a few
    numbers per record of the release rather than Python objects. Texts are grouped by sorting (`_Texts`); only
    the texts a near pair or a taken-down record names are looked at one by one."""

    def __init__(self, order: list[str], packs: dict[str, Pack], threshold: float, keep_rows: dict[str, list[int]]):
        """`keep_rows`: each family's rows best first (`family_keep_rows`)."""
        self.order = order
        self.packs = packs
        self.threshold = threshold
        self.removed: dict[Ref, dict[str, Any]] = {}
        self.shared_turn_pairs: Counter[str] = Counter()  # family -> distinct turn pairs its survivors share
        self.position: dict[str, np.ndarray] = {}  # family -> each row's position
        self.family_at = np.empty(sum(len(packs[name].rows) for name in order), dtype=np.int32)
        self.row_at = np.empty(len(self.family_at), dtype=np.int64)
        placed = 0
        for index, name in enumerate(order):
            ranked = np.asarray(keep_rows[name], dtype=np.int64)
            positions = np.empty(len(ranked), dtype=np.int64)
            positions[ranked] = np.arange(placed, placed + len(ranked))
            self.position[name] = positions
            self.family_at[placed:placed + len(ranked)] = index
            self.row_at[placed:placed + len(ranked)] = ranked
            placed += len(ranked)
        self.takedown_at = self._at(lambda pack: pack.rows.takedown, bool)
        # Texts by `key`: an int per exact hash, -1 for none (which sorts as the hashes' hex spellings do)
        self.takedown_hashes: dict[int, Ref] = {}  # the first taken-down record of each text, in family and row order
        for name in order:
            for row in np.nonzero(packs[name].rows.takedown)[0].tolist():
                self.takedown_hashes.setdefault(self.text_hash((name, row)), (name, row))
        self.members: _Texts | None = None  # the records not taken down by conversation text (`remove` groups them)

    def _at(self, column: Callable[[Pack], np.ndarray], dtype: Any) -> np.ndarray:
        """A per-row column of every family, by position."""
        found = np.empty(len(self.family_at), dtype=dtype)
        for name in self.order:
            found[self.position[name]] = column(self.packs[name])
        return found

    def _texts(self, kind: str, positions: np.ndarray, wanted: set[int], with_text: bool = False) -> _Texts:
        """These records grouped by their text of `kind` (`with_text`: only those that have one); `wanted`: the
        texts whose records will be asked for (`_Texts`)."""
        keys = self._at(lambda pack: pack.keys(kind)[0], np.uint64)
        present = self._at(lambda pack: pack.keys(kind)[1], bool)
        if with_text:
            positions = positions[present[positions]]
        return _Texts(keys[positions], present[positions], positions, wanted)

    def ref(self, position: int) -> Ref:
        return self.order[int(self.family_at[position])], int(self.row_at[position])

    def priority(self, ref: Ref) -> int:
        return int(self.position[ref[0]][ref[1]])

    def name(self, ref: Ref) -> str:
        return f"{ref[0]}/{self.packs[ref[0]].rows.id(ref[1])}"

    def text_hash(self, ref: Ref, kind: str = "conversation") -> int:
        """The record's text of `kind` as a key: an int per exact hash, -1 for none."""
        keys, present = self.packs[ref[0]].keys(kind)
        return int(keys[ref[1]]) if present[ref[1]] else -1

    def _refs(self, text: int) -> list[Ref]:
        """The records (not taken down) with this conversation text, best first."""
        assert self.members is not None, "grouped by `remove`"
        return [self.ref(position) for position in self.members.positions(text).tolist()]

    def _remove(self, refs: list[Ref], code: str, of: Ref, similarity: float, taken_down: bool = False) -> None:
        for ref in refs:
            if ref not in self.removed:
                self.removed[ref] = {"code": code, "duplicate_of": self.name(of), "similarity": similarity,
                                     **({"duplicate_of_taken_down": True} if taken_down else {})}

    def remove(self, pairs: list[tuple[str, int, str, int, float]]) -> None:
        pairs = [pair for pair in pairs if pair[4] >= self.threshold]
        wanted = {*self.takedown_hashes, *(self.text_hash(side) for left, a, right, b, _ in pairs
                                           for side in ((left, a), (right, b)))}
        self.members = self._texts("conversation", np.nonzero(~self.takedown_at)[0], wanted)
        for text_hash, source in sorted(self.takedown_hashes.items()):
            self._remove(self._refs(text_hash), "takedown_duplicate", source, 1.0, taken_down=True)
        similar: dict[int, list[tuple[float, int]]] = defaultdict(list)
        for left, a, right, b, similarity in pairs:
            one, other = self.text_hash((left, a)), self.text_hash((right, b))
            for mine, theirs, ref in ((one, other, (right, b)), (other, one, (left, a))):
                if theirs in self.takedown_hashes:
                    self._remove(self._refs(mine), "takedown_near_duplicate", self.takedown_hashes[theirs],
                                 similarity, taken_down=True)
                elif not self.packs[ref[0]].rows.takedown[ref[1]]:
                    similar[mine].append((similarity, theirs))
        for group in self.members.shared():  # the best of each text stays, unless it went above
            best = self.ref(int(group[0]))
            if best not in self.removed:
                self._remove([self.ref(position) for position in group[1:].tolist()], "exact_duplicate", best, 1.0)
        # Texts in keep order (of their best record): one is removed when directly similar to a text kept before it.
        # Only texts with a similar one can go, and only texts named as similar are asked whether they were kept.
        named = set(similar) | {theirs for found in similar.values() for _, theirs in found}
        firsts = {text: int(group[0]) for text in named if len(group := self.members.positions(text))}
        kept: set[int] = set()
        for text in sorted(firsts, key=firsts.__getitem__):
            refs = self._refs(text)
            if refs[0] in self.removed:
                continue
            matches = [(similarity, theirs) for similarity, theirs in similar.get(text, ()) if theirs in kept]
            if matches:
                # the most similar kept text; on a tie, the better-ranked one
                similarity, theirs = min(matches, key=lambda m: (-m[0], firsts[m[1]]))
                self._remove(refs, "near_duplicate", self.ref(firsts[theirs]), similarity)
            else:
                kept.add(text)

    def _survivors(self) -> np.ndarray:
        """The positions of the records that stay, best first."""
        stays = ~self.takedown_at
        for ref in self.removed:
            stays[self.priority(ref)] = False
        return np.nonzero(stays)[0]

    def links(self, near: dict[str, list[tuple[str, int, str, int, float]]],
              links: LinksParams) -> list[tuple[str, str, str, float]]:
        """(kind, record, record, similarity) between survivors: stars over records sharing a text or a turn
        pair (to the best-ranked of them), and near pairs at the link threshold between texts' best records."""
        survivors = self._survivors()
        rows: set[tuple[str, str, str, float]] = set()
        for kind in ("conversation", *(k for k in ("user", "assistant") if k in links.compare)):
            linked = [pair for pair in near[kind] if pair[4] >= links.threshold]
            texts = self._texts(kind, survivors, {self.text_hash(side, kind) for left, a, right, b, _ in linked
                                                  for side in ((left, a), (right, b))}, with_text=True)
            for group in texts.shared():
                best = self.ref(int(group[0]))
                rows.update(self._link(kind, best, self.ref(position), 1.0) for position in group[1:].tolist())
            for left, a, right, b, similarity in linked:
                one = texts.positions(self.text_hash((left, a), kind))
                other = texts.positions(self.text_hash((right, b), kind))
                if len(one) and len(other):
                    rows.add(self._link(kind, self.ref(int(one[0])), self.ref(int(other[0])), similarity))
        pair_keys, pair_positions = self._turn_pairs(survivors)
        self.shared_turn_pairs.clear()
        for group in _Texts(pair_keys, np.ones(len(pair_keys), dtype=bool), pair_positions, set()).shared():
            refs = [self.ref(position) for position in group.tolist()]
            self.shared_turn_pairs.update({ref[0] for ref in refs})
            if "turn_pairs" in links.compare:
                rows.update(self._link("turn_pair", refs[0], ref, 1.0) for ref in refs[1:])
        return sorted(rows)

    def _turn_pairs(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every turn-pair hash of these records, and the position of the record holding it."""
        keys, holders = [], []
        for index, name in enumerate(self.order):
            mine = positions[self.family_at[positions] == index]
            found, rows = self.packs[name].rows.pair_columns(self.row_at[mine])
            keys.append(found)
            holders.append(self.position[name][rows])
        return (np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64),
                np.concatenate(holders) if holders else np.zeros(0, dtype=np.int64))

    def _link(self, kind: str, one: Ref, other: Ref, similarity: float) -> tuple[str, str, str, float]:
        left, right = sorted((one, other), key=self.priority)
        return kind, self.name(left), self.name(right), similarity


class _Texts:
    """Records grouped by text: each record's `position`, its text's key (uint64) where `present` (else the text
    is -1: none). A record may hold several texts (its turn pairs), never one twice.

    Only the texts that more than one record holds (`shared`) and those the caller will ask for (`wanted`) are
    grouped by sorting their records: the keys alone are sorted to find the repeated ones (a sort of values, several
    times faster than ordering the records), and a text asked for but not wanted is found by a scan. At 1M a
    one-message change's dedup ordered every record by text five times over (four million turn pairs among them),
    about half its time, to look at a few thousand of them."""

    def __init__(self, keys: np.ndarray, present: np.ndarray, positions: np.ndarray, wanted: set[int]):
        self.absent: np.ndarray = np.sort(positions[~present])  # the records without a text, best first
        self.all_keys = keys[present]
        self.all_positions = positions[present]
        values = np.sort(self.all_keys)
        repeated = values[1:][values[1:] == values[:-1]]
        chosen = np.concatenate((repeated, np.fromiter((text for text in wanted if text >= 0), dtype=np.uint64)))
        held = among(self.all_keys, chosen)
        grouped_keys, grouped_positions = self.all_keys[held], self.all_positions[held]
        order = np.lexsort((grouped_positions, grouped_keys))  # by text, then by position: each group best first
        self.keys = grouped_keys[order]
        self.positions_sorted: np.ndarray = grouped_positions[order]
        change = np.ones(len(order), dtype=bool)
        change[1:] = self.keys[1:] != self.keys[:-1]
        self.starts = np.nonzero(change)[0]
        self.ends = np.append(self.starts[1:], len(order)).astype(np.int64)

    def positions(self, text: int) -> np.ndarray:
        """The positions holding `text` (-1: no text), best first."""
        if text == -1:
            return self.absent
        at = int(np.searchsorted(self.keys, np.uint64(text), side="left"))
        stop = int(np.searchsorted(self.keys, np.uint64(text), side="right"))
        if stop > at:
            return self.positions_sorted[at:stop]
        return np.sort(self.all_positions[self.all_keys == np.uint64(text)])  # held once, or not at all

    def shared(self) -> Iterator[np.ndarray]:
        """Each text held by more than one record, the records without one first: its positions, best first."""
        if len(self.absent) > 1:
            yield self.absent
        many = self.ends - self.starts > 1
        for start, end in zip(self.starts[many].tolist(), self.ends[many].tolist(), strict=True):
            yield self.positions_sorted[start:end]


def _report(ctx: StepContext, decisions: _Decisions, link_rows: list[tuple[str, str, str, float]],
            stats: dict[str, int]) -> DedupResult:
    params = ctx.typed(DedupGateParams)
    with ctx.create(LINKS) as out:
        for kind, left, right, similarity in link_rows:
            out.write(f"{kind}\t{left}\t{right}\t{similarity}\n".encode())
    per_family_links: dict[str, list[str]] = defaultdict(list)
    for kind, left, right, similarity in link_rows:
        left_family, left_id = left.split("/", 1)
        right_family, right_id = right.split("/", 1)
        if left_family == right_family:
            per_family_links[left_family].append(f"{left_id}\t{right_id}\t{kind}\t{similarity}\n")
    families = []
    failed = []
    for name in decisions.order:
        pack = decisions.packs[name]
        removed = sorted(({"id": pack.rows.id(row), **why} for (family, row), why in decisions.removed.items()
                          if family == name), key=lambda entry: entry["id"])
        ctx.write_lines(f"{name}.removed.jsonl", removed, publish=f"gates/dedup/{name}.jsonl", kind="gate_report")
        with ctx.create(f"{name}.links.tsv") as out:
            out.write("".join(sorted(per_family_links[name])).encode("utf-8"))
        fingerprinted = ctx.inputs[ids.family_step(name, ids.FINGERPRINT)].typed(FingerprintResult)
        records = fingerprinted.records
        ratio = len(removed) / records if records else 0.0
        entry: dict[str, Any] = {
            "family": name, "records": records, "removed": len(removed),
            "removed_by": dict(sorted(Counter(row["code"] for row in removed).items())),
            "removed_ratio": round(ratio, 6), "short_texts": fingerprinted.short_texts,
            "shared_turn_pairs": decisions.shared_turn_pairs[name],
            "taken_down_fingerprints": fingerprinted.takedowns, "status": "pass",
            "report": f"gates/dedup/{name}.jsonl"}
        if ratio > params.max_removed_ratio:
            failed.append(name)
            entry.update(status="fail", why=f"{ratio:.1%} of records removed as duplicates, limit "
                                            f"{params.max_removed_ratio:.0%}: check the source and mapping")
        entry["records_listed"] = removed[:50] if entry["status"] == "pass" else listed(
            ctx.outputs[f"{name}.removed.jsonl"].path)
        families.append(entry)
    counts = Counter(kind for kind, *_ in link_rows)
    status: GateStatus = "fail" if failed else "pass"
    settings = params.settings
    report = {"gate": "dedup", "status": status, "failed_families": failed, "keep_policy": {
        "family_priority": decisions.order, "then": "lowest record id (digit runs compared as numbers)"},
        "threshold": params.threshold, "settings": settings,
        "lsh": {kind: dict(zip(("bands", "rows"), Settings.from_params(settings).bands[kind], strict=True))
                for kind in settings["kinds"]},
        "links": {"threshold": params.links.threshold, "compare": params.links.compare,
                  "counts": dict(sorted(counts.items()))},
        "families": families}
    ctx.write_json("report.json", report, publish="gates/dedup.json", kind="gate_report")
    with ctx.create("report.md", publish="gates/dedup.md", kind="gate_report") as out:
        out.write(_markdown(report).encode("utf-8"))
    ctx.stats.update(stats)
    return DedupResult(**gate_meta("dedup", status, params, "gates/dedup.json", families).model_dump(),
                       removed={entry["family"]: entry["removed"] for entry in families})


def _markdown(report: dict[str, Any]) -> str:
    shingle = report["settings"]["shingle"]
    lines = [f"# Dedup gate: {report['status']}", "",
             f"Near-duplicate threshold: Jaccard >= {report['threshold']} over {shingle['unit']} "
             f"{shingle['size']}-shingles, confirmed exactly. Keep-policy: "
             + " > ".join(report["keep_policy"]["family_priority"]) + ", then the lowest id.", "",
             "| family | records | removed | exact | near | taken-down copies | too short to shingle | status |",
             "|---|---|---|---|---|---|---|---|"]
    for family in report["families"]:
        by = family["removed_by"]
        taken = by.get("takedown_duplicate", 0) + by.get("takedown_near_duplicate", 0)
        short = family["short_texts"].get("conversation", 0)
        lines.append(f"| {family['family']} | {family['records']} | {family['removed']} | "
                     f"{by.get('exact_duplicate', 0)} | {by.get('near_duplicate', 0)} | {taken} | {short} | "
                     f"{family['status']} |")
    for family in report["families"]:
        for row in family["records_listed"][:20]:
            lines.append(f"- `{family['family']}/{row['id']}`: {row['code']} of `{row['duplicate_of']}` "
                         f"(similarity {row['similarity']})")
    return "\n".join(lines) + "\n"


