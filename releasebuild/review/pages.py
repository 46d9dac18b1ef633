"""Reviewer-facing markdown: a page per family sample, an index per review, and the gate's report."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from releasebuild.review.record import SignedPart
from releasebuild.review.spec import ReviewSpec

STATUS_MARK = {"approved": "✅", "not_applicable": "➖", "pending": "⏳", "stale": "⚠️", "rejected": "❌",
               "demo_refused": "❌", "invalid": "❌", "unsigned": "❌", "bad_signature": "❌", "unknown": "❔"}


def family_page(review: str, family: str, info: dict[str, Any], lines: list[tuple[str, str, bytes]]) -> str:
    """One family's sample as a readable page: each conversation turn by turn, with its id, split and stratum."""
    strata = ", ".join(f"{name} {taken}/{info['strata_population'][name]}" for name, taken in info["strata"].items())
    out = [f"# {review}: {family}", "",
           f"{info['size']} of {info['records']} records (drawn per stratum: {strata}).", "",
           f"Family sample digest: `{info['digest']}`  ", "The review's digest, the one to sign, is on its index page.",
           "", "Record exceptions by id (`<family>/<id>`) on the review form.", ""]
    for number, (stratum, record_id, line) in enumerate(lines, start=1):
        out += conversation(f"{number}. `{family}/{record_id}`", json.loads(line), f"stratum `{stratum}`")
    return "\n".join(out)


def conversation(heading: str, record: dict[str, Any], where: str, level: int = 2) -> list[str]:
    """One published record as markdown lines: a heading, where it comes from, each message turn by turn."""
    out = [f"{'#' * level} {heading}", "",
           f"split **{record['split']}** · {where} · source `{record['provenance']['source']}`"]
    if record.get("metadata"):
        shown = ", ".join(f"{key}={value}" for key, value in sorted(record["metadata"].items()))
        out.append(f"· metadata: {shown}")
    out.append("")
    for message in record["messages"]:
        out.append(f"**{message['role']}**")
        out.append("")
        out += [f"> {text}" if text else ">" for text in message["content"].split("\n")]
        out.append("")
    return out + ["---", ""]


def review_index(review: str, spec: ReviewSpec, sample: dict[str, Any], verdict: dict[str, Any],
                 version: str, signs: Sequence[SignedPart]) -> str:
    """A review's index page: its status, the digest to sign, its families, what else it signs (`signs`: each part
    explained, with every family's digest of it), the rubric and how to record a decision."""
    out = [f"# {spec.title} ({review}), release {version}", ""]
    if spec.description:
        out += [spec.description, ""]
    out += [f"Status: {STATUS_MARK.get(verdict['status'], '')} **{verdict['status']}**: {verdict['why']}", ""]
    if not sample["families"]:
        return "\n".join(out) + "\n"
    out += [f"Sample digest (sign this): `{sample['digest']}`  ", f"Seed: {sample['seed']}  ",
            f"Who may sign: {', '.join(spec.roles) or 'any role'}", "",
            "| family | records that ship | drawn | page | JSONL |", "|---|---|---|---|---|"]
    for name, part in sample["families"].items():
        out.append(f"| {name} | {part['records']} | {part['size']} | [{name}.md]({name}.md) | "
                   f"[{name}.jsonl]({name}.jsonl) |")
    for signed in signs:
        out += ["", signed.note, "", f"| family | {signed.column} |", "|---|---|"]
        out += [f"| {name} | `{part[signed.name]}` |" for name, part in sample["families"].items()]
    out += ["", "## Rubric", "", "Answer each item pass or fail for the sample as a whole; name the records behind "
            "a failure in an exception.", "", "| item | what to check |", "|---|---|"]
    out += [f"| {item} | {text} |" for item, text in spec.rubric.items()]
    out += ["", "## Recording the decision", "",
            "Fill in [form.yaml](form.yaml) and run `releasebuild signoff record --from form.yaml`, or:", "",
            "```", f"releasebuild signoff record --review {review} --sample {sample['digest']} \\",
            "    --reviewer <your id> --role <role> --decision approve|reject \\",
            "    --result <item>=pass|fail ... [--exception '<item>:<family>/<id>:<note>'] [--notes '...']", "```",
            "", "The record is written to `signoffs/" + version + f"/{review}.yaml`; commit it with the release.", ""]
    return "\n".join(out)


def review_report_markdown(report: dict[str, Any]) -> str:
    out = [f"# Sign-off gate: {report['status']}", "", f"Release {report['version']}; required reviews: "
           f"{', '.join(report['required']) or 'none'}.", "",
           "| review | status | reviewer | decision | sign-off id | signature | why |",
           "|---|---|---|---|---|---|---|"]
    for verdict in report["reviews"]:
        reviewer = f"{verdict['reviewer']} ({verdict['role']})" if verdict["reviewer"] else "-"
        signature = f"{verdict['signature']} ({verdict['key']})" if verdict["key"] else verdict["signature"] or "-"
        out.append(f"| {verdict['review']} | {STATUS_MARK.get(verdict['status'], '')} {verdict['status']} | "
                   f"{reviewer} | {verdict['decision'] or '-'} | {verdict['id'] or '-'} | {signature} | "
                   f"{verdict['why']} |")
    return "\n".join(out + findings_markdown(report["reviews"])) + "\n"


def findings_markdown(verdicts: Sequence[Mapping[str, Any]]) -> list[str]:
    """The failed rubric items and exceptions of each review's record, as markdown lines (none when no record has
    any): what a reviewer accepted despite a failure is part of the approval, so the report and the notes show it."""
    rows = [f"| {verdict['review']} | {', '.join(verdict['failed_items']) or '-'} | {entry.get('item') or '-'} | "
            f"{entry.get('record') or '-'} | {_cell(entry['note'])} |"
            for verdict in verdicts for entry in verdict["exceptions"] or [{"note": "-"}]
            if verdict["failed_items"] or verdict["exceptions"]]
    if not rows:
        return []
    return ["", "### Failed rubric items and exceptions", "",
            "| review | failed items | exception: item | record | note |", "|---|---|---|---|---|", *rows]


def _cell(text: str) -> str:
    """Text in a markdown table cell: one line, no column break."""
    return " ".join(text.split()).replace("|", "\\|")
