"""What a release definition asks for, as plain data (a snapshot), and the changes between two snapshots.

Terraform compares desired state with recorded state; here the recorded state is the snapshot release.lock keeps
from the last apply, a published release's manifest, or another definition (a file, or release.yaml at a git
revision). Pure functions: loading the baselines is the api's job, rendering is render.py's.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Literal

from releasebuild.config.load import Definition
from releasebuild.gates import GATES
from releasebuild.keys import digest
from releasebuild.steps import ids
from releasebuild.steps.base import StepSpec

SNAPSHOT_FORMAT = 1
Op = Literal["+", "-", "~"]
Kind = Literal["version", "family", "source", "splits", "curriculum", "gate", "signoff", "records", "rule"]
RULE_FIELDS = ("cmd", "shell", "params", "env", "version", "outputs", "inputs")
# Lists whose order means nothing, by the name of the setting that holds them: a rule's outputs, input patterns
# and environment names; the fields, metadata, entities, metrics and families a gate requires, allows or compares.
# Every other list keeps its order, because there it means something: a command's arguments, a family's
# sources (read in that order), a gate's priority of families. Curriculum stages are a mapping in declared order.
UNORDERED = frozenset({"outputs", "inputs", "env", "required", "require_metadata", "allow", "expected", "compare",
                       "metrics", "entities", "families"})


@dataclass(frozen=True)
class Change:
    kind: Kind
    op: Op
    subject: str  # what changed: a family, "stage/family", "gate.threshold.path", ...
    old: Any = None
    new: Any = None
    note: str = ""  # e.g. "stricter", "looser", "mapping changed"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def snapshot(definition: Definition, specs: list[StepSpec], records: dict[str, dict[str, int]] | None = None,
             files: dict[str, dict[str, dict[str, Any]]] | None = None,
             file_records: dict[str, dict[str, Any]] | None = None,
             indexes: dict[str, str] | None = None) -> dict[str, Any]:
    """The desired release as comparable data; `records` (family -> split counts), `files` (family -> source
    file -> {bytes, digest}, from listings), `file_records` (family -> {digest of ingest's per-file list, records:
    source file -> records mapped from it}) and `indexes` (family -> SHA-256 of its provenance index, which names
    the published release the snapshot describes) where they are known."""
    return with_data(definition_snapshot(definition, specs), records, files, file_records, indexes)


def definition_snapshot(definition: Definition, specs: list[StepSpec]) -> dict[str, Any]:
    """The snapshot of what the definition alone says, before any data is known: release/lock gets it as a param
    and adds the data (`with_data`), so release.lock's snapshot is the one `plan` compares, made by one function."""
    release = definition.release
    families: dict[str, dict[str, Any]] = {}
    for name, loaded in sorted(definition.families.items()):
        config = loaded.config
        splits = config.splits or release.splits
        families[name] = {"stage": config.stage_name, "holdout_sensitive": config.is_holdout_sensitive,
                          "sources": list(config.sources), "record_rules": digest(config.record_rules()),
                          "splits": {"ratios": dict(splits.ratios), "salt": splits.salt or release.splits.salt},
                          "resplit": release.resplit_reason(name)}
    gates: dict[str, dict[str, Any]] = {"coverage": {"blocking": True, "thresholds": {"required": {
        name: spec.min_records for name, spec in sorted(release.coverage.required.items())}}}}
    for spec in specs:
        if spec.family is None and "thresholds" in spec.params:
            gates[spec.id.removeprefix(ids.RELEASE_PREFIX)] = {"blocking": spec.params.get("blocking", True),
                                                       "thresholds": spec.params["thresholds"]}
    signoff = gates.get("signoff", {}).get("thresholds", {})
    rules = {name: {field: getattr(loaded.config, field) for field in RULE_FIELDS}
             for name, loaded in sorted(definition.rules.items())}
    return _plain({"format": SNAPSHOT_FORMAT, "version": release.version, "families": families, "rules": rules,
                   "splits": {"ratios": dict(release.splits.ratios), "salt": release.splits.salt},
                   "curriculum": {stage.stage: dict(stage.families) for stage in release.curriculum},
                   "gates": dict(sorted(gates.items())), "signoffs": {"required": signoff.get("required", [])}})


def with_data(definition: dict[str, Any], records: dict[str, dict[str, int]] | None = None,
              files: dict[str, dict[str, dict[str, Any]]] | None = None,
              file_records: dict[str, dict[str, Any]] | None = None,
              indexes: dict[str, str] | None = None) -> dict[str, Any]:
    """A definition snapshot with what is known of each family's data added (see `snapshot`)."""
    out = json.loads(json.dumps(definition))
    for name, family in out["families"].items():
        for key, known in (("records", records), ("files", files), ("file_records", file_records),
                           ("index", indexes)):
            if known and name in known:
                family[key] = known[name]
    return _plain(out)


