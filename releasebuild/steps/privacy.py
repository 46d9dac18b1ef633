"""Scan one family for PII and apply its policy: the records that continue to split and export come out of here.

Three streaming passes over ingest's output, memory bounded by the records that carry findings:
1. every message's text, keyed by its content digest, sorted and de-duplicated on disk;
2. merged with the previous run's scan table (the memo, same digests, same order): only texts it does not hold
   are scanned, in batches. The new table covers exactly this family's current messages;
3. each record: taken down (removed), clean, redacted (`<ENTITY>` placeholders, then re-scanned: anything left
   above threshold is residual and fails the gate), dropped (quarantined; its raw text goes to the restricted
   area only) or, under `block`, flagged for the gate.

The memo is safe because a scan row is a pure function of (text, detector settings): the table's header names
those settings, and a table made with others is ignored.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import xxhash

from releasebuild.keys import canonical_json, digest, unit_interval
from releasebuild.privacy.detector import AllowRule, Detector, Finding, decide
from releasebuild.privacy.redact import placeholder_spans, redact
from releasebuild.steps.base import STATS, OutputFile, Step, StepContext
from releasebuild.steps.sorting import external_sort

SCAN = "scan.tsv"
RESCAN = "rescan.tsv"  # the same, for the redacted texts the residual check scans
SCAN_BATCH = 2048
PARALLEL_FROM = 4096
REDACT_ROUNDS = 3  # texts to scan before a second process pays for its start-up
SAMPLE_METHOD = "bernoulli(salted-id-hash)/v1"


class PrivacyScan(Step):
    kind = "privacy"
    code_version = "3"
    memo = (SCAN, RESCAN)

    @staticmethod
    def run(ctx: StepContext) -> dict[str, Any]:
        params = ctx.params
        (ingest_id,) = ctx.spec.deps
        family = params["family"]
        detector = Detector(params["detection"]["mode"], params["detection"]["model"],
                            params["detection"]["entities"])
        identity = digest(params["detection"])
        records_path = ctx.input_path(ingest_id, "records.jsonl")
        flagged, scan_counts = _scan_table(ctx, detector, identity, records_path)
        judge = _Judge(family, params, detector, flagged,
                       dict(_memo_rows(ctx.memo.get(RESCAN), identity)))  # small: redacted texts only
        counts = judge.walk(ctx, ingest_id, identity)
        return {"family": family, "policy": params["policy"], "detector": params["detection"]["versions"],
                "messages": {"total": scan_counts["total"], "unique": scan_counts["unique"]}, **counts,
                STATS: {"messages_scanned": scan_counts["scanned"], "messages_from_cache": scan_counts["cached"],
                        "redacted_rescanned": judge.rescanned}}


def message_digest(text: str) -> str:
    return xxhash.xxh3_128_hexdigest(text.encode("utf-8"))


def _scan_table(ctx: StepContext, detector: Detector, identity: str,
                records_path: Path) -> tuple[dict[str, list[Finding]], dict[str, int]]:
    """Pass 1 and 2: the family's scan table (written as an output) and the findings of flagged texts."""
    total = 0

    def texts() -> Iterator[tuple[str, str]]:
        nonlocal total
        with records_path.open("rb") as fh:
            for line in fh:
                for message in json.loads(line)["messages"]:
                    total += 1
                    yield message_digest(message["content"]), json.dumps(message["content"])

    memo = _memo_rows(ctx.memo.get(SCAN), identity)
    flagged: dict[str, list[Finding]] = {}
    unique = cached = 0
    pending: list[tuple[str, str | None, str | None]] = []  # (digest, text to scan, cached findings json)
    to_scan = 0
    with ctx.create(SCAN) as out:
        out.write(f"#scan\t{identity}\n".encode())

        def flush() -> None:
            nonlocal to_scan
            scanned = iter(_scan(detector, [text for _, text, _ in pending if text is not None]))
            for key, text, found_json in pending:
                if text is not None:
                    found = next(scanned)
                    found_json = canonical_json([f.to_json() for f in found])
                assert found_json is not None
                if found_json != "[]":
                    flagged[key] = [Finding.from_json(row) for row in json.loads(found_json)]
                out.write(f"{key}\t{found_json}\n".encode())
            pending.clear()
            to_scan = 0

        previous = None
        memo_row = next(memo, None)
        for key, text_json in external_sort(texts(), ctx.workdir):
            if key == previous:
                continue
            previous = key
            unique += 1
            while memo_row is not None and memo_row[0] < key:
                memo_row = next(memo, None)
            if memo_row is not None and memo_row[0] == key:
                pending.append((key, None, memo_row[1]))
                cached += 1
            else:
                pending.append((key, json.loads(text_json), None))
                to_scan += 1
            if to_scan >= SCAN_BATCH or len(pending) >= 8 * SCAN_BATCH:
                flush()
        flush()
    return flagged, {"total": total, "unique": unique, "cached": cached, "scanned": unique - cached}


