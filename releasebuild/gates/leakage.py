"""Leakage gate: no train record may be an exact or near duplicate of a val/test record, in any family, of this
release or of any release published before it.

Independent of how splits were assigned: it takes the links the dedup step found between surviving records
(same conversation or role text, a shared substantial turn pair, or near duplicates at `threshold`) and the
splits every family's split step chose, and lists every link that crosses from train to val/test, within a
family and across families. Holdout-sensitive families fail on any such pair; others on more than `max_pairs`.
The same `threshold` and `max_group_size` drive the group-aware split assignment, so a clean build has none.

Across releases, by content: the dedup step matches every record against the held-out index the previous release
published (dedup/heldout.py: the val/test records of every release before, by exact hash and by near-duplicate
signature at `threshold`), and the split step makes a matched record follow the held-out split, whatever its id.
This gate blocks every matched record that sits in train (its split could not follow: it was published in
train), and under `cross_release: block` every record matching another record's held-out content. It then
writes this release's index: the previous one plus this release's val/test records.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import zip_longest
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import xxhash
from pydantic import Field

from releasebuild.config.gate import GateConfig
from releasebuild.config.located import Path_
from releasebuild.config.models import Name, Strict
from releasebuild.dedup import heldout
from releasebuild.dedup.heldout import matches_file
from releasebuild.dedup.near import Settings
from releasebuild.dedup.pack import COLUMNS as PACK_COLUMNS
from releasebuild.dedup.pack import FILES as PACK_FILES
from releasebuild.dedup.pack import RECORDS as PACK_RECORDS
from releasebuild.dedup.pack import Pack, ShingleArrays, drop_pages
from releasebuild.dedup.text import KINDS
from releasebuild.gates.base import (
    FamilyChain,
    GateBuild,
    GateParams,
    GateResult,
    GateStatus,
    gate_meta,
    listed,
    unknown_families,
)
from releasebuild.keys import canonical_json
from releasebuild.steps import ids
from releasebuild.steps.base import Step, StepContext, StepSpec, read_jsonl
from releasebuild.store.backends import is_local, local_path
from releasebuild.store.previous import PreviousRelease

Similarity = Annotated[float, Field(gt=0, le=1)]
LINKS = "links.tsv"  # what the dedup step writes for this gate: near-duplicate pairs across records, all families
Compared = Literal["user", "assistant", "turn_pairs"]
HOLDOUT = ("val", "test")
PAIRS = "pairs.jsonl"
HELDOUT_MATCHES = "heldout.jsonl"  # this gate's list of records matching earlier releases' held-out records
CrossRelease = Literal["follow", "block"]
# per family: the blobs its held-out records were read from (`_family_inputs`), those records and their digest,
# which the next run takes while the blobs are the same (an edit reads the family it was made in)
FAMILIES_MEMO = "families.memo.json"
INDEX_KEY = "index_key.json"  # what the held-out index written was a function of (`_index_key`): the next run's memo
HELDOUT_KIND = "heldout_index"


class FamilyLeakage(Strict):
    max_pairs: int = Field(ge=0)


class LeakageGateConfig(GateConfig):
    threshold: Similarity = Field(0.6, description="near-duplicate Jaccard that counts as leakage (and joins groups)")
    # The conversation fingerprint is always compared; these are compared as well. Exact turn pairs are off by
    # default: scripted safety responses are shared across templated conversations on purpose.
    compare: list[Compared] = Field(default_factory=lambda: list[Compared](["user"]))
    max_group_size: int = Field(50, ge=1, description="near-duplicate joining stops at groups of this many records")
    max_pairs: int = Field(0, ge=0, description="leaking pairs tolerated per family that is not holdout-sensitive")
    # `follow` (the default) is what a user expects of sticky splits: a held-out record keeps its split when only its
    # id changed, and nothing waits for a person; it blocks only where the split cannot follow. `block` stops the
    # release at every re-keyed or edited copy of held-out content, for teams that want a person to look at each.
    cross_release: CrossRelease = Field(
        "follow", description="a record matching an earlier release's held-out record by content: follow its split "
                              "(blocked where it cannot), or block the release")
    families: dict[Name, FamilyLeakage] = Field(default_factory=dict)

    def limit_for(self, family: str) -> int:
        return self.families[family].max_pairs if family in self.families else self.max_pairs

    def checks(self, families: set[str]) -> list[tuple[Path_, str, str]]:
        return unknown_families(list(self.families), families, "families")


def heldout_sources(previous: PreviousRelease | None) -> tuple[str, ...]:
    """The previous release's held-out index files (every earlier release's val/test records), as step sources:
    their digests enter the keys of the steps reading them, so a no-op build reads none of them. Empty when there
    is no previous release or it was published before releases carried an index."""
    if previous is None:
        return ()
    return tuple(uri for key in heldout.FILES if (uri := previous.artifact(key)))


def read_heldout(ctx: StepContext, settings: Settings | None = None) -> heldout.HeldoutIndex | None:
    """The previous release's held-out index from the step's sources (fetched into the workdir from a remote root),
    or None; with band keys for `settings` when given (to search it)."""
    local: dict[str, Path] = {}
    for source in ctx.sources:
        key = next((key for key in heldout.FILES if source.uri.endswith("/" + key)), None)
        if key is not None and is_local(source.uri):
            # read where it is published, not copied (700 MB at a million conversations, for dedup and leakage
            # both): a published file is never edited in place, and a replace swaps the directory, leaving a file
            # already open as it was
            local[key] = Path(local_path(source.uri))
        elif key is not None:
            local[key] = ctx.workdir / "previous-index" / key
            local[key].parent.mkdir(parents=True, exist_ok=True)
            ctx.store.download(source.uri, str(local[key]))
    if not local:
        return None
    missing = sorted(set(heldout.FILES) - set(local))
    if missing:  # the previous manifest lists part of an index: never read as "no index", which would pass
        raise ValueError(f"the previous release's held-out index lacks {', '.join(missing)}")
    return heldout.HeldoutIndex(local, settings)


def chain_params(config: LeakageGateConfig, chain: FamilyChain) -> dict[str, dict[str, Any]]:
    """The split step joins near duplicates into groups up to the size this gate allows, so a clean build leaks
    none across splits."""
    return {ids.SPLIT: {"max_group_size": config.max_group_size}}


def build_steps(config: LeakageGateConfig, build: GateBuild) -> list[StepSpec]:
    splits = tuple(ids.family_step(name, ids.SPLIT) for name in build.families)
    prints = tuple(ids.family_step(name, ids.FINGERPRINT) for name in build.families)
    previous = build.previous
    sources = heldout_sources(previous)
    params = {"blocking": config.blocking, "thresholds": config.model_dump(mode="json"),
              "limits": {name: 0 if build.holdout.get(name) else config.limit_for(name) for name in build.families},
              "holdout_sensitive": sorted(name for name in build.families if build.holdout.get(name)),
              "version": build.version,
              "previous": {"version": previous.version, "index": bool(sources)} if previous else None}
    reads: dict[str, tuple[str, ...]] = {
        ids.DEDUP: (LINKS, *(matches_file(name) for name in build.families)),
        **{dep: ("assignment.jsonl",) for dep in splits}, **{dep: PACK_FILES for dep in prints}}
    return [StepSpec(ids.LEAKAGE, LeakageGate.kind, params, (ids.DEDUP, *splits, *prints), sources=sources,
                     source_dir=build.base_dir, reads=reads)]


def find_leaks(links: Iterable[tuple[str, str, str, float]], splits: dict[str, str]) -> Iterator[dict[str, Any]]:
    """Every link whose two records sit on opposite sides of the train / val-test line. `splits` maps
    "family/id" to its split; records not in it (removed) cannot leak."""
    for kind, left, right, similarity in links:
        one, other = splits.get(left), splits.get(right)
        if one is None or other is None or (one == "train") == (other == "train"):
            continue
        train, held = (left, right) if one == "train" else (right, left)
        yield {"kind": kind, "train": train, "heldout": held, "heldout_split": splits[held],
               "similarity": similarity}


def read_links(path: Path) -> Iterator[tuple[str, str, str, float]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            kind, left, right, similarity = line.rstrip("\n").split("\t")
            yield kind, left, right, float(similarity)


class PreviousIndex(Strict):
    version: str
    index: bool  # whether it published a held-out index (releases before it did not)


class LeakageGateParams(GateParams):
    limits: dict[str, int]  # family -> the most leaked records it may have (its threshold)
    holdout_sensitive: list[str]  # families whose holdout records may not appear in train at all
    version: str  # this release: what its entries of the held-out index are tagged with
    previous: PreviousIndex | None


class LeakageGate(Step):
    kind = "gate_leakage"
    # 3: the index's key (INDEX_KEY), so that an unchanged index is handed on; 4: a family's held-out records from
    # the previous run while its blobs are the same (FAMILIES_MEMO)
    code_version = "4"
    Params = LeakageGateParams
    Result = GateResult
    memo = (INDEX_KEY, heldout.INDEX, FAMILIES_MEMO)

    @staticmethod
    def run(ctx: StepContext) -> GateResult:
        params = ctx.typed(LeakageGateParams)
        limits = params.limits
        packs = {name: _pack(ctx, name) for name in limits}
        named = _named(ctx, list(limits))
        splits: dict[str, str] = {}  # "family/id" -> split, of the records a link or a held-out match names
        held: dict[str, list[tuple[str, int, str]]] = {}  # family -> its val/test records: id, pack row, split
        digests: dict[str, str] = {}  # family -> `_held_digest` of its held-out records
        before = json.loads(ctx.memo[FAMILIES_MEMO].read_bytes()) if FAMILIES_MEMO in ctx.memo else {}
        named_families = {record.split("/", 1)[0] for record in named}
        inputs = {name: _family_inputs(ctx, name) for name in packs}
        for name, (pack, _) in packs.items():
            known = before.get(name)
            if known is not None and known["inputs"] == inputs[name] and name not in named_families:
                held[name] = [(record_id, row, split) for record_id, row, split in known["held"]]
                digests[name] = known["digest"]
                continue
            ctx.stats["families_read"] = ctx.stats.get("families_read", 0) + 1
            held[name] = []
            for record_id, row, split in _assigned(ctx, name, pack):
                if f"{name}/{record_id}" in named:
                    splits[f"{name}/{record_id}"] = split
                if split in HOLDOUT:
                    held[name].append((record_id, row, split))
            digests[name] = _held_digest(pack, held[name])
        with ctx.create(FAMILIES_MEMO) as out:  # compact: indented, a million conversations' took 0.6 s to write
            out.write(canonical_json({name: {"inputs": inputs[name], "held": held[name], "digest": digests[name]}
                                      for name in packs}).encode("utf-8"))
        per_family: Counter[str] = Counter()
        kinds: Counter[str] = Counter()
        with ctx.create(PAIRS, publish="gates/leakage/pairs.jsonl", kind="gate_report") as out:
            for leak in find_leaks(read_links(ctx.input_path(ids.DEDUP, LINKS)), splits):
                out.write((json.dumps(leak, sort_keys=True) + "\n").encode("utf-8"))
                kinds[leak["kind"]] += 1
                for family in {leak["train"].split("/", 1)[0], leak["heldout"].split("/", 1)[0]}:
                    per_family[family] += 1
        cross = _cross_release(ctx, params, splits, packs, held, digests)
        holdout = set(params.holdout_sensitive)
        families = []
        for name, limit in limits.items():
            leaks = per_family[name]
            outcomes = cross.outcomes[name]
            failing = leaks > limit or outcomes["blocked"] > 0 or cross.unusable
            entry: dict[str, Any] = {"family": name, "holdout_sensitive": name in holdout, "leaking_pairs": leaks,
                                     "max_pairs": limit, "cross_release": dict(outcomes),
                                     "status": "fail" if failing else "pass"}
            why = []
            if leaks > limit:
                rule = "holdout-sensitive: none allowed" if name in holdout else f"limit {limit}"
                why.append(f"{leaks} train/heldout duplicate pair(s) ({rule})")
                entry["records_listed"] = [row for row in listed(ctx.outputs[PAIRS].path)
                                           if name in (row["train"].split("/", 1)[0],
                                                       row["heldout"].split("/", 1)[0])]
            if outcomes["blocked"]:
                why.append(f"{outcomes['blocked']} record(s) match held-out records of earlier releases "
                           f"({_blocked_rule(params)})")
            if cross.unusable:
                why.append(cross.unusable)
            if cross.rows[name]:
                entry["cross_release_listed"] = cross.rows[name][:LISTED]
            if why:
                entry["why"] = "; ".join(why)
            families.append(entry)
        failed = [entry["family"] for entry in families if entry["status"] == "fail"]
        status: GateStatus = "fail" if failed else "pass"
        thresholds = params.thresholds
        report = {"gate": "leakage", "status": status, "threshold": thresholds["threshold"],
                  "compared": ["conversation", *thresholds["compare"]], "leaking_pairs": sum(kinds.values()),
                  "by_kind": dict(sorted(kinds.items())), "pairs": "gates/leakage/pairs.jsonl",
                  "cross_release": cross.summary(params), "failed_families": failed, "families": families}
        ctx.write_json("report.json", report, publish="gates/leakage.json", kind="gate_report")
        with ctx.create("report.md", publish="gates/leakage.md", kind="gate_report") as out:
            out.write(_markdown(report).encode("utf-8"))
        return gate_meta("leakage", status, params, "gates/leakage.json", families)


LISTED = 200  # records matching earlier held-out ones that a family's entry lists inline (all are in the file)


def _blocked_rule(params: LeakageGateParams) -> str:
    if params.thresholds["cross_release"] == "block":
        return "cross_release: block"
    return "in train: their split could not follow"


def _named(ctx: StepContext, families: list[str]) -> set[str]:
    """Every record ("family/id") a link or a held-out match names: the only ones whose split is looked up by name.
    The others are walked family by family: the gate holds the splits of these and the val/test records it adds to
    the held-out index, not one per record of the release."""
    named: set[str] = set()
    for _, left, right, _ in read_links(ctx.input_path(ids.DEDUP, LINKS)):
        named.update((left, right))
    for name in families:
        named.update(f"{name}/{match['id']}" for match in read_jsonl(ctx.input_path(ids.DEDUP, matches_file(name))))
    return named


def _assigned(ctx: StepContext, family: str, pack: Pack) -> Iterator[tuple[str, int, str]]:
    """The family's records that ship, each with its pack row and split. The split step's assignment.jsonl and the
    pack's rows not taken down both follow the privacy step's records, one for one and in the same order: they are
    walked side by side, and a record out of step fails the gate rather than pairing a record with another's row."""
    record_ids = pack.rows.ids()
    rows = np.nonzero(~pack.rows.takedown)[0].tolist()
    assignment = read_jsonl(ctx.input_path(ids.family_step(family, ids.SPLIT), "assignment.jsonl"))
    for row, assigned in zip_longest(rows, assignment):
        if assigned is None:
            raise ValueError(f"{family}: the fingerprint pack has records the split assignment lacks")
        if row is None or record_ids[row] != assigned["id"]:
            raise ValueError(f"{family}: the split assignment and the fingerprint pack disagree at record "
                             f"{assigned['id']!r}")
        if assigned["split"] is not None:
            yield assigned["id"], row, assigned["split"]