def snapshot_of_published(manifest: dict[str, Any], curriculum: dict[str, Any],
                          summary: dict[str, Any]) -> dict[str, Any]:
    """The same snapshot read back from a published release (its record rules are not recorded: None)."""
    assignment = manifest["split_assignment"]
    overrides = assignment.get("family_overrides", {})
    families = {}
    for name, info in manifest["families"].items():
        families[name] = {"stage": info["stage_name"], "holdout_sensitive": info["holdout_sensitive"],
                          "sources": info["sources"], "record_rules": None,
                          "splits": {"ratios": info["split_ratios"],
                                     "salt": overrides.get(name, {}).get("salt") or assignment["salt"]},
                          "resplit": assignment.get("families", {}).get(name, {}).get("resplit"),
                          "records": {split: info["records"][split] for split in ("train", "val", "test")}}
    return _plain({"format": SNAPSHOT_FORMAT, "version": manifest["version"], "families": families,
                   "splits": {"ratios": assignment["ratios"], "salt": assignment["salt"]},
                   "curriculum": {stage["stage"]: {entry["family"]: entry["declared_weight"]
                                                   for entry in stage["families"]}
                                  for stage in curriculum["stages"]},
                   "gates": {gate["id"]: {"blocking": gate["blocking"], "thresholds": gate["thresholds"]}
                             for gate in sorted(summary["gates"], key=lambda gate: gate["id"])},
                   "signoffs": {"required": manifest.get("signoffs", {}).get("required", [])},
                   # The manifest names the files a rule read, not the patterns it declared: inputs are not compared.
                   "rules": {name: {**{field: rule.get(field) for field in RULE_FIELDS if field != "outputs"},
                                    "outputs": sorted(rule["outputs"]), "inputs": None}
                             for name, rule in manifest.get("rules", {}).items()}})


def _plain(value: dict[str, Any]) -> dict[str, Any]:
    """JSON's view of a value (ints and floats compare as JSON would keep them)."""
    plain: dict[str, Any] = json.loads(json.dumps(value, sort_keys=True))
    return plain


def canonical(value: Any, name: str = "") -> Any:
    """A snapshot value in the form two snapshots compare in: lists named in UNORDERED sorted (by their JSON, so
    lists of mappings sort too), every other list in its order; a source file recorded as a bare size (lock
    format 1) as {bytes, digest: null}. Applied to both sides of every comparison, so a lock written before a
    list became unordered compares canonically too."""
    if isinstance(value, dict):
        return {key: canonical(item, key) for key, item in value.items()}
    if isinstance(value, list):
        items = [canonical(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True)) if name in UNORDERED else items
    return value


