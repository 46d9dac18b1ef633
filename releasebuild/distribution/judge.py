"""The distribution gate's judgements, as pure functions of metrics: expected ranges, and regressions against the
previous published release (with acknowledgements).

A regression is a relative change |current - previous| / |previous| above the tolerance, for a family x split
present in both releases with enough conversations in each. A change from 0 to anything else is a regression
(its relative size is undefined and reported as null).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from releasebuild.distribution.stats import DECIMALS

Metrics = dict[str, Any]  # metric name -> value (None when there is nothing to measure)


def check_ranges(rows: dict[str, Metrics], ranges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each expected range ({split, metric, min, max}) with the value found and whether it holds. A split with
    no conversations has no value, and a range that cannot be checked does not hold."""
    checked = []
    for expected in ranges:
        value = rows.get(expected["split"], {}).get(expected["metric"])
        low, high = expected["min"], expected["max"]
        ok = value is not None and (low is None or value >= low) and (high is None or value <= high)
        checked.append({**expected, "value": value, "ok": ok})
    return checked


def range_why(check: dict[str, Any]) -> str:
    where = "all splits" if check["split"] == "all" else f"split {check['split']}"
    if check["value"] is None:
        return f"{check['metric']} has no value ({where} has no conversations)"
    if check["min"] is not None and check["value"] < check["min"]:
        return f"{check['metric']} = {check['value']:g} is below the minimum {check['min']:g} ({where})"
    return f"{check['metric']} = {check['value']:g} is above the maximum {check['max']:g} ({where})"


@dataclass(frozen=True)
class Acknowledgement:
    """A regression accepted in release.yaml. No family or metric means every one; a metric without a dot
    (`tokens_per_conversation`) covers all of its statistics (`.mean`, `.median`, `.p95`)."""

    family: str | None
    metric: str | None
    reason: str

    def covers(self, family: str, metric: str) -> bool:
        return self.family in (None, family) and self.metric in (None, metric, metric.split(".", 1)[0])


@dataclass(frozen=True)
class Comparison:
    """How a family's metrics are compared with the previous release."""

    metrics: list[str]
    tolerance: float
    min_conversations: int
    acknowledgements: list[Acknowledgement]

    def compare(self, family: str, current: dict[str, Metrics],
                previous: dict[str, Metrics]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(comparisons, splits not compared with why) for the splits present in both releases."""
        compared: list[dict[str, Any]] = []
        skipped: list[dict[str, Any]] = []
        for split in (name for name in current if name in previous):
            now, before = current[split], previous[split]
            small = min(now.get("conversations") or 0, before.get("conversations") or 0)
            if small < self.min_conversations:
                skipped.append({"split": split, "why": f"{small} conversation(s) in one release, fewer than "
                                                       f"min_conversations {self.min_conversations}"})
                continue
            for metric in self.metrics:
                old, new = before.get(metric), now.get(metric)
                if old is None or new is None:
                    continue
                change = (new - old) / abs(old) if old else None
                moved = abs(change) > self.tolerance if change is not None else new != old
                entry: dict[str, Any] = {"split": split, "metric": metric, "previous": old, "current": new,
                                         "change": round(change, DECIMALS) if change is not None else None,
                                         "status": "ok"}
                if moved:
                    index = next((i for i, ack in enumerate(self.acknowledgements) if ack.covers(family, metric)),
                                 None)
                    entry["status"] = "regression" if index is None else "acknowledged"
                    if index is not None:  # which entry of release.yaml's acknowledge list (for gate distribution)
                        entry.update(acknowledgement=index, reason=self.acknowledgements[index].reason)
                compared.append(entry)
        return compared, skipped


def regression_why(entry: dict[str, Any]) -> str:
    where = "all splits" if entry["split"] == "all" else f"split {entry['split']}"
    size = f"{entry['change']:+.1%}" if entry["change"] is not None else "from 0"
    return (f"{entry['metric']} moved {size} since the previous release "
            f"({entry['previous']:g} -> {entry['current']:g}, {where})")