def _family_inputs(ctx: StepContext, family: str) -> list[str]:
    """The blobs a family's held-out records and their digest (`_assigned`, `_held_digest`) are read from: its split
    assignment, and its pack's rows (records.tsv and the columns made of it)."""
    files = ctx.inputs[ids.family_step(family, ids.FINGERPRINT)].files
    return [ctx.inputs[ids.family_step(family, ids.SPLIT)].files["assignment.jsonl"].sha256,
            *(files[name].sha256 for name in (PACK_RECORDS, *PACK_COLUMNS) if name in files)]


def _pack(ctx: StepContext, family: str) -> tuple[Pack, dict[str, Path]]:
    step = ids.family_step(family, ids.FINGERPRINT)
    files = {name: ctx.input_path(step, name) for name in PACK_FILES}
    return Pack(files), files


class _CrossRelease:
    """What the held-out index of earlier releases says of this release's records, per family."""

    def __init__(self, families: list[str]):
        self.outcomes: dict[str, Counter[str]] = {name: Counter(matched=0, followed=0, blocked=0)
                                                  for name in families}
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in families}
        self.unusable = ""  # why the previous index could not be read against this build, if it could not
        self.index: dict[str, Any] | None = None  # the previous index's shape
        self.written: dict[str, Any] = {}  # this release's index as written

    def summary(self, params: LeakageGateParams) -> dict[str, Any]:
        previous = params.previous
        totals: Counter[str] = Counter()
        for counts in self.outcomes.values():
            totals.update(counts)
        return {"policy": params.thresholds["cross_release"],
                "previous": previous.version if previous else None,
                "index": self.index, "unusable": self.unusable or None,
                "matched": totals["matched"], "followed": totals["followed"], "blocked": totals["blocked"],
                "records": f"gates/leakage/{HELDOUT_MATCHES}", "published_index": heldout.INDEX,
                "published_entries": self.written.get("rows", 0)}


