"""The bias gate's flags, as pure functions of count sections and thresholds.

Family checks read one family's section only (so the section, flags included, is what a bias review signs);
release checks compare a family with the release as a whole and with the previous release. Shares and rates are
compared as absolute differences (percentage points): a 0.2 tolerance lets 50% become 69%, not 70%.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from releasebuild.bias.counts import ALL, ROLES, identity_cell, label_cell, language_cell, pattern_cell
from releasebuild.bias.language import UNDETERMINED
from releasebuild.distribution.judge import Acknowledgement
from releasebuild.distribution.stats import DECIMALS

Section = dict[str, Any]  # split -> counts (counts.SplitCounts.to_json)


@dataclass(frozen=True)
class Flag:
    check: str
    family: str
    cell: str
    message: str
    value: float | None
    limit: str
    blocking: bool
    split: str = ALL
    role: str | None = None

    @property
    def metric(self) -> str:
        """What an acknowledgement names: the check, then the cell (`dominance.identity/gender/women`)."""
        return f"{self.check}.{self.cell}"

    def to_json(self, acknowledgements: list[Acknowledgement]) -> dict[str, Any]:
        entry: dict[str, Any] = {"check": self.check, "family": self.family, "split": self.split, "role": self.role,
                                 "cell": self.cell, "value": self.value, "limit": self.limit,
                                 "message": self.message, "blocking": self.blocking, "status": "flagged"}
        index = next((i for i, ack in enumerate(acknowledgements) if ack.covers(self.family, self.metric)), None)
        if index is not None:
            entry.update(status="acknowledged", acknowledgement=index, reason=acknowledgements[index].reason)
        return entry


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, DECIMALS) if whole else None


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def composition(row: dict[str, Any], lexicon: str, role: str) -> tuple[dict[str, float | None], int]:
    """Each category's share of a lexicon's mentions in one role, and the mentions in all."""
    mentions = {category: cell[role]["mentions"] for category, cell in row["identity"][lexicon].items()}
    total = sum(mentions.values())
    return {category: _share(count, total) for category, count in mentions.items()}, total


def merged_identity(sections: dict[str, Section]) -> dict[str, Any]:
    """The release's identity counts (every family, every split), shaped like one family's row."""
    merged: dict[str, Any] = {}
    for section in sections.values():
        for lexicon, categories in section[ALL]["identity"].items():
            into = merged.setdefault(lexicon, {})
            for category, cell in categories.items():
                target = into.setdefault(category, {role: {"conversations": 0, "mentions": 0} for role in ROLES})
                for role in ROLES:
                    for what in ("conversations", "mentions"):
                        target[role][what] += cell[role][what]
    return {"identity": merged}


def family_flags(family: str, section: Section, checks: dict[str, Any]) -> list[Flag]:
    """Checks on one family's own counts."""
    return [*_dominance(family, section[ALL], checks["dominance"]),
            *_pattern_rates(family, section[ALL], checks["assistant_rate"]),
            *_by_identity(family, section[ALL], checks["assistant_by_identity"]),
            *_label_skew(family, section, checks["label_split_skew"]),
            *_languages(family, section[ALL], checks["language"]),
            *_reading(family, section[ALL], checks["reading_level"])]


def _dominance(family: str, row: dict[str, Any], check: dict[str, Any]) -> Iterator[Flag]:
    for lexicon in row["identity"]:
        limit = check["lexicons"].get(lexicon, check["max_share"])
        if limit is None:
            continue
        for role in ROLES:
            shares, total = composition(row, lexicon, role)
            if total < check["min_mentions"]:
                continue
            for category, share in shares.items():
                if share is not None and share > limit:
                    yield Flag("dominance", family, identity_cell(lexicon, category),
                               f"{_percent(share)} of {role} mentions of {lexicon} are {category} "
                               f"({row['identity'][lexicon][category][role]['mentions']} of {total}; "
                               f"max_share {limit:g})", share, f"<= {limit:g}", check["blocking"], role=role)


