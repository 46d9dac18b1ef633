"""Rendering plans and apply reports as text: computes nothing, only formats values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from releasebuild.app.applying import ApplyReport
from releasebuild.changes import Change
from releasebuild.data_changes import SplitStat
from releasebuild.errors import DefinitionError
from releasebuild.plan import Plan
from releasebuild.staleness import StaleReason

if TYPE_CHECKING:  # verify reads through the loader, which needs numpy: a plan should not pay for it
    from releasebuild.determinism import DeterminismReport
    from releasebuild.verify import VerifyReport

_PLAN_SYMBOL = {"will_run": "~", "may_run": "?", "cached": " "}
_NEW_SYMBOL = "+"
_COLOUR = {"+": "green", "~": "yellow", "?": "cyan", "ran": "green", "cached": "dim", "skipped": "yellow",
           "failed": "red"}


_CHANGE_COLOUR = {"+": "green", "~": "yellow", "-": "red"}


def changes_text(plan: Plan, colour: bool = False) -> list[str]:
    """The definition's changes against the plan's baseline, Terraform-style (+ added, ~ changed, - removed)."""
    if not plan.changes:
        return [f"No definition changes against {plan.baseline}.", ""] if plan.baseline else []
    lines = [f"Changes against {plan.baseline}:" if plan.baseline else "Changes:"]
    if plan.data_from:
        lines.append(f"  (its data: {plan.data_from})")
    lines += [_change_line(change, colour) for change in plan.changes]
    return [*lines, ""]


def _change_line(change: Change, colour: bool) -> str:
    values = ""
    if change.kind == "records":  # a split's count (deltas in the note), or nothing until apply knows it
        values = f": {change.old['records']} -> {change.new['records']} records" if change.new else ""
    elif change.op == "~" or (change.old is not None and change.new is not None):
        values = f": {_value(change.old)} -> {_value(change.new)}"
    elif change.kind in ("curriculum", "gate", "rule") and (change.old is not None or change.new is not None):
        values = f": {_value(change.new if change.op == '+' else change.old)}"
    note = f"  ({change.note})" if change.note else ""
    return _paint(f"  {change.op} {change.kind:<10} {change.subject}{values}{note}", _CHANGE_COLOUR[change.op], colour)


def stat_text(stats: list[SplitStat]) -> list[str]:
    """The records per family and split as `git diff --stat` shows files (Dolt's data diff), eval-breaking splits
    (val, test) apart from train-only ones; unchanged splits are left out (`--json` lists them)."""
    lines = []
    for title, group in _stat_groups(stats):
        lines.append(title)
        width = max(len(f"{stat.family}/{stat.split}") for stat in group)
        lines += [f"  {stat.family + '/' + stat.split:<{width}}  {_stat_line(stat)}" for stat in group]
        lines.append("")
    return lines


EVAL_BREAKING_TITLE = ("Eval-breaking: val/test records changed (scores on this release are not comparable with "
                       "the baseline's):")
TRAIN_ONLY_TITLE = "Train only:"


def _stat_groups(stats: list[SplitStat]) -> list[tuple[str, list[SplitStat]]]:
    groups = [(EVAL_BREAKING_TITLE, [stat for stat in stats if stat.eval_breaking]),
              (TRAIN_ONLY_TITLE, [stat for stat in stats if stat.touched and not stat.eval_breaking])]
    return [(title, group) for title, group in groups if group]


def _stat_line(stat: SplitStat) -> str:
    def part(label: str, count: int) -> str:
        share = stat.percent(count)
        return f"{count} {label}" + (f" ({share:g}%)" if share is not None else "")

    return (f"{stat.before} -> {stat.after} records: " + ", ".join(
        [part("unchanged", stat.unchanged), part("added", stat.added), part("removed", stat.removed),
         part("modified", stat.modified), part("moved out", stat.moved_out), part("moved in", stat.moved_in)]))


STAT_HEADER = ("| split | records | unchanged | added | removed | modified | moved out | moved in |\n"
               "|---|---|---|---|---|---|---|---|")


def stat_tables(stats: list[SplitStat]) -> list[tuple[str, str, list[str]]]:
    """The --stat lines as markdown tables (title, header, rows), eval-breaking splits first, apart from
    train-only ones."""
    titles = {EVAL_BREAKING_TITLE: "Eval-breaking records (val/test)", TRAIN_ONLY_TITLE: "Train-only records"}
    out = []
    for title, group in _stat_groups(stats):
        rows = [f"| `{stat.family}/{stat.split}` | {stat.before} → {stat.after} | " + " | ".join(
            _percent_cell(stat, count) for count in (stat.unchanged, stat.added, stat.removed, stat.modified,
                                                     stat.moved_out, stat.moved_in)) + " |" for stat in group]
        out.append((titles[title], STAT_HEADER, rows))
    return out


def _percent_cell(stat: SplitStat, count: int) -> str:
    share = stat.percent(count)
    return f"{count} ({share:g}%)" if share is not None else str(count)


def _value(value: Any) -> str:
    if isinstance(value, dict):
        text = ", ".join(f"{key}: {_value(item)}" for key, item in value.items())
        return "{" + (text if len(text) <= 80 else text[:77] + "...") + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # weights as release.yaml declares them: 2, not 2.0
    return "null" if value is None else str(value)


GITHUB_COMMENT_LIMIT = 65_535


def plan_markdown(plan: Plan, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """The plan as a pull-request comment: a summary, then the changes and the steps as tables, cut to fit
    GitHub's comment limit with a count of what was left out (`plan --json` has all of it)."""
    counts = plan.counts()
    ops = {op: sum(1 for change in plan.changes if change.op == op) for op in "+~-"}
    head = [f"### releasebuild plan: {plan.version}", "",
            f"Against {plan.baseline or 'nothing recorded yet'}: **{ops['+']} to add, {ops['~']} to change, "
            f"{ops['-']} to remove**; {counts['will_run']} steps to run, {counts['may_run']} may run, "
            f"{counts['cached']} cached." if plan.has_changes else "No changes. The release is up to date.", "",
            *([_md(_waiting(plan)), ""] if plan.waits_for else []),
            *([_md(_computed(plan)), ""] if _computed(plan) else []),
            *[f"> [!WARNING]\n> {_md(warning)}\n" for warning in _warnings(plan)],
            *([f"Its data: {_short(_md(plan.data_from), 500)}.", ""] if plan.data_from else [])]
    changes = [f"| {c.op} | {c.kind} | `{_md(c.subject)}` | {_md(_cell(c, c.old))} | {_md(_cell(c, c.new))} | "
               f"{_md(c.note)} |" for c in plan.changes]
    steps = [f"| {step.status} | `{step.id}` | {_md(step.detail)} |" for step in plan.steps
             if step.status != "cached"]
    tables = [*stat_tables(plan.stats),
              ("Changes", "| | kind | subject | old | new | note |\n|---|---|---|---|---|---|", changes),
              ("Steps", "| status | step | why |\n|---|---|---|", steps)]
    return _fit_tables("\n".join(head) + "\n", tables, limit, "releasebuild plan --json")


def _fit_tables(out: str, tables: list[tuple[str, str, list[str]]], limit: int, everything: str) -> str:
    """Append each non-empty table, cut to fit `limit` characters with a count of the rows left out (`everything`
    names the command that lists them all)."""
    tables = [table for table in tables if table[2]]
    for index, (title, header, rows) in enumerate(tables):
        block = f"<details open><summary>{title} ({len(rows)})</summary>\n\n{header}\n"
        closing = "\n</details>\n\n"
        shown = 0
        # room for this table's end and truncation line, and each later table's head, end and truncation line
        reserve = 400 * (len(tables) - index)
        for row in rows:
            if len(out) + len(block) + len(row) + 1 + reserve > limit:
                break
            block += row + "\n"
            shown += 1
        if shown < len(rows):
            block += f"\n… and {len(rows) - shown} more {title.lower()} (`{everything}` lists all)\n"
        out += block + closing
    return out


def _waiting(plan: Plan) -> str:
    """What the may_run steps wait for: the reruns whose outputs only running them tells, and why plan did not
    compute them (its budget, a rule's command)."""
    held = plan.computed.get("not_computed", {})
    shown = _short(", ".join(f"{step_id} ({held[step_id]})" if step_id in held else step_id
                             for step_id in plan.waits_for), 600)
    return (f"The steps that may run wait for the output of {shown}: known once they run "
            "(`plan --compute-data` builds them first, and the plan is then exact).")


def _computed(plan: Plan) -> str:
    """What plan computed in scratch to know the data steps' outputs (empty when it ran none)."""
    steps, budget = plan.computed.get("steps", []), plan.computed.get("budget")
    if not steps:
        return ""
    bound = "no bound" if budget is None else f"a --compute-budget of {budget:,}"
    return (f"To know what they make, plan ran {len(steps)} data step{'s' if len(steps) != 1 else ''} in scratch "
            f"({plan.computed['records']:,} records computed afresh, of {bound}; nothing cached or published).")


def _warnings(plan: Plan) -> list[str]:
    """What apply would refuse, said before the details (a protected root's published version, for one)."""
    return [step.detail for step in plan.steps if step.reason is StaleReason.VERSION_IMMUTABLE]


def _cell(change: Change, value: Any) -> str:
    """A table cell: a split's record count (its deltas are in the note), else the value."""
    if change.kind == "records":
        return f"{value['records']} records" if isinstance(value, dict) else ""
    return _value(value)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _md(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def plan_text(plan: Plan, colour: bool = False, show_cached: bool = False) -> str:
    lines = [f"releasebuild plan for {plan.version} -> {plan.release_uri}",
             f"previous release: {plan.previous_release or 'none'}", "",
             *[_paint(f"! {warning}", "red", colour) for warning in _warnings(plan)], *changes_text(plan, colour),
             *stat_text(plan.stats)]
    shown = [step for step in plan.steps if step.status != "cached" or show_cached]
    width = max((len(step.id) for step in shown), default=0)
    for step in shown:
        symbol = _NEW_SYMBOL if step.reason is StaleReason.NEW else _PLAN_SYMBOL[step.status]
        text = f"  {symbol} {step.id:<{width}}  {step.status:<9} {step.detail}"
        lines.append(_paint(text, _COLOUR.get(symbol), colour))
    counts = plan.counts()
    if not plan.has_changes:
        lines.append("No changes. The release is up to date.")
    else:
        ops = {op: sum(1 for change in plan.changes if change.op == op) for op in "+~-"}
        lines.append("")
        lines.append(f"Plan: {ops['+']} to add, {ops['~']} to change, {ops['-']} to remove; "
                     f"{counts['will_run']} steps to run, {counts['may_run']} may run "
                     f"(early cutoff may skip them), {counts['cached']} cached.")
        if plan.waits_for:
            lines.append(_waiting(plan))
        if _computed(plan):
            lines.append(_computed(plan))
    return "\n".join(lines) + "\n"


def apply_text(report: ApplyReport, colour: bool = False) -> str:
    data = report.to_json()
    lines = []
    shown = [step for step in report.outcome.steps if step.status != "cached"]
    width = max((len(step.id) for step in shown), default=0)
    for step in shown:
        lines.append(_paint(f"  {step.status:<8} {step.id:<{width}}  {step.detail}", _COLOUR.get(step.status), colour))
    cached = [step.id for step in report.outcome.steps if step.status == "cached"]
    if cached:
        lines.append(f"  cached   {len(cached)} step(s), inputs unchanged: {', '.join(cached)}")
    summary = data["summary"]
    lines.append(f"Apply: {summary['ran']} ran, {summary['cached']} cached, {summary['skipped']} skipped, "
                 f"{summary['failed']} failed.")
    if data["published"]:
        lines.append(f"Published {report.version} at {report.release_uri} ({data['root_digest']})")
    return "\n".join(lines) + "\n"


_COVERAGE_STYLE = {"present": "green", "pending": "cyan", "partial": "yellow", "missing": "red"}


def coverage_text(report: dict[str, Any], colour: bool = False) -> str:
    """The coverage matrix as a table: one row per family, required ones marked with *."""
    header = ["", "family", "status", "records", "min", "objects", "bytes", "prefixes"]
    rows = [["*" if row["required"] else "", row["family"], row["status"],
             "?" if row["records"] is None else f"{row['records']:,}",
             "-" if row["min_records"] is None else f"{row['min_records']:,}",
             f"{row['objects']:,}", f"{row['bytes']:,}", ", ".join(row["prefixes"]) or "-"]
            for row in report["families"]]
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
    lines = [f"coverage for {report['version']} -> {report['release_uri']}", "",
             "  ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True)).rstrip()]
    for row, cells in zip(report["families"], rows, strict=True):
        text = "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
        lines.append(_paint(text, _COVERAGE_STYLE[row["status"]], colour))
        if row["status"] != "present" or row["records"] is None:
            lines.append(f"    {row['why']}")
    failed = report["failed_families"]
    lines.append("")
    lines.append(f"Coverage: {len(failed)} required famil{'y' if len(failed) == 1 else 'ies'} missing or partial: "
                 f"{', '.join(failed)}; apply will block." if failed else
                 f"Coverage: every required family is present ({len(report['required'])} required; * marks them).")
    return "\n".join(lines) + "\n"


_REVIEW_COLOUR = {"approved": "green", "not_applicable": "dim", "pending": "yellow", "unknown": "cyan",
                  "stale": "red", "rejected": "red", "demo_refused": "red", "invalid": "red", "unsigned": "red",
                  "bad_signature": "red"}


def status_text(report: dict[str, Any], colour: bool = False) -> str:
    lines = [f"reviews of {report['version']} -> {report['release_uri']}", ""]
    width = max((len(row["review"]) for row in report["reviews"]), default=0)
    for row in report["reviews"]:
        text = f"  {row['review']:<{width}}  {row['status']:<14} {row['why']}"
        lines.append(_paint(text, _REVIEW_COLOUR.get(row["status"]), colour))
        lines.append(f"  {'':<{width}}  {'':<14} sample {row['sample_digest'] or '-'}")
        lines.append(f"  {'':<{width}}  {'':<14} families {', '.join(row['families']) or '-'}; file {row['file']}")
        if row["signature"] is not None:
            lines.append(f"  {'':<{width}}  {'':<14} signature {row['signature']}, key {row['key'] or '-'}")
    lines.append("")
    if not report["reviews"]:
        lines.append("No review is required (signoffs.required is empty).")
    elif report["ready"]:
        lines.append("Every required review is approved for this build's samples.")
    else:
        lines.append(f"Waiting on {len(report['waiting_on'])} review(s): {', '.join(report['waiting_on'])}. "
                     "`releasebuild signoff samples` writes the samples to review.")
    return "\n".join(lines) + "\n"


def attempts_text(report: dict[str, Any]) -> str:
    """`status --attempts`: one line per blocked apply recorded on the root, with where its reports are."""
    lines = [f"blocked applies recorded under {report['root']}/attempts/", ""]
    for attempt in report["attempts"]:
        lines.append(f"  {attempt['version']}  {attempt['run_id']}  blocked by {', '.join(attempt['blocked_by'])}  "
                     f"({len(attempt['files'])} files)")
        lines.append(f"    {attempt['uri']}")
    if not report["attempts"]:
        lines.append("  none")
    return "\n".join(lines) + "\n"


_DIFF_STATS = ("conversations", "tokens", "turns.mean", "tokens_per_conversation.mean")


def diff_text(report: dict[str, Any], colour: bool = False) -> str:
    """Two published releases: definition (version included), records per family and split (--stat lines,
    eval-breaking apart), stats that moved, shards, gate results and sign-offs."""
    a, b = report["a"], report["b"]
    lines = [f"releasebuild diff {a['version']} ({a['uri']}) -> {b['version']} ({b['uri']})", ""]
    if report["identical"]:
        return "\n".join(lines + ["Identical: the same root digest."]) + "\n"
    definition = [Change(**change) for change in report["definition"]]
    lines += ["Definition:", *[_change_line(change, colour) for change in definition], ""] if definition else \
        ["Definition: the same.", ""]
    stats = [SplitStat.from_json(entry) for entry in report["data"]["stat"]]
    lines += stat_text(stats) or ["Records: the same ids, splits and content.", ""]
    moved = [f"  {family}/{split}: " + ", ".join(f"{name} {_value(a)} -> {_value(b)}" for name, (a, b) in
                                                   metrics.items() if name in _DIFF_STATS)
             for family, splits in report["stats"].items() for split, metrics in splits.items()
             if any(name in _DIFF_STATS for name in metrics)]
    if moved:
        lines += ["Stats that moved (all of them in --json):", *moved, ""]
    shards = report["shards"]
    lines.append(f"Shards: {len(shards['added'])} added, {len(shards['removed'])} removed, "
                 f"{len(shards['changed'])} changed.")
    gates = [f"  {gate}: {_value(values['a'])} -> {_value(values['b'])}" for gate, values in report["gates"].items()]
    lines += ["Gates:", *gates] if gates else ["Gates: same results."]
    signoffs = report["signoffs"]
    changed = [f"  + {entry}" for entry in signoffs["added"]] + [f"  - {entry}" for entry in signoffs["removed"]]
    carried = [f"  {review}: carried from {version}" for review, version in signoffs["carried"].items()]
    lines += ["Sign-offs:", *changed, *carried] if changed or carried else ["Sign-offs: the same records."]
    return "\n".join(lines) + "\n"


def diff_markdown(report: dict[str, Any], limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """`diff --format markdown`: the diff as a pull-request comment, cut to GitHub's limit like a plan."""
    a, b = report["a"], report["b"]
    head = [f"### releasebuild diff: {a['version']} → {b['version']}", "",
            f"`{_md(a['uri'])}` → `{_md(b['uri'])}`", ""]
    if report["identical"]:
        return "\n".join([*head, "Identical: the same root digest."]) + "\n"
    stats = [SplitStat.from_json(entry) for entry in report["data"]["stat"]]
    definition = [Change(**change) for change in report["definition"]]
    changes = [f"| {c.op} | {c.kind} | `{_md(c.subject)}` | {_md(_cell(c, c.old))} | {_md(_cell(c, c.new))} | "
               f"{_md(c.note)} |" for c in definition]
    gates = [f"| `{_md(gate)}` | {_md(_value(values['a']))} | {_md(_value(values['b']))} |"
             for gate, values in report["gates"].items()]
    signoffs = report["signoffs"]
    reviews = [f"| + | `{_md(entry)}` | |" for entry in signoffs["added"]] + \
        [f"| - | `{_md(entry)}` | |" for entry in signoffs["removed"]] + \
        [f"| carried | `{_md(review)}` | from {_md(version)} |" for review, version in signoffs["carried"].items()]
    shards = report["shards"]
    head += [f"Shards: {len(shards['added'])} added, {len(shards['removed'])} removed, "
             f"{len(shards['changed'])} changed. Eval-breaking splits: "
             f"{len(report['data']['eval_breaking'])}; train-only: {len(report['data']['train_only'])}.", ""]
    tables = [*stat_tables(stats),
              ("Definition", "| | kind | subject | old | new | note |\n|---|---|---|---|---|---|", changes),
              ("Gates", "| gate | a | b |\n|---|---|---|", gates),
              ("Sign-offs", "| | record | |\n|---|---|---|", reviews)]
    return _fit_tables("\n".join(head) + "\n", tables, limit, "releasebuild diff --json")


_VERIFY_UNITS = {"manifest": "document", "schema": "document", "artifacts": "objects hashed", "root_digest": "digest",
                 "unlisted": "objects listed", "records": "counts", "gates": "gates", "signoffs": "signatures",
                 "restricted": "files hashed"}


def verify_text(report: VerifyReport, colour: bool = False) -> str:
    """One line per check group, then each finding, the warnings and the records withdrawn since; the verdict last."""
    version = report.version or "(no version)"
    lines = [f"verify {version} at {report.prefix}", ""]
    for check, checked in report.checked.items():
        failed = report.mismatches(check)
        status = _paint(f"{'FAIL' if failed else 'ok':<4}", "red" if failed else "green", colour)
        lines.append(f"  {check:<12} {status}  {checked} {_VERIFY_UNITS[check]}"
                     + (f", {failed} mismatch{'es' if failed != 1 else ''}" if failed else ""))
    for title, entries, style in (("Mismatches", report.findings, "red"), ("Warnings", report.warnings, "yellow")):
        if entries:
            lines += ["", f"{title}:"] + [_paint(f"  {entry.key}: {entry.what}", style, colour) for entry in entries]
    if report.withdrawn:
        lines += ["", f"Withdrawn since publication ({len(report.withdrawn)}, listed in <root>/revocations.json):"]
        lines += [f"  {entry['family']}/{entry['id']} ({entry['split']}, {entry['shard']}): {entry['reason']}; "
                  f"withdrawn by {entry['revoked_by']}" for entry in report.withdrawn]
    count = len(report.findings)
    verdict = "sound" if report.sound else f"{count} mismatch{'es' if count != 1 else ''}"
    lines += ["", f"verified {version} at {report.prefix}: {verdict}"]
    return "\n".join(lines) + "\n"


def definition_errors(error: DefinitionError) -> str:
    count = len(error.diagnostics)
    return "\n".join(str(d) for d in error.diagnostics) + f"\n{count} error{'s' if count != 1 else ''} found.\n"


def _paint(text: str, style: str | None, colour: bool) -> str:
    if not colour or not style:
        return text
    codes = {"green": "32", "yellow": "33", "cyan": "36", "red": "31", "dim": "2"}
    return f"\033[{codes[style]}m{text}\033[0m"


def determinism_text(report: DeterminismReport, colour: bool = False) -> str:
    """Each rerun rule: same, differs (with where its outputs first differ) or failed; then what was not checked."""
    lines = [f"determinism check of {report.version}: {len(report.checked)} rule(s) rerun", ""]
    styles = {"same": "green", "differs": "red", "failed": "red"}
    for check in report.checked:
        lines.append(_paint(f"  {check.status:<8} {check.rule}: {check.detail}", styles[check.status], colour))
        for output in check.outputs:
            if output.first_difference is None:
                continue
            where = output.first_difference
            lines.append(f"    {output.output}: first differs at line {where['line']}, column {where['column']} "
                         f"(byte {where['byte']}); {output.cached_bytes:,} bytes cached, {output.rerun_bytes:,} "
                         "rerun")
    for rule, why in report.not_checked.items():
        lines.append(f"  {'-':<8} {rule}: not checked, {why}")
    if not report.checked and not report.not_checked:
        lines.append("This release declares no rules: nothing to compare.")
    elif not report.checked:
        lines.append("Nothing was compared: no rule's outputs are cached here (apply first).")
    elif report.consistent:
        lines.append("")
        lines.append("Every rerun rule reproduced its cached outputs byte for byte.")
    else:
        lines.append("")
        lines.append("A rule did not reproduce its outputs: its key promises the same bytes from the same inputs. "
                     "Declare what it depends on (a seed in params, a variable in env) or remove the source of "
                     "variation (timestamps, unordered listings).")
    return "\n".join(lines) + "\n"