def _cross_release(ctx: StepContext, params: LeakageGateParams, splits: dict[str, str],
                   packs: dict[str, tuple[Pack, dict[str, Path]]], held: dict[str, list[tuple[str, int, str]]],
                   digests: dict[str, str]) -> _CrossRelease:
    """Judge the records the dedup step matched to earlier held-out ones (written to HELDOUT_MATCHES), then
    write this release's held-out index: the previous index's entries and this release's val/test records
    (`held`: per family, id, pack row and split)."""
    cross = _CrossRelease(list(packs))
    first = next(iter(packs.values()))[0]
    identity = str(first.info["identity"])
    previous = read_heldout(ctx)
    if previous is not None:
        cross.index = {"releases": previous.releases(), "entries": len(previous.entries)}
        if previous.identity != identity:
            cross.unusable = (f"the held-out index of {params.previous.version if params.previous else '?'} was "
                              "made with other dedup fingerprint settings (normalize, shingle, num_perm, seed): "
                              "it cannot be compared, so held-out records of earlier releases are not checked")
    policy = params.thresholds["cross_release"]
    with ctx.create(HELDOUT_MATCHES, publish=f"gates/leakage/{HELDOUT_MATCHES}", kind="gate_report") as out:
        for name in packs:
            for match in read_jsonl(ctx.input_path(ids.DEDUP, matches_file(name))):
                record = f"{name}/{match['id']}"
                split = splits.get(record)
                if split is None:
                    continue  # removed or quarantined: it does not ship
                if split in HOLDOUT and match["record"] == record:
                    continue  # the same record, held out again: what sticky splits are for
                cross.outcomes[name]["matched"] += 1
                if split == "train":
                    outcome, why = "blocked", f"in train: its split could not follow the {match['split']} record"
                elif policy == "block":
                    outcome, why = "blocked", "cross_release: block"
                else:
                    outcome, why = "followed", f"assigned {split}"
                cross.outcomes[name][outcome] += 1
                listed_row = {"record": record, "split": split, "matches": {
                    "release": match["release"], "record": match["record"], "split": match["split"]},
                    "kind": match["kind"], "similarity": match["similarity"], "outcome": outcome, "why": why}
                cross.rows[name].append(listed_row)
                out.write((json.dumps(listed_row, sort_keys=True) + "\n").encode("utf-8"))
    key = _index_key(ctx, params, identity, first.num_perm, previous is not None and not cross.unusable, digests)
    ctx.write_json(INDEX_KEY, key)
    known = ctx.memo.get(INDEX_KEY)
    if known is not None and json.loads(known.read_bytes()) == key and heldout.INDEX in ctx.memo:
        for name in heldout.FILES:  # the index this run would write: the previous run's, by reference
            ctx.reuse(name, name, publish=name, kind=HELDOUT_KIND)
        cross.written = json.loads(ctx.memo[heldout.INDEX].read_bytes())
        ctx.stats["index_reused"] = 1
        return cross
    writer = heldout.IndexWriter(lambda key: ctx.open_output(key, publish=key, kind=HELDOUT_KIND), identity,
                                 first.num_perm)
    if previous is not None and not cross.unusable:
        for start in range(0, len(previous.entries), PAGES_HELD):
            writer.add_previous(previous, range(start, min(start + PAGES_HELD, len(previous.entries))))
            _drop_pages(previous, previous.sigs)
    for name, (pack, files) in packs.items():
        sigs = heldout.pack_signatures(pack, files)
        ordered = sorted(held[name])
        for start in range(0, len(ordered), PAGES_HELD):
            chunk = ordered[start:start + PAGES_HELD]
            rows = np.array([row for _, row, _ in chunk], dtype=np.int64)
            texts = zip(*(pack.texts(kind, rows) for kind in KINDS), strict=True)  # each row's, by kind
            writer.add([heldout.Entry(params.version, f"{name}/{record_id}", split, dict(zip(KINDS, hashes,
                                                                                             strict=True)))
                        for (record_id, _, split), hashes in zip(chunk, texts, strict=True)], pack, rows, sigs)
            _drop_pages(pack, sigs)
    cross.written = writer.finish()
    return cross