def _pattern_rates(family: str, row: dict[str, Any], check: dict[str, Any]) -> Iterator[Flag]:
    conversations = row["conversations"]
    for lexicon, limit in sorted(check["max_rate"].items()):
        for category, cell in row["assistant_patterns"].get(lexicon, {}).items():
            rate = _share(cell["conversations"], conversations)
            if rate is not None and rate > limit:
                yield Flag("assistant_rate", family, pattern_cell(lexicon, category),
                           f"assistant {lexicon}/{category} phrasing in {cell['conversations']} of {conversations} "
                           f"conversations ({_percent(rate)}; max_rate {limit:g})", rate, f"<= {limit:g}",
                           check["blocking"], role="assistant")


def _by_identity(family: str, row: dict[str, Any], check: dict[str, Any]) -> Iterator[Flag]:
    """An assistant pattern (a refusal, a crisis referral) much more or less often when the user mentions an
    identity category than over the family."""
    conversations = row["conversations"]
    for lexicon, categories in row["assistant_patterns"].items():
        for category, cell in categories.items():
            pattern = pattern_cell(lexicon, category)
            baseline = _share(cell["conversations"], conversations)
            if baseline is None:
                continue
            for identity_lexicon, identity_categories in row["identity"].items():
                for identity_category, identity in identity_categories.items():
                    group = identity["user"]["conversations"]
                    if group < check["min_conversations"]:
                        continue
                    crossed = identity_cell(identity_lexicon, identity_category)
                    together = row["by_identity"].get(pattern, {}).get(crossed, 0)
                    rate = _share(together, group)
                    assert rate is not None
                    if abs(rate - baseline) > check["tolerance"]:
                        yield Flag("assistant_by_identity", family, f"{pattern}+{crossed}",
                                   f"assistant {lexicon}/{category} in {_percent(rate)} of conversations whose user "
                                   f"mentions {identity_lexicon}/{identity_category} ({together} of {group}) vs "
                                   f"{_percent(baseline)} over the family (tolerance {check['tolerance']:g})",
                                   rate, f"{baseline:g} ± {check['tolerance']:g}", check["blocking"], role="assistant")


def _label_skew(family: str, section: Section, check: dict[str, Any]) -> Iterator[Flag]:
    """A label value's share in one split far from its share over the family: an evaluation split that does not
    look like the training data."""
    overall = section[ALL]
    for split, row in section.items():
        if split == ALL or row["conversations"] < check["min_conversations"]:
            continue
        for name, values in row["labels"].items():
            whole = overall["labels"].get(name, {})
            if "too_many_values" in values or "too_many_values" in whole:
                continue
            total_here, total = sum(values.values()), sum(whole.values())
            for value in sorted(whole):
                here, there = _share(values.get(value, 0), total_here), _share(whole[value], total)
                if here is None or there is None or abs(here - there) <= check["tolerance"]:
                    continue
                yield Flag("label_split_skew", family, label_cell(name, value),
                           f"{name}={value} is {_percent(here)} of {split} vs {_percent(there)} over the family "
                           f"(tolerance {check['tolerance']:g})", here, f"{there:g} ± {check['tolerance']:g}",
                           check["blocking"], split=split)


def _languages(family: str, row: dict[str, Any], check: dict[str, Any]) -> Iterator[Flag]:
    expected = set(check["expected"])
    if not expected:
        return
    for role in ROLES:
        found = {code: count for code, count in row["languages"][role].items() if code != UNDETERMINED}
        total = sum(found.values())
        share = _share(sum(count for code, count in found.items() if code in expected), total)
        if share is None or share >= check["min_share"]:
            continue
        others = sorted(((count, code) for code, count in found.items() if code not in expected), reverse=True)
        listed = ", ".join(f"{code} {count}" for count, code in others[:5])
        yield Flag("language", family, language_cell(role, others[0][1]),
                   f"{_percent(share)} of conversations' {role} text is in {', '.join(sorted(expected))} "
                   f"(min_share {check['min_share']:g}; others: {listed})", share, f">= {check['min_share']:g}",
                   check["blocking"], role=role)


