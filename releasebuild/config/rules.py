"""Rules across files: names are unique, every `rule:` reference names a rule and matches its outputs, rules form
no cycle, staged files cannot collide, and a script the command runs is among the rule's inputs.

All of it is known before anything runs (outputs are declared), so a typo fails `validate`, not a build.
"""

from __future__ import annotations

import fnmatch
import posixpath
from dataclasses import dataclass
from pathlib import Path

from releasebuild.config.hints import did_you_mean
from releasebuild.config.located import LocatedDocument, Path_
from releasebuild.config.models import PLACEHOLDER, Family, Rule, split_rule_ref
from releasebuild.errors import Diagnostic

SCRIPT_SUFFIXES = (".py", ".sh", ".bash", ".R", ".r", ".pl", ".rb", ".js", ".jl")


@dataclass(frozen=True)
class LoadedRule:
    config: Rule
    file: str        # display name of the file that declares it
    base_dir: Path   # its inputs resolve against this, and its command runs in the matching staged directory


@dataclass(frozen=True)
class Site:
    """Where a declaration sits, for diagnostics."""

    doc: LocatedDocument
    path: Path_

    def diagnostic(self, *more: str | int | float, message: str, hint: str = "") -> Diagnostic:
        return self.doc.diagnostic(self.path + more, message, hint)


def matched_outputs(rule: Rule, pattern: str) -> list[str]:
    """The outputs of `rule` that `rule:<name>/<pattern>` names (every output for an empty pattern)."""
    return [output for output in rule.outputs if not pattern or fnmatch.fnmatchcase(output, pattern)]


def check_rules(declared: list[tuple[LoadedRule, Site]], families: list[tuple[Family, Site]]
                ) -> tuple[dict[str, LoadedRule], list[Diagnostic]]:
    """The rules by name, and every problem with them and with the families' `rule:` sources."""
    found: list[Diagnostic] = []
    rules: dict[str, LoadedRule] = {}
    sites: dict[str, Site] = {}
    for loaded, site in declared:
        name = loaded.config.name
        if name in rules:
            found.append(site.diagnostic("name", message=f"rule '{name}' is declared twice (first in "
                                                         f"{rules[name].file})"))
            continue
        rules[name] = loaded
        sites[name] = site
    for family, site in families:
        if family.name == "rules":
            found.append(site.diagnostic("name", message="family name 'rules' is reserved (rule steps are "
                                                         "rules/<name>)"))
        for index, ref in enumerate(family.sources):
            found += _reference(ref, rules, site, ("sources", index), f"family '{family.name}'")
    for name, loaded in rules.items():
        rule, site = loaded.config, sites[name]
        owners = {output: "" for output in rule.outputs}  # staged path -> the rule whose output goes there ("": own)
        for index, ref in enumerate(rule.inputs):
            parts = split_rule_ref(ref)
            if parts is None:
                continue
            if parts[0] == name:
                found.append(site.diagnostic("inputs", index, message=f"rule '{name}' takes its own outputs as "
                                                                      "input"))
                continue
            problems = _reference(ref, rules, site, ("inputs", index), f"rule '{name}'")
            found += problems
            if problems:
                continue
            for output in matched_outputs(rules[parts[0]].config, parts[1]):
                owner = owners.setdefault(output, parts[0])
                if owner != parts[0]:  # the same rule's output named twice is staged once
                    where = "its own output" if owner == "" else f"rule:{owner}'s output"
                    found.append(site.diagnostic("inputs", index, message=(
                        f"rule '{name}': {ref} stages {output}, where {where} also goes"),
                        hint="rules stage each other's outputs at the paths they declare; rename one of them"))
        found += _unstaged_scripts(rule, site)
    found += _cycles(rules, sites)
    return rules, found


def _reference(ref: str, rules: dict[str, LoadedRule], site: Site, where: Path_, owner: str) -> list[Diagnostic]:
    parts = split_rule_ref(ref)
    if parts is None:
        return []
    name, pattern = parts
    if name not in rules:
        return [site.diagnostic(*where, message=f"{owner} names unknown rule '{name}' ({ref})",
                                hint=did_you_mean(name, rules) or "declare it under 'rules:' in release.yaml "
                                                                  "or in a family file")]
    if not matched_outputs(rules[name].config, pattern):
        outputs = ", ".join(rules[name].config.outputs)
        return [site.diagnostic(*where, message=f"{owner}: {ref} matches none of rule '{name}''s outputs",
                                hint=f"its outputs are {outputs}")]
    return []


def _unstaged_scripts(rule: Rule, site: Site) -> list[Diagnostic]:
    """A script named in the argv but not among the inputs would not be staged, and editing it would not rerun the
    rule: say so before the command fails with 'file not found' (or, worse, reads a stale copy)."""
    if rule.shell or isinstance(rule.cmd, str):
        return []
    local = [posixpath.normpath(ref) for ref in rule.inputs if "://" not in ref and split_rule_ref(ref) is None]
    found = []
    for index, part in enumerate(rule.cmd):
        if part.startswith("-") or PLACEHOLDER.search(part) or not part.endswith(SCRIPT_SUFFIXES):
            continue
        if index == 0 and "/" not in part:
            continue  # a program found on PATH
        if not any(fnmatch.fnmatchcase(posixpath.normpath(part), pattern) for pattern in local):
            found.append(site.diagnostic("cmd", index, message=(
                f"rule '{rule.name}' runs {part}, which is not among its inputs"),
                hint="add it to inputs: only inputs are staged where the command runs, and a script's digest "
                     "is what makes editing it rerun the rule"))
    return found


def _cycles(rules: dict[str, LoadedRule], sites: dict[str, Site]) -> list[Diagnostic]:
    """Rules feeding each other in a loop: reported once, at the first rule of the loop."""
    edges = {name: sorted({parts[0] for ref in loaded.config.inputs if (parts := split_rule_ref(ref))
                           and parts[0] in rules and parts[0] != name})
             for name, loaded in rules.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    found: list[Diagnostic] = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for dep in edges[name]:
            if state.get(dep) == 1:
                loop = path[path.index(dep):] + [name, dep]
                found.append(sites[dep].diagnostic("inputs", message="rules form a cycle: " + " -> ".join(loop)))
            elif dep not in state:
                visit(dep, path + [name])
        state[name] = 2

    for name in sorted(rules):
        if name not in state:
            visit(name, [])
    return found
