"""One family's bias counts, by split: a streaming pass that keeps tables of counts and small samples, never the
records.

Per conversation and per role (user, assistant): which identity categories are mentioned and how often; which
assistant patterns (refusals, crisis escalation, stereotyped phrasing) occur, also among the conversations whose
user mentions each identity category; the source's labels (metadata fields); the language; the reading level.
Every cell (a category, a label value, a language...) keeps a seeded bottom-k sample per split, so the gate can
show reviewers the conversations behind any flag it raises.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from releasebuild.bias.language import UNDETERMINED, language
from releasebuild.bias.lexicon import Hit, Lexicon, Matcher, tokens
from releasebuild.bias.reading_level import grade_tenths
from releasebuild.distribution.stats import DECIMALS, Distribution, subtract_counts
from releasebuild.review.sampling import allocate, rank

ROLES: tuple[str, ...] = ("user", "assistant")
ALL = "all"  # a family's row over every split
TOO_MANY = "too_many_values"


def identity_cell(lexicon: str, category: str) -> str:
    return f"identity/{lexicon}/{category}"


def pattern_cell(lexicon: str, category: str) -> str:
    return f"assistant/{lexicon}/{category}"


def label_cell(name: str, value: str) -> str:
    return f"label/{name}/{value}"


def language_cell(role: str, code: str) -> str:
    return f"language/{role}/{code}"


@dataclass
class SplitCounts:
    """The tables of one split (or of a family's every split, merged)."""

    conversations: int = 0
    identity: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)  # lex, cat, role|any, what
    patterns: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # lex, cat, conversations|mentions
    by_identity: Counter[tuple[str, str]] = field(default_factory=Counter)  # pattern cell, identity cell
    labels: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    languages: Counter[tuple[str, str]] = field(default_factory=Counter)  # role, code
    reading: dict[str, Distribution] = field(default_factory=lambda: {role: Distribution() for role in ROLES})

    def merge(self, other: SplitCounts) -> None:
        self.conversations += other.conversations
        self.identity.update(other.identity)
        self.patterns.update(other.patterns)
        self.by_identity.update(other.by_identity)
        for name, values in other.labels.items():
            self.labels[name].update(values)
        self.languages.update(other.languages)
        for role in ROLES:
            self.reading[role].merge(other.reading[role])

    def remove(self, other: SplitCounts) -> None:
        """Take out the conversations `other` holds (which `merge` put in): a count, a label or a value left at 0
        is gone, as if never added."""
        self.conversations -= other.conversations
        for mine, theirs in ((self.identity, other.identity), (self.patterns, other.patterns),
                             (self.by_identity, other.by_identity), (self.languages, other.languages)):
            subtract_counts(mine, theirs)
        for name, values in other.labels.items():
            subtract_counts(self.labels[name], values)
            if not self.labels[name]:
                del self.labels[name]
        for role in ROLES:
            self.reading[role].remove(other.reading[role])

    def to_state(self) -> dict[str, Any]:
        """The tables exactly, as JSON (`from_state` gives them back)."""
        return {"conversations": self.conversations,
                "identity": sorted([*key, count] for key, count in self.identity.items()),
                "patterns": sorted([*key, count] for key, count in self.patterns.items()),
                "by_identity": sorted([*key, count] for key, count in self.by_identity.items()),
                "labels": {name: dict(sorted(values.items())) for name, values in sorted(self.labels.items())
                           if values},
                "languages": sorted([*key, count] for key, count in self.languages.items()),
                "reading": {role: self.reading[role].to_json() for role in ROLES}}

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> SplitCounts:
        counts = cls(conversations=data["conversations"])
        counts.identity.update({tuple(row[:4]): row[4] for row in data["identity"]})
        counts.patterns.update({tuple(row[:3]): row[3] for row in data["patterns"]})
        counts.by_identity.update({tuple(row[:2]): row[2] for row in data["by_identity"]})
        for name, values in data["labels"].items():
            counts.labels[name].update(values)
        counts.languages.update({tuple(row[:2]): row[2] for row in data["languages"]})
        counts.reading = {role: Distribution.from_json(data["reading"][role]) for role in ROLES}
        return counts

    def to_json(self, lexicons: dict[str, Lexicon], label_names: list[str], overflowed: set[str]) -> dict[str, Any]:
        """Every category of every lexicon is listed, zeros included: an absence is a finding too."""
        identity: dict[str, Any] = {}
        patterns: dict[str, Any] = {}
        for name, lexicon in sorted(lexicons.items()):
            if lexicon.kind == "identity":
                identity[name] = {
                    category: {"conversations": self.identity[name, category, "any", "conversations"],
                               **{role: {what: self.identity[name, category, role, what]
                                         for what in ("conversations", "mentions")} for role in ROLES}}
                    for category in lexicon.categories}
            else:
                patterns[name] = {category: {what: self.patterns[name, category, what]
                                             for what in ("conversations", "mentions")}
                                  for category in lexicon.categories}
        by_identity: dict[str, dict[str, int]] = defaultdict(dict)
        for (pattern, identity_name), count in sorted(self.by_identity.items()):
            by_identity[pattern][identity_name] = count
        return {
            "conversations": self.conversations,
            "identity": identity,
            "assistant_patterns": patterns,
            "by_identity": dict(by_identity),
            "labels": {name: ({TOO_MANY: True} if name in overflowed else dict(sorted(self.labels[name].items())))
                       for name in label_names},
            "languages": {role: {code: count for (r, code), count in sorted(self.languages.items()) if r == role}
                          for role in ROLES},
            "reading_level": {role: _reading_json(self.reading[role]) for role in ROLES},
        }