def _held_digest(pack: Pack, held: list[tuple[str, int, str]]) -> str:
    """What a family adds to the held-out index, as a digest: its held-out records' ids and splits, in the order
    they are added, and their exact hashes per kind. A record's signatures and shingles are functions of its texts,
    which its exact hashes name (as dedup takes them: one hash, one text); the step's settings are in the key."""
    ordered = sorted(held)
    rows = np.array([row for _, row, _ in ordered], dtype=np.int64)
    hasher = xxhash.xxh3_128(canonical_json([[record_id, split] for record_id, _, split in ordered]).encode())
    for kind in KINDS:
        keys, present = pack.rows.keys(kind)
        hasher.update(np.ascontiguousarray(keys[rows], dtype="<u8").tobytes())
        hasher.update(present[rows].astype(np.uint8).tobytes())
    return hasher.hexdigest()


def _index_key(ctx: StepContext, params: LeakageGateParams, identity: str, num_perm: int, with_previous: bool,
               families: dict[str, str]) -> dict[str, Any]:
    """Everything the held-out index this run writes is a function of: the fingerprint settings, this release's
    version, the previous index (its files' digests) and whether it is copied, and each family's held-out records
    (`_held_digest`), in order. An edit to a train record leaves it as it was: the step then hands the previous
    run's index on (INDEX_KEY), instead of writing every release's held-out records again (700 MB at a million
    conversations)."""
    return {"identity": identity, "num_perm": num_perm, "version": params.version, "with_previous": with_previous,
            "previous": sorted(source.digest for source in ctx.sources),
            "families": [[name, held] for name, held in families.items()]}


