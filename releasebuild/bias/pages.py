"""The bias report as a markdown page (tables and charts), and the pages of sampled conversations per flag."""

from __future__ import annotations

import json
from typing import Any

from releasebuild.bias.counts import ALL, ROLES
from releasebuild.review.pages import conversation

SPLIT_ORDER = ("train", "val", "test", ALL)
STATUS = {"flagged": "⚠️", "acknowledged": "➖"}


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "–"


def report_markdown(report: dict[str, Any]) -> str:
    out = [f"# Bias and representation report: {report['status']}", "",
           "Counts of identity mentions (per conversation and per role), assistant patterns, the sources' labels, "
           "language and reading level, per family and split. Flags are for the bias/cultural review to judge; "
           "they block the release only where their check is made blocking (gates/bias.yaml).", ""]
    lexicons = report["lexicons"]
    if lexicons.get("note"):
        out += [f"**{lexicons['note']}** (looked for {', '.join(f'`{p}`' for p in lexicons['patterns'])}).", ""]
    else:
        out += ["| lexicon | kind | categories (terms) | file |", "|---|---|---|---|"]
        for name, info in lexicons["loaded"].items():
            terms = ", ".join(f"{category} ({count})" for category, count in info["terms"].items())
            out.append(f"| {info['title']} (`{name}`) | {info['kind']} | {terms} | `{info['file']}` |")
        out.append("")
    out += [f"Previous release: {report['release']['previous']['note']}.", ""]
    out += _flag_table("Flags", [flag for entry in report["families"].values() for flag in entry["flags"]]
                       + report["release"]["flags"])
    if report["samples"]:
        out += ["Sampled conversations behind the flags, for the reviewers:", ""]
        out += [f"- {family}: [{info['page']}](../{info['page']}) ({sum(info['cells'].values())} conversations, "
                f"{len(info['cells'])} cells)" for family, info in report["samples"].items()]
        out.append("")
    for chart in report["charts"]:
        if not chart.startswith("bias/labels-"):
            out += [f"![{chart}]({chart.removeprefix('bias/')})", ""]
    out += _release_tables(report["release"]["identity"])
    for family, entry in report["families"].items():
        out += _family(family, entry, report["charts"])
    return "\n".join(out) + "\n"


def _flag_table(title: str, flags: list[dict[str, Any]]) -> list[str]:
    if not flags:
        return [f"## {title}", "", "None.", ""]
    out = [f"## {title}", "", "| | family | check | cell | split | role | finding | blocking |",
           "|---|---|---|---|---|---|---|---|"]
    for flag in flags:
        finding = flag["message"] + (f" (acknowledged: {flag['reason']})" if flag["status"] == "acknowledged" else "")
        out.append(f"| {STATUS[flag['status']]} | {flag['family']} | {flag['check']} | `{flag['cell']}` | "
                   f"{flag['split']} | {flag['role'] or '-'} | {finding} | {'yes' if flag['blocking'] else 'no'} |")
    return out + [""]