def _hits_json(hits: Counter[Hit]) -> list[list[str | int]]:
    """Hits as [lexicon, category, mentions] rows, in the order they were found."""
    return [[hit.lexicon, hit.category, mentions] for hit, mentions in hits.items()]


def _hits(rows: list[list[Any]]) -> Counter[Hit]:
    return Counter({Hit(lexicon, category): mentions for lexicon, category, mentions in rows})


def _reading_json(grades: Distribution) -> dict[str, Any]:
    def grade(value: float | None) -> float | None:
        return None if value is None else round(value / 10, DECIMALS)

    whole: Counter[int] = Counter()
    for tenths, count in grades.counts.items():
        whole[tenths // 10] += count
    return {"conversations": grades.size, "mean": grade(grades.mean()), "median": grade(grades.quantile(0.5)),
            "p90": grade(grades.quantile(0.9)), "histogram": sorted([value, count] for value, count in whole.items())}


class FamilyCounter:
    """What a conversation says, by the lexicons (`measure`)."""

    def __init__(self, lexicons: dict[str, Lexicon]):
        self.lexicons = lexicons
        self.identity = Matcher({n: lex for n, lex in lexicons.items() if lex.kind == "identity"})
        self.patterns = Matcher({n: lex for n, lex in lexicons.items() if lex.kind == "assistant"})

    def measure(self, record: dict[str, Any]) -> dict[str, Any]:
        """What one conversation says, as JSON: the lexicon hits of each role's messages (mentions per category),
        the assistant patterns, each role's language and reading level, and the metadata fields that could be
        labels. This is the costly part of counting and a function of the record, the lexicons and the language
        and reading-level versions only, so the step keeps it in its record memo and a rerun measures only the
        records it has not seen. `Tally.add` counts it; cold or reused, it counts the same JSON."""
        texts = {role: [m["content"] for m in record["messages"] if m["role"] == role] for role in ROLES}
        words = {role: [tokens(text) for text in texts[role]] for role in ROLES}  # split once, matched twice
        said: dict[str, Counter[Hit]] = {role: Counter() for role in ROLES}
        for role in ROLES:
            for text_words in words[role]:
                said[role].update(self.identity.count_words(text_words))
        patterns: Counter[Hit] = Counter()
        for text_words in words["assistant"]:
            patterns.update(self.patterns.count_words(text_words))
        grades = {role: grade_tenths(texts[role]) for role in ROLES if texts[role]}
        return {"said": {role: _hits_json(said[role]) for role in ROLES},
                "patterns": _hits_json(patterns),
                "languages": {role: language("\n".join(texts[role])) for role in ROLES if texts[role]},
                "grades": {role: grade for role, grade in grades.items() if grade is not None},
                "labels": [[name, str(value).lower() if isinstance(value, bool) else str(value)]
                           for name, value in sorted((record.get("metadata") or {}).items())
                           if isinstance(value, (str, int, bool)) and value != ""]}


# A record offered to a cell's sample: (rank, id, where it is): its line's index in its part, in a part's tally;
# the line as published, in a family's.
Candidate = tuple[int, str, Any]
Published = Callable[[Any, str], str]  # a part's line as published, from where it is in the part and its split


@dataclass
class Sampling:
    """How the tally draws and what it tabulates: the labels asked for (None: every scalar metadata field), how
    many distinct values make a field no label, each cell's sample size and the seed of its ranks."""

    labels: list[str] | None
    max_label_values: int
    size: int
    seed: int


class Tally:
    """What the bias counts fold a family's shipped records into (steps/folds.py): each split's tables, each cell's
    conversations per split, the label fields offered, and each cell's sample per split: its `size` lowest-ranked
    records (by rank, then id: the most any allocation takes). All sums but the samples, so a part's tally (a
    fragment) adds to and subtracts from a family's exactly (`merge`, `remove`); a sample that lost a member to a
    removed part is drawn again from every part's (`redraw`).

    A label field with more values in one part than a family may have (an id, free text) is no label whatever the
    other parts hold: that part's tally drops the field's values and cells and counts the field as overflowed
    (`settle`), so no tally holds more than `max_label_values` values of a field per part. Whether a field is a
    label follows the family's values, whatever the order of its records (`overflowed`)."""

    def __init__(self) -> None:
        self.splits: dict[str, SplitCounts] = {}
        self.population: dict[str, Counter[str]] = {}  # cell -> split -> conversations
        self.offered: Counter[str] = Counter()  # label field -> conversations offering it
        self.overflowed_parts: Counter[str] = Counter()  # label field -> parts that dropped it (`settle`)
        self.samples: dict[str, dict[str, list[Candidate]]] = {}  # cell -> split -> lowest-ranked, in order

    def add(self, sampling: Sampling, record_id: str, split: str, measured: dict[str, Any], where: Any) -> None:
        """Count one conversation of `split` from what `measure` made of it; offer it to every cell it falls in."""
        counts = self.splits.setdefault(split, SplitCounts())
        counts.conversations += 1
        cells = [ALL]
        said = {role: _hits(measured["said"][role]) for role in ROLES}
        for role in ROLES:
            for hit, mentions in said[role].items():
                counts.identity[hit.lexicon, hit.category, role, "conversations"] += 1
                counts.identity[hit.lexicon, hit.category, role, "mentions"] += mentions
        mentioned = set(said["user"]) | set(said["assistant"])
        for hit in mentioned:
            counts.identity[hit.lexicon, hit.category, "any", "conversations"] += 1
            cells.append(identity_cell(hit.lexicon, hit.category))
        for hit, mentions in _hits(measured["patterns"]).items():
            counts.patterns[hit.lexicon, hit.category, "conversations"] += 1
            counts.patterns[hit.lexicon, hit.category, "mentions"] += mentions
            cell = pattern_cell(hit.lexicon, hit.category)
            cells.append(cell)
            for identity in said["user"]:
                crossed = identity_cell(identity.lexicon, identity.category)
                counts.by_identity[cell, crossed] += 1
                cells.append(f"{cell}+{crossed}")
        for name, value in measured["labels"]:
            if sampling.labels is None or name in sampling.labels:
                self.offered[name] += 1
                counts.labels[name][value] += 1
                cells.append(label_cell(name, value))
        for role, code in measured["languages"].items():
            counts.languages[role, code] += 1
            if code != UNDETERMINED:
                cells.append(language_cell(role, code))
        for role, grade in measured["grades"].items():
            counts.reading[role].add(grade)
        for cell in cells:
            self.population.setdefault(cell, Counter())[split] += 1
            _offer(self.samples.setdefault(cell, {}).setdefault(split, []),
                   (rank(sampling.seed, cell, record_id), record_id, where), sampling.size)

    def settle(self, max_label_values: int) -> None:
        """A part's tally, once every record is in: drop each label field with more values than a family may have
        (its counts, cells and samples), counting it as overflowed."""
        for name in {name for counts in self.splits.values() for name in counts.labels}:
            if len(_values(self.splits, name)) > max_label_values:
                self.overflowed_parts[name] += 1
                for counts in self.splits.values():
                    counts.labels.pop(name, None)
                prefix = f"label/{name}/"
                for table in (self.population, self.samples):
                    for cell in [cell for cell in table if cell.startswith(prefix)]:
                        del table[cell]

    def merge(self, other: Tally, size: int, line: Published) -> None:
        """Add a part's tally, its samples' lines found by `line(where, split)`."""
        for split, counts in other.splits.items():
            self.splits.setdefault(split, SplitCounts()).merge(counts)
        for cell, splits in other.population.items():
            self.population.setdefault(cell, Counter()).update(splits)
        self.offered.update(other.offered)
        self.overflowed_parts.update(other.overflowed_parts)
        for cell, by_split in other.samples.items():
            for split, candidates in by_split.items():
                mine = self.samples.setdefault(cell, {}).setdefault(split, [])
                for record_rank, record_id, where in candidates:
                    _offer(mine, (record_rank, record_id, line(where, split)), size)

    def remove(self, other: Tally) -> set[tuple[str, str]]:
        """Take out a part's tally merged in before. Returns the (cell, split) samples that lost a member: drawn
        again by `redraw` once every part is in."""
        for split, counts in other.splits.items():
            self.splits[split].remove(counts)
            if not self.splits[split].conversations:
                del self.splits[split]
        for cell, splits in other.population.items():
            subtract_counts(self.population[cell], splits)
            if not self.population[cell]:
                del self.population[cell]
        subtract_counts(self.offered, other.offered)
        subtract_counts(self.overflowed_parts, other.overflowed_parts)
        broken = set()
        for cell, by_split in other.samples.items():
            for split, candidates in by_split.items():
                gone = {record_id for _, record_id, _ in candidates}
                if any(record_id in gone for _, record_id, _ in self.samples[cell][split]):
                    broken.add((cell, split))
        return broken

    def redraw(self, broken: set[tuple[str, str]], parts: Iterable[tuple[Tally, Published]],
               size: int) -> None:
        """Draw the `broken` samples again from every part's tally (with how to find its lines): each one's
        lowest-ranked records, as a cold run draws them."""
        drawn: dict[tuple[str, str], list[tuple[int, str, Any, Published]]] = {key: [] for key in broken}
        for part, line in parts:
            for cell, split in broken:
                for record_rank, record_id, where in part.samples.get(cell, {}).get(split, []):
                    drawn[cell, split].append((record_rank, record_id, where, line))
        for (cell, split), candidates in drawn.items():
            lowest = sorted(candidates, key=lambda candidate: candidate[:2])[:size]
            if lowest:
                self.samples[cell][split] = [(record_rank, record_id, line(where, split))
                                             for record_rank, record_id, where, line in lowest]
            else:
                del self.samples[cell][split]
                if not self.samples[cell]:
                    del self.samples[cell]

    def overflowed(self, max_label_values: int) -> set[str]:
        """The label fields that are no label: more values than `max_label_values` in the family."""
        return ({name for name in self.overflowed_parts}
                | {name for name in self.offered if len(_values(self.splits, name)) > max_label_values})

    def section(self, lexicons: dict[str, Lexicon], sampling: Sampling) -> dict[str, Any]:
        """The family's counts: a row per split and the merged row, ready for the report."""
        merged = SplitCounts()
        for counts in self.splits.values():
            merged.merge(counts)
        names = sorted(set(sampling.labels or ()) | set(self.offered))
        rows = {ALL: merged, **dict(sorted(self.splits.items()))}
        overflowed = self.overflowed(sampling.max_label_values)
        return {split: counts.to_json(lexicons, names, overflowed) for split, counts in rows.items()}

    def drawn(self, sampling: Sampling) -> list[dict[str, Any]]:
        """Each cell's sample, stratified by split: {cell, split, id, line}, in cell, split, id order."""
        rows = []
        for cell in self._kept(sampling, self.samples):
            allocation = allocate(dict(self.population[cell]), sampling.size)
            for split, count in sorted(allocation.items()):
                lowest = self.samples[cell].get(split, [])[:count]
                rows += [{"cell": cell, "split": split, "id": record_id, "line": line}
                         for _, record_id, line in sorted(lowest, key=lambda candidate: candidate[1])]
        return rows

    def cells(self, sampling: Sampling) -> dict[str, dict[str, int]]:
        """Conversations per cell and split."""
        return {cell: dict(sorted(self.population[cell].items())) for cell in self._kept(sampling, self.population)}

    def _kept(self, sampling: Sampling, table: dict[str, Any]) -> list[str]:
        """The cells of `table` in order, without those of a label field that turned out not to be a label."""
        prefixes = tuple(f"label/{name}/" for name in self.overflowed(sampling.max_label_values))
        return sorted(cell for cell in table if not (prefixes and cell.startswith(prefixes)))

    def to_state(self) -> dict[str, Any]:
        """The whole tally, exactly (`from_state` gives it back): what the step keeps between runs."""
        return {"splits": {split: counts.to_state() for split, counts in sorted(self.splits.items())},
                "population": {cell: dict(sorted(splits.items())) for cell, splits in sorted(self.population.items())},
                "offered": dict(sorted(self.offered.items())),
                "overflowed_parts": dict(sorted(self.overflowed_parts.items())),
                "samples": {cell: {split: [list(candidate) for candidate in candidates]
                                   for split, candidates in sorted(by_split.items())}
                            for cell, by_split in sorted(self.samples.items())}}

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> Tally:
        tally = cls()
        tally.splits = {split: SplitCounts.from_state(state) for split, state in data.get("splits", {}).items()}
        tally.population = {cell: Counter(splits) for cell, splits in data.get("population", {}).items()}
        tally.offered = Counter(data.get("offered", {}))
        tally.overflowed_parts = Counter(data.get("overflowed_parts", {}))
        tally.samples = {cell: {split: [tuple(candidate) for candidate in candidates]
                                for split, candidates in by_split.items()}
                         for cell, by_split in data.get("samples", {}).items()}
        return tally


def _offer(candidates: list[Candidate], candidate: Candidate, size: int) -> None:
    """Keep `candidates` the `size` lowest by (rank, id), in that order."""
    key = candidate[:2]
    if len(candidates) >= size and key >= candidates[-1][:2]:
        return
    candidates.insert(bisect.bisect_left([c[:2] for c in candidates], key), candidate)
    del candidates[size:]


def _values(splits: dict[str, SplitCounts], name: str) -> set[str]:
    """The values of a label field in every split."""
    return {value for counts in splits.values() for value in counts.labels.get(name, ())}