def _scan(detector: Detector, texts: list[str]) -> list[list[Finding]]:
    if not texts:
        return []
    processes = (os.cpu_count() or 1) if len(texts) >= PARALLEL_FROM else 1
    return detector.scan(texts, processes=processes)


def _memo_rows(memo: Path | None, identity: str) -> Iterator[tuple[str, str]]:
    """The previous scan table's rows, when it was made with the same detector settings."""
    if memo is None:
        return
    with memo.open(encoding="utf-8") as fh:
        if fh.readline().rstrip("\n") != f"#scan\t{identity}":
            return
        for line in fh:
            key, found = line.rstrip("\n").split("\t", 1)
            yield key, found


class _Judge:
    """Pass 3: each record's fate under the family's policy, written to the step's outputs as it goes."""

    def __init__(self, family: str, params: dict[str, Any], detector: Detector,
                 flagged: dict[str, list[Finding]], rescans: dict[str, str]):
        self.family = family
        self.policy = params["policy"]
        self.thresholds = params["thresholds"]
        self.allow = [AllowRule(**entry) for entry in params["allow"]]
        self.sample = params["sample"]
        self.detector = detector
        self.flagged = flagged
        self.takedowns = params["takedowns"]
        self.mapping = params["mapping"]
        self.status_counts: Counter[str] = Counter()
        self.entities: Counter[str] = Counter()
        self.allowed: Counter[int] = Counter()
        self.offending: set[str] = set()
        self.findings = {"blocked": 0, "residual": 0}
        self.taken_down: dict[int, list[str]] = {}
        self.sampled: list[str] = []
        self.previous_rescans = rescans
        self.rescans: dict[str, str] = {}
        self.rescanned = 0

    def walk(self, ctx: StepContext, ingest_id: str, identity: str) -> dict[str, Any]:
        outs = {name: ctx.open_output(name, publish, kind) for name, publish, kind in (
            ("records.jsonl", None, None), ("groups.jsonl", None, None), ("provenance.jsonl", None, None),
            ("kept_status.jsonl", None, None), ("dropped.jsonl", None, None), ("taken_down.jsonl", None, None),
            ("status.jsonl", f"privacy/{self.family}.jsonl", "privacy_status"),
            ("findings.jsonl", f"gates/privacy/{self.family}.jsonl", "gate_report"),
            ("quarantine.jsonl", f"quarantine/privacy/{self.family}.jsonl", "quarantine"),
            ("sample.jsonl", f"qa/{self.family}.sample.jsonl", "qa_sample"),
            ("restricted_dropped.jsonl", f"dropped/{self.family}.jsonl", "restricted"),
            ("restricted_sample.jsonl", f"qa/{self.family}.sample.raw.jsonl", "restricted"),
        )}
        with ctx.input_path(ingest_id, "records.jsonl").open("rb") as records, \
                ctx.input_path(ingest_id, "groups.jsonl").open("rb") as groups, \
                ctx.input_path(ingest_id, "provenance.jsonl").open("rb") as origins:
            for body, group, origin_line in zip(records, groups, origins, strict=True):
                self._record(body.decode("utf-8"), group, json.loads(origin_line), outs)
        for out in outs.values():
            out.close()
        with ctx.create(RESCAN) as out:
            out.write(f"#scan\t{identity}\n".encode())
            for key, found in sorted(self.rescans.items()):
                out.write(f"{key}\t{found}\n".encode())
        protocol = {"family": self.family, "method": SAMPLE_METHOD, "seed": self.sample["seed"],
                    "rate": self.sample["rate"], "size": len(self.sampled), "ids": self.sampled}
        ctx.write_json("sample.json", protocol, publish=f"qa/{self.family}.sample.json", kind="qa_sample")
        return {"records": sum(self.status_counts.values()), "status_counts": dict(sorted(self.status_counts.items())),
                "entities": dict(sorted(self.entities.items())),
                "allowed": [{**self._allow_entry(index), "findings": n} for index, n in sorted(self.allowed.items())],
                "offending_records": len(self.offending), "blocked_findings": self.findings["blocked"],
                "residual_findings": self.findings["residual"],
                "takedowns": [{"entry": index, "removed": ids} for index, ids in sorted(self.taken_down.items())],
                "sample": {key: value for key, value in protocol.items() if key != "ids"}}

    def _allow_entry(self, index: int) -> dict[str, Any]:
        rule = self.allow[index]
        return {key: value for key, value in (("reason", rule.reason), ("text", rule.text),
                                              ("pattern", rule.pattern), ("entity", rule.entity)) if value}

    def _record(self, body: str, group: bytes, origin: dict[str, Any], outs: dict[str, OutputFile]) -> None:
        record_id = origin["id"]
        takedown = self._takedown(record_id, origin["record_digest"])
        if takedown is not None:
            self.taken_down.setdefault(takedown, []).append(record_id)
            # kept (in the cache only) so dedup can remove this record's near duplicates too
            _line(outs["taken_down.jsonl"], {"id": record_id, "messages": json.loads(body)["messages"]})
            return
        record = json.loads(body)
        per_message = []
        for message in record["messages"]:
            text = message["content"]
            found = self.flagged.get(message_digest(text))
            per_message.append(decide(text, found, self.thresholds, self.allow) if found else ([], []))
        entities: Counter[str] = Counter()
        for index, (redact_these, allowed) in enumerate(per_message):
            entities.update(f.entity for f in redact_these)
            self.allowed.update(rule for _, rule in allowed)
            if redact_these and self.policy == "block":
                for finding in redact_these:
                    self._offend(outs, origin, index, finding, "the family's policy is block")
                    self.findings["blocked"] += 1
        self.entities.update(entities)
        sampled = unit_interval(f"privacy-sample:{self.sample['seed']}", record_id) < self.sample["rate"]
        if sampled:
            self.sampled.append(record_id)
        status: dict[str, Any] = {"id": record_id, "status": "clean"}
        chain: list[dict[str, Any]] = [{"step": "mapping", "rules": self.mapping}]
        if not entities:
            kept = body
        elif self.policy == "drop":
            status = {"id": record_id, "status": "dropped", "entities": dict(sorted(entities.items()))}
            detail = ", ".join(f"{name} {n}" for name, n in sorted(entities.items()))
            row = {"family": self.family, "id": record_id, "source": origin["source"], "locator": origin["locator"],
                   "code": "pii_dropped", "detail": f"PII found: {detail}"}
            _line(outs["quarantine.jsonl"], row)
            _line(outs["dropped.jsonl"], {**origin, "chain": [*chain, {"step": "privacy", "decision": "dropped",
                                                                      "entities": status["entities"]}]})
            _line(outs["restricted_dropped.jsonl"], {"id": record_id, "reason": row["detail"], "record": record})
            if sampled:
                _line(outs["restricted_sample.jsonl"], {"id": record_id, "status": "dropped", "record": record})
            self._status(outs, status)
            return
        elif self.policy == "block":
            status = {"id": record_id, "status": "flagged", "entities": dict(sorted(entities.items()))}
            kept = body
        else:
            if sampled:  # the original, before redaction rewrites the record
                _line(outs["restricted_sample.jsonl"], {"id": record_id, "status": "redacted", "record": record})
            first_round = Counter(entities)
            kept = self._redacted(record, per_message, origin, outs, entities)
            self.entities.update(entities - first_round)  # what later rounds found
            status = {"id": record_id, "status": "redacted", "entities": dict(sorted(entities.items()))}
            chain.append({"step": "privacy", "decision": "redacted", "entities": status["entities"]})
        if status["status"] == "clean":
            chain.append({"step": "privacy", "decision": "clean"})
        elif status["status"] == "flagged":
            chain.append({"step": "privacy", "decision": "flagged", "entities": status["entities"]})
        outs["records.jsonl"].write(kept.encode("utf-8"))
        outs["groups.jsonl"].write(group)
        outs["kept_status.jsonl"].write(b'"redacted"\n' if status["status"] == "redacted" else b'"clean"\n')
        _line(outs["provenance.jsonl"], {**origin, "chain": chain})
        if sampled:
            _line(outs["sample.jsonl"], {"id": record_id, "status": status["status"],
                                         "record": json.loads(kept) if kept is not body else record})
        self._status(outs, status)

    def _redacted(self, record: dict[str, Any], per_message: list[tuple[list[Finding], Any]],
                  origin: dict[str, Any], outs: dict[str, OutputFile], entities: Counter[str]) -> str:
        """The record with placeholders, re-scanned until nothing new is found (at most REDACT_ROUNDS times):
        redaction changes the context recognizers see, which can reveal a span they missed. Findings left after
        the last round are residual PII."""
        todo = {index: found for index, (found, _) in enumerate(per_message) if found}
        for round_number in range(1, REDACT_ROUNDS + 1):
            texts = {index: redact(record["messages"][index]["content"], found) for index, found in todo.items()}
            rescans = self._rescan(list(texts.values()))
            todo = {}
            for (index, text), rescanned in zip(texts.items(), rescans, strict=True):
                record["messages"][index]["content"] = text
                holders = placeholder_spans(text)
                left, _ = decide(text, rescanned, self.thresholds, self.allow)
                left = [f for f in left if not any(start <= f.start and f.end <= end for start, end in holders)]
                if not left:
                    continue
                if round_number == REDACT_ROUNDS:
                    for finding in left:
                        self._offend(outs, origin, index, finding, "still found after redaction")
                        self.findings["residual"] += 1
                else:
                    entities.update(f.entity for f in left)
                    todo[index] = left
            if not todo:
                break
        return canonical_json(record) + "\n"

    def _rescan(self, texts: list[str]) -> list[list[Finding]]:
        """Findings in redacted texts, from the previous run's table where it has them (no engine start-up)."""
        keys = [message_digest(text) for text in texts]
        missing = [text for key, text in zip(keys, texts, strict=True) if key not in self.previous_rescans]
        fresh = iter(self.detector.scan(missing) if missing else [])
        self.rescanned += len(missing)
        out = []
        for key in keys:
            found_json = self.previous_rescans.get(key)
            if found_json is None:
                found_json = canonical_json([f.to_json() for f in next(fresh)])
            self.rescans[key] = found_json
            out.append([Finding.from_json(row) for row in json.loads(found_json)])
        return out

    def _offend(self, outs: dict[str, OutputFile], origin: dict[str, Any], message: int, finding: Finding,
                why: str) -> None:
        self.offending.add(origin["id"])
        _line(outs["findings.jsonl"], {"family": self.family, "id": origin["id"], "source": origin["source"],
                                       "locator": origin["locator"], "message": message, "entity": finding.entity,
                                       "start": finding.start, "end": finding.end,
                                       "score": round(finding.score, 4), "why": why})

    def _status(self, outs: dict[str, OutputFile], status: dict[str, Any]) -> None:
        self.status_counts[status["status"]] += 1
        _line(outs["status.jsonl"], status)

    def _takedown(self, record_id: str, record_digest: str) -> int | None:
        for entry in self.takedowns:
            if entry.get("id") == record_id or entry.get("digest") == record_digest:
                return entry["index"]
        return None


def _line(out: OutputFile, row: dict[str, Any]) -> None:
    out.write((canonical_json(row) + "\n").encode("utf-8"))
