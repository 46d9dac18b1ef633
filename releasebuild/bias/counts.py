"""One family's bias counts, by split: a streaming pass that keeps tables of counts and small samples, never the
records.

Per conversation and per role (user, assistant): which identity categories are mentioned and how often; which
assistant patterns (refusals, crisis escalation, stereotyped phrasing) occur, also among the conversations whose
user mentions each identity category; the source's labels (metadata fields); the language; the reading level.
Every cell (a category, a label value, a language...) keeps a seeded bottom-k sample per split, so the gate can
show reviewers the conversations behind any flag it raises.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from releasebuild.bias.language import UNDETERMINED, language
from releasebuild.bias.lexicon import Hit, Lexicon, Matcher, tokens
from releasebuild.bias.reading_level import grade_tenths
from releasebuild.distribution.stats import DECIMALS, Distribution
from releasebuild.review.sampling import BottomK, allocate, rank

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
    """Feeds conversations in, one at a time; holds counts and per-cell samples."""

    def __init__(self, lexicons: dict[str, Lexicon], labels: list[str] | None, max_label_values: int,
                 sample_size: int, seed: int):
        self.lexicons = lexicons
        self.identity = Matcher({n: lex for n, lex in lexicons.items() if lex.kind == "identity"})
        self.patterns = Matcher({n: lex for n, lex in lexicons.items() if lex.kind == "assistant"})
        self.labels = labels  # None: every metadata field with scalar values
        self.max_label_values = max_label_values
        self.seen_labels: set[str] = set(labels or ())
        self.overflowed: set[str] = set()
        self.sample_size = sample_size
        self.seed = seed
        self.splits: dict[str, SplitCounts] = {}
        self.samples: dict[str, BottomK] = {}
        self.population: dict[str, Counter[str]] = defaultdict(Counter)  # cell -> split -> conversations

    def measure(self, record: dict[str, Any]) -> dict[str, Any]:
        """What one conversation says, as JSON: the lexicon hits of each role's messages (mentions per category),
        the assistant patterns, each role's language and reading level, and the metadata fields that could be
        labels. This is the costly part of counting and a function of the record, the lexicons and the language
        and reading-level versions only, so the step keeps it in its record memo and a rerun measures only the
        records it has not seen. `add` counts it; cold or reused, it counts the same JSON."""
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

    def add(self, record_id: str, split: str, measured: dict[str, Any], line: bytes) -> None:
        """Count one conversation of `split` from what `measure` made of it; offer it to every cell it falls in."""
        counts = self.splits.setdefault(split, SplitCounts())
        counts.conversations += 1
        cells = ["all"]
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
        for name, value in self._labels(measured["labels"]):
            counts.labels[name][value] += 1
            cells.append(label_cell(name, value))
        for role, code in measured["languages"].items():
            counts.languages[role, code] += 1
            if code != UNDETERMINED:
                cells.append(language_cell(role, code))
        for role, grade in measured["grades"].items():
            counts.reading[role].add(grade)
        for cell in cells:
            self.population[cell][split] += 1
            self.samples.setdefault(cell, BottomK(self.sample_size)).offer(
                split, rank(self.seed, cell, record_id), record_id, line)

    def _labels(self, candidates: list[list[str]]) -> list[tuple[str, str]]:
        """(field, value) of the metadata fields tabulated, from `measure`'s candidates (scalar, non-empty, in
        field order); a field past max_label_values distinct values stops being tabulated (an id or free text is
        not a label)."""
        found = []
        for name, text in candidates:
            if self.labels is not None and name not in self.labels:
                continue
            if name in self.overflowed:
                continue
            self.seen_labels.add(name)
            known = {v for counts in self.splits.values() for v in counts.labels.get(name, ())}
            if text not in known and len(known) >= self.max_label_values:
                self.overflowed.add(name)
                continue
            found.append((name, text))
        return found

    def section(self) -> dict[str, Any]:
        """The family's counts: a row per split and the merged row, ready for the report."""
        merged = SplitCounts()
        for counts in self.splits.values():
            merged.merge(counts)
        names = sorted(self.seen_labels)
        rows = {ALL: merged, **dict(sorted(self.splits.items()))}
        return {split: counts.to_json(self.lexicons, names, self.overflowed) for split, counts in rows.items()}

    def _kept(self, cell: str) -> bool:
        """False for the cells of a label field that turned out not to be a label."""
        return not any(cell.startswith(f"label/{name}/") for name in self.overflowed)

    def drawn(self) -> list[dict[str, Any]]:
        """Each cell's sample, stratified by split: {cell, split, id, line}, in cell, split, id order."""
        rows = []
        for cell in sorted(filter(self._kept, self.samples)):
            taken = self.samples[cell].take(allocate(dict(self.population[cell]), self.sample_size))
            rows += [{"cell": cell, "split": split, "id": record_id, "line": line.decode("utf-8")}
                     for split, record_id, line in taken]
        return rows

    def cells(self) -> dict[str, dict[str, int]]:
        """Conversations per cell and split."""
        return {cell: dict(sorted(self.population[cell].items()))
                for cell in sorted(filter(self._kept, self.population))}