def _canonical_snapshot(value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = canonical(value)
    for family in out["families"].values():
        if "files" in family:
            family["files"] = {name: canonical_file(entry) for name, entry in family["files"].items()}
    return out


def canonical_file(entry: Any) -> dict[str, Any]:
    """A listed source file as {bytes, digest}: `bytes` None where the baseline did not record a size (a published
    release names each file's content digest, not its size); `digest` None where no digest was recorded."""
    if isinstance(entry, dict):
        return {"bytes": entry.get("bytes"), "digest": entry.get("digest")}
    return {"bytes": entry, "digest": None}


SIGN_AGAIN = "all reviews will need sign-off again"


def diff(old: dict[str, Any], new: dict[str, Any], reviews: str = "") -> list[Change]:
    """Every change from `old` to `new`, compared canonically, in a stable order: the version, rules, families,
    sources, records, splits, curriculum, gates, sign-offs. `reviews`: what a new version means for the required
    reviews where the caller knows (approvals carried over, or known only once the samples are built); by
    default a new version needs every required review signed again."""
    old, new = _canonical_snapshot(old), _canonical_snapshot(new)
    changes: list[Change] = []
    if old.get("version") != new.get("version"):
        note = reviews or (SIGN_AGAIN if new["signoffs"]["required"] else "no review is required")
        changes.append(Change("version", "~", "version", old.get("version"), new.get("version"), note))
    changes += _rules(old.get("rules", {}), new.get("rules", {}))
    changes += _families(old["families"], new["families"])
    changes += _splits(old["splits"], new["splits"])
    changes += _curriculum(old["curriculum"], new["curriculum"])
    changes += _gates(old["gates"], new["gates"])
    before, after = set(old["signoffs"]["required"]), set(new["signoffs"]["required"])
    changes += [Change("signoff", "+", review, note="required now") for review in sorted(after - before)]
    changes += [Change("signoff", "-", review, note="no longer required") for review in sorted(before - after)]
    return changes


def _rules(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Rules added, removed, or declared differently (a command, a param, an output...): the rule reruns."""
    out = [Change("rule", "+", name, None, {"cmd": new[name]["cmd"], "outputs": new[name]["outputs"]})
           for name in sorted(set(new) - set(old))]
    out += [Change("rule", "-", name, {"cmd": old[name]["cmd"], "outputs": old[name]["outputs"]}, None,
                   "its outputs are no longer built") for name in sorted(set(old) - set(new))]
    for name in sorted(set(old) & set(new)):
        before, after = old[name], new[name]
        if before["inputs"] is None or after["inputs"] is None:  # a published baseline: patterns not recorded
            before, after = {**before, "inputs": None}, {**after, "inputs": None}
        was, now = _leaves(before), _leaves(after)
        for path in sorted(set(was) | set(now)):
            if was.get(path, _ABSENT) != now.get(path, _ABSENT):
                op: Op = "+" if path not in was else "-" if path not in now else "~"
                out.append(Change("rule", op, f"{name}.{path}", was.get(path), now.get(path), "the rule reruns"))
    return out


def _families(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    out = []
    for name in sorted(set(new) - set(old)):
        out.append(Change("family", "+", name, None, _family_summary(new[name]), f"stage {new[name]['stage']}"))
    for name in sorted(set(old) - set(new)):
        out.append(Change("family", "-", name, _family_summary(old[name]), None, f"stage {old[name]['stage']}"))
    for name in sorted(set(old) & set(new)):
        before, after = old[name], new[name]
        for field in ("stage", "holdout_sensitive"):
            if before[field] != after[field]:
                out.append(Change("family", "~", f"{name}.{field}", before[field], after[field]))
        if None not in (before["record_rules"], after["record_rules"]) and \
                before["record_rules"] != after["record_rules"]:
            out.append(Change("family", "~", f"{name}.mapping", note="how rows become records changed: "
                              "every record of the family is rebuilt"))
        for source in sorted(set(after["sources"]) - set(before["sources"])):
            out.append(Change("source", "+", f"{name}: {source}"))
        for source in sorted(set(before["sources"]) - set(after["sources"])):
            out.append(Change("source", "-", f"{name}: {source}"))
        if set(before["sources"]) == set(after["sources"]) and before["sources"] != after["sources"]:
            out.append(Change("family", "~", f"{name}.sources", before["sources"], after["sources"],
                              "source order: the family's records are read in this order"))
        out += _files(name, before.get("files"), after.get("files"), _file_records(before), _file_records(after))
        if before["splits"] != after["splits"]:
            out.append(Change("splits", "~", f"{name}.splits", before["splits"], after["splits"],
                              "published records keep their split unless a resplit is declared"))
        if before.get("resplit") != after.get("resplit"):
            out.append(_resplit(name, before.get("resplit"), after.get("resplit")))
    return out


def _resplit(family: str, before: str | None, after: str | None) -> Change:
    if after is None:
        return Change("splits", "-", f"{family}.resplit", before, None, "splits are sticky again")
    return Change("splits", "+" if before is None else "~", f"{family}.resplit", before, after,
                  "declared: published records may move between splits (never a val or test record into "
                  "train); the moves are counted per split once computed")


def _file_records(family: dict[str, Any]) -> dict[str, int]:
    records: dict[str, int] = family.get("file_records", {}).get("records", {})
    return records


def _files(family: str, before: dict[str, dict[str, Any]] | None, after: dict[str, dict[str, Any]] | None,
           records_before: dict[str, int], records_after: dict[str, int]) -> list[Change]:
    """Source files that appeared, went, changed size or, at the same size, content (their digests differ: size and
    mtime cannot prove sameness), with the records mapped from them where ingest has run on both sides. Values
    are sizes in bytes (None where the baseline recorded only a digest)."""
    if before is None or after is None:
        return []

    def note(name: str, delta: str) -> str:
        was, now = records_before.get(name, 0 if name not in before else None), \
            records_after.get(name, 0 if name not in after else None)
        return delta if was is None or now is None else f"{delta}, {now - was:+d} records"

    out = [Change("source", "+", f"{family}: {name}", None, after[name]["bytes"], note(name, "bytes"))
           for name in sorted(set(after) - set(before))]
    out += [Change("source", "-", f"{family}: {name}", before[name]["bytes"], None, note(name, "bytes"))
            for name in sorted(set(before) - set(after))]
    for name in sorted(set(before) & set(after)):
        was, now = before[name], after[name]
        sized = was["bytes"] is not None and now["bytes"] is not None
        if sized and was["bytes"] != now["bytes"]:
            what = f"{now['bytes'] - was['bytes']:+d} bytes"
        elif None not in (was["digest"], now["digest"]) and was["digest"] != now["digest"]:
            what = "same size, content changed" if sized else "content changed"
        else:
            continue
        out.append(Change("source", "~", f"{family}: {name}", was["bytes"], now["bytes"], note(name, what)))
    return out


def _family_summary(family: dict[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = {key: family[key] for key in ("stage", "sources", "records") if key in family}
    if "files" in family:
        sizes = [entry["bytes"] for entry in family["files"].values()]
        summary["files"] = {"count": len(sizes), "bytes": None if None in sizes else sum(sizes)}
    return summary


def _splits(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    out = []
    if old["ratios"] != new["ratios"]:
        out.append(Change("splits", "~", "splits.ratios", old["ratios"], new["ratios"],
                          "published records keep their split; new records follow the new ratios"))
    if old["salt"] != new["salt"]:
        out.append(Change("splits", "~", "splits.salt", old["salt"], new["salt"],
                          "published records keep their split unless a resplit is declared"))
    return out


def _curriculum(old: dict[str, dict[str, float]], new: dict[str, dict[str, float]]) -> list[Change]:
    out = []
    for stage in [s for s in new if s not in old]:
        out.append(Change("curriculum", "+", stage, None, new[stage]))
    for stage in [s for s in old if s not in new]:
        out.append(Change("curriculum", "-", stage, old[stage], None))
    if [s for s in old if s in new] != [s for s in new if s in old]:
        out.append(Change("curriculum", "~", "stage order", [s for s in old if s in new],
                          [s for s in new if s in old]))
    for stage in [s for s in new if s in old]:
        before, after = old[stage], new[stage]
        for family in sorted(set(before) | set(after)):
            if before.get(family) != after.get(family):
                op: Op = "+" if family not in before else "-" if family not in after else "~"
                out.append(Change("curriculum", op, f"{stage}/{family}", before.get(family), after.get(family),
                                  "weight"))
    return out


def _gates(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    out = []
    for gate in sorted(set(new) - set(old)):
        out.append(Change("gate", "+", gate, None, new[gate]["thresholds"], "stricter"))
    for gate in sorted(set(old) - set(new)):
        out.append(Change("gate", "-", gate, old[gate]["thresholds"], None, "looser"))
    for gate in sorted(set(old) & set(new)):
        before = _leaves({"blocking": old[gate]["blocking"], **old[gate]["thresholds"]})
        after = _leaves({"blocking": new[gate]["blocking"], **new[gate]["thresholds"]})
        for path in sorted(set(before) | set(after)):
            if before.get(path, _ABSENT) != after.get(path, _ABSENT):
                was, now = before.get(path), after.get(path)
                op: Op = "+" if path not in before else "-" if path not in after else "~"
                out.append(Change("gate", op, f"{gate}.{path}", was, now, direction(gate, path, was, now)))
    return out


_ABSENT = object()


def _leaves(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key in sorted(value):
            out.update(_leaves(value[key], f"{path}.{key}" if path else str(key)))
        return out
    return {path: value}


def direction(gate: str, path: str, was: Any, now: Any) -> str:
    """Whether a threshold change makes the gate stricter or looser (blank when it cannot tell): the gate's own
    reading where the registry gives one (`Gate.direction`), else what the setting's name says."""
    known = GATES.get(gate)
    if known is not None and known.direction is not None:
        return known.direction(path, was, now)
    last = path.rsplit(".", 1)[-1]
    if last == "blocking" and isinstance(was, bool) and isinstance(now, bool):
        return "looser" if was and not now else "stricter"
    if isinstance(was, list) and isinstance(now, list) and last in ("required", "require_metadata"):
        return "stricter" if set(now) > set(was) else "looser" if set(now) < set(was) else ""
    if not (isinstance(was, (int, float)) and isinstance(now, (int, float))) or isinstance(was, bool):
        return ""
    higher_is_looser = (last == "max" or last.startswith("max_")
                        or last == "threshold"  # similarity: a higher bar catches fewer pairs
                        or ".entities." in f".{path}")  # detection score: a higher bar detects less
    higher_is_stricter = last == "min" or last.startswith("min_")
    if higher_is_looser:
        return "looser" if now > was else "stricter"
    if higher_is_stricter:
        return "stricter" if now > was else "looser"
    return ""