# Records whose signatures and shingles are copied into the index at once, between two `_drop_pages`: a held-out
# row's pages are scattered over the maps, so without dropping them the step keeps most of every family's maps
# resident
PAGES_HELD = 1024


def _drop_pages(prints: ShingleArrays, sigs: dict[str, np.ndarray]) -> None:
    prints.drop_pages()
    drop_pages(*sigs.values())


def _markdown(report: dict[str, Any]) -> str:
    lines = [f"# Leakage gate: {report['status']}", "",
             f"Train vs val/test, compared by: {', '.join(report['compared'])} (near duplicates at Jaccard >= "
             f"{report['threshold']}). Leaking pairs: {report['leaking_pairs']}.", "",
             "| family | holdout-sensitive | leaking pairs | allowed | status |", "|---|---|---|---|---|"]
    for family in report["families"]:
        lines.append(f"| {family['family']} | {'yes' if family['holdout_sensitive'] else 'no'} | "
                     f"{family['leaking_pairs']} | {family['max_pairs']} | {family['status']} |")
    for family in report["families"]:
        for row in family.get("records_listed", [])[:20]:
            lines.append(f"- {row['kind']}: `{row['train']}` (train) ~ `{row['heldout']}` ({row['heldout_split']}), "
                         f"similarity {row['similarity']}")
    cross = report["cross_release"]
    index = cross["index"]
    if index:
        source = (f"Index of {cross['previous']}: {index['entries']} held-out records of "
                  f"{', '.join(index['releases']) or 'no release'}.")
    elif cross["previous"]:
        source = f"No held-out index: {cross['previous']} was published without one."
    else:
        source = "No earlier release."
    lines += ["", "## Held-out records of earlier releases", "",
              f"Policy `cross_release: {cross['policy']}`. {source} Matched: {cross['matched']}, followed their "
              f"split: {cross['followed']}, blocked: {cross['blocked']}."]
    if cross["unusable"]:
        lines.append(f"Not checked: {cross['unusable']}.")
    for family in report["families"]:
        for row in family.get("cross_release_listed", [])[:20]:
            match = row["matches"]
            lines.append(f"- `{row['record']}` ({row['split']}) matches `{match['record']}` ({match['split']} in "
                         f"{match['release']}), {row['kind']} similarity {row['similarity']}: {row['outcome']}")
    return "\n".join(lines) + "\n"