def _reading(family: str, row: dict[str, Any], check: dict[str, Any]) -> Iterator[Flag]:
    for role, limit in sorted(check["max_mean_grade"].items()):
        mean = row["reading_level"][role]["mean"]
        if mean is not None and mean > limit:
            yield Flag("reading_level", family, "all",
                       f"{role} text reads at grade {mean:.1f} on average (Flesch-Kincaid; max_mean_grade {limit:g})",
                       mean, f"<= {limit:g}", check["blocking"], role=role)


def release_flags(family: str, row: dict[str, Any], release: dict[str, Any], check: dict[str, Any]) -> list[Flag]:
    """One family's identity composition against the release's (every family together)."""
    flags = []
    for lexicon in row["identity"]:
        for role in ROLES:
            mine, total = composition(row, lexicon, role)
            theirs, release_total = composition(release, lexicon, role)
            if total < check["min_mentions"] or release_total < check["min_mentions"]:
                continue
            for category, share in mine.items():
                other = theirs[category]
                if share is None or other is None or abs(share - other) <= check["tolerance"]:
                    continue
                flags.append(Flag("vs_release", family, identity_cell(lexicon, category),
                                  f"{category} is {_percent(share)} of {role} mentions of {lexicon} here vs "
                                  f"{_percent(other)} in the release (tolerance {check['tolerance']:g})",
                                  share, f"{other:g} ± {check['tolerance']:g}", check["blocking"], role=role))
    return flags


def previous_flags(family: str, now: dict[str, Any], before: dict[str, Any], version: str,
                   check: dict[str, Any]) -> list[Flag]:
    """One family against itself in the previous release: identity composition, assistant pattern rates and
    label shares (every split together)."""
    flags = []
    tolerance, least = check["tolerance"], check["min_mentions"]
    since = f"since {version} (tolerance {tolerance:g})"
    for lexicon in now["identity"]:
        if lexicon not in before.get("identity", {}):
            continue
        for role in ROLES:
            mine, total = composition(now, lexicon, role)
            theirs, earlier = composition(before, lexicon, role)
            if min(total, earlier) < least:
                continue
            for category, share in mine.items():
                old = theirs.get(category)
                if share is not None and old is not None and abs(share - old) > tolerance:
                    flags.append(Flag("vs_previous", family, identity_cell(lexicon, category),
                                      f"{category} moved from {_percent(old)} to {_percent(share)} of {role} "
                                      f"mentions of {lexicon} {since}", share, f"{old:g} ± {tolerance:g}",
                                      check["blocking"], role=role))
    if min(now["conversations"], before.get("conversations", 0)) >= least:
        for lexicon, categories in now["assistant_patterns"].items():
            for category, cell in categories.items():
                old_cell = before.get("assistant_patterns", {}).get(lexicon, {}).get(category)
                if old_cell is None:
                    continue
                rate = _share(cell["conversations"], now["conversations"])
                old = _share(old_cell["conversations"], before["conversations"])
                if rate is not None and old is not None and abs(rate - old) > tolerance:
                    flags.append(Flag("vs_previous", family, pattern_cell(lexicon, category),
                                      f"assistant {lexicon}/{category} moved from {_percent(old)} to "
                                      f"{_percent(rate)} of conversations {since}", rate, f"{old:g} ± {tolerance:g}",
                                      check["blocking"], role="assistant"))
        for name, values in now["labels"].items():
            old_values = before.get("labels", {}).get(name)
            if not old_values or "too_many_values" in values or "too_many_values" in old_values:
                continue
            total, earlier = sum(values.values()), sum(old_values.values())
            for value in sorted(set(values) | set(old_values)):
                share, old = _share(values.get(value, 0), total), _share(old_values.get(value, 0), earlier)
                if share is not None and old is not None and abs(share - old) > tolerance:
                    flags.append(Flag("vs_previous", family, label_cell(name, value),
                                      f"{name}={value} moved from {_percent(old)} to {_percent(share)} of "
                                      f"conversations {since}", share, f"{old:g} ± {tolerance:g}",
                                      check["blocking"]))
    return flags