def _release_tables(identity: dict[str, Any]) -> list[str]:
    if not identity:
        return []
    out = ["## The release: identity mentions", "", "Each category's share of a lexicon's mentions, every family "
           "and split together (mentions in brackets).", ""]
    for lexicon, roles in identity.items():
        out += [f"### {lexicon}", "", "| category | " + " | ".join(ROLES) + " |", "|---|" + "---|" * len(ROLES)]
        for category in roles["user"]["shares"]:
            cells = [f"{_share(roles[role]['shares'][category])} ({roles[role]['counts'][category]})"
                     for role in ROLES]
            out.append(f"| {category} | " + " | ".join(cells) + " |")
        out.append("")
    return out


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _family(family: str, entry: dict[str, Any], charts: list[str]) -> list[str]:
    splits = entry["splits"]
    present = [split for split in SPLIT_ORDER if split in splits]
    row = splits[ALL]
    out = [f"## {family}", "", f"Section digest (what a bias sign-off names): `{entry['section_digest']}`", "",
           "| | " + " | ".join(present) + " |", "|---|" + "---|" * len(present),
           "| conversations | " + " | ".join(str(splits[split]["conversations"]) for split in present) + " |", ""]
    out += _flag_table(f"{family}: flags", entry["flags"])
    total = row["conversations"]
    out += [f"### {family}: identity mentions", "",
            "| lexicon | category | conversations | user: conversations / mentions | "
            "assistant: conversations / mentions |", "|---|---|---|---|---|"]
    silent = []
    for lexicon, categories in row["identity"].items():
        for category, cell in categories.items():
            if not cell["conversations"]:
                silent.append(f"{lexicon}/{category}")
                continue
            out.append(f"| {lexicon} | {category} | {cell['conversations']} ({_percent(cell['conversations'], total)})"
                       f" | {cell['user']['conversations']} / {cell['user']['mentions']} | "
                       f"{cell['assistant']['conversations']} / {cell['assistant']['mentions']} |")
    out.append("")
    if silent:
        out += [f"Not mentioned: {', '.join(silent)}.", ""]
    if row["assistant_patterns"]:
        out += [f"### {family}: assistant patterns", "", "| pattern | conversations | share |", "|---|---|---|"]
        for lexicon, categories in row["assistant_patterns"].items():
            for category, cell in categories.items():
                out.append(f"| {lexicon}/{category} | {cell['conversations']} | "
                           f"{_percent(cell['conversations'], total)} |")
        out.append("")
    out += _labels(family, splits, present, charts)
    out += [f"### {family}: language and reading level", "",
            "| role | languages (conversations) | reading grade mean / median / p90 |", "|---|---|---|"]
    for role in ROLES:
        languages = ", ".join(f"{code} {count}" for code, count in
                              sorted(row["languages"][role].items(), key=lambda item: (-item[1], item[0])))
        level = row["reading_level"][role]
        grades = " / ".join("–" if level[key] is None else f"{level[key]:.1f}" for key in ("mean", "median", "p90"))
        out.append(f"| {role} | {languages or '–'} | {grades} |")
    return out + [""]


def _labels(family: str, splits: dict[str, Any], present: list[str], charts: list[str]) -> list[str]:
    labels = splits[ALL]["labels"]
    if not labels:
        return []
    out = [f"### {family}: labels from the source", ""]
    for name, values in labels.items():
        if "too_many_values" in values:
            out += [f"`{name}`: more distinct values than max_label_values: not a label, not tabulated.", ""]
            continue
        out += [f"`{name}`, share of conversations per split:", "",
                f"| {name} | " + " | ".join(present) + " |", "|---|" + "---|" * len(present)]
        totals = {split: sum(splits[split]["labels"].get(name, {}).values()) for split in present}
        for value in sorted(values, key=lambda v: (-values[v], v)):
            cells = [_percent(splits[split]["labels"].get(name, {}).get(value, 0), totals[split]) for split in present]
            out.append(f"| {value} | " + " | ".join(cells) + " |")
        out.append("")
    chart = f"bias/labels-{family}.png"
    if chart in charts:
        out += [f"![{family} labels]({chart.removeprefix('bias/')})", ""]
    return out


def samples_markdown(family: str, cells: dict[str, list[str]], rows: list[dict[str, Any]]) -> str:
    """The conversations sampled for each flagged cell of one family, after the findings that flagged it."""
    out = [f"# Bias review samples: {family}", "",
           "A small sample per flagged cell, stratified by split and drawn by a seeded hash of the record id. Name a "
           "record on the review form as `<family>/<id>`.", ""]
    for cell, messages in sorted(cells.items()):
        drawn = [row for row in rows if row["cell"] == cell]
        out += [f"## `{cell}`", "", *[f"- {message}" for message in messages], "",
                f"{len(drawn)} conversation(s) drawn.", ""]
        for number, row in enumerate(drawn, start=1):
            out += conversation(f"{number}. `{family}/{row['id']}`", json.loads(row["line"]), f"cell `{cell}`", 3)
    return "\n".join(out) + "\n"
