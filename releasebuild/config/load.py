"""Read release.yaml and its includes into validated models, collecting every error with its location."""

from __future__ import annotations

import hashlib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from releasebuild.config.gate import DefinitionContext, GateConfig, Gates
from releasebuild.config.hints import did_you_mean
from releasebuild.config.located import MAX_FILE_BYTES, LocatedDocument, Path_, parse_located_bytes
from releasebuild.config.models import Family, Release, Takedown, Takedowns
from releasebuild.config.rules import LoadedRule, Site, check_rules
from releasebuild.errors import DefinitionError, Diagnostic

GateT = TypeVar("GateT", bound=GateConfig)


@dataclass(frozen=True)
class LoadedFamily:
    config: Family
    file: str          # display name of the file that declares it
    base_dir: Path     # relative sources resolve against this


@dataclass(frozen=True)
class Definition:
    """A validated release definition: everything a plan or apply needs to know about intent."""

    release: Release
    path: Path
    families: dict[str, LoadedFamily]
    gates: dict[str, GateConfig]
    files: dict[str, str] = field(default_factory=dict)  # display name -> sha256 of its bytes
    takedowns: list[Takedown] = field(default_factory=list)
    rules: dict[str, LoadedRule] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        return self.path.parent


def load_definition(path: Path, known_gates: Gates) -> Definition:
    """Load and validate; raise DefinitionError listing every problem found. `known_gates`: the gate registry
    (`releasebuild.gates.GATES`), handed in so that this layer imports no gate."""
    path = path.resolve() if path.is_absolute() else Path.cwd() / path
    base_dir = path.parent
    diagnostics: list[Diagnostic] = []
    files: dict[str, str] = {}

    def read(file: Path) -> LocatedDocument | None:
        display = _display(file, base_dir)
        if file != path and not _inside(file, base_dir):  # the callers check first, where they can locate it
            diagnostics.append(Diagnostic(display, 1, 1, OUTSIDE))
            return None
        try:
            raw = _read_bytes(file, display)
        except DefinitionError as exc:
            if file == path:
                raise
            diagnostics.extend(exc.diagnostics)
            return None
        files[display] = hashlib.sha256(raw).hexdigest()
        try:
            return parse_located_bytes(raw, display)
        except DefinitionError as exc:
            diagnostics.extend(exc.diagnostics)
            return None

    root_doc = read(path)
    if root_doc is None:
        raise DefinitionError(diagnostics)
    root: LocatedDocument = root_doc

    def outside(where: Path_, what: str, ref: str) -> bool:
        """An include must be a file of the project (release.yaml's directory, symlinks resolved): nothing outside
        it is read, so no error can quote it."""
        if _inside(base_dir / ref, base_dir):
            return False
        diagnostics.append(root.diagnostic(where, f"{what} '{ref}' is outside the project directory", OUTSIDE_HINT))
        return True

    release = validate_located(Release, root_doc, (), diagnostics)
    raw_families = root_doc.data.get("families") if isinstance(root_doc.data, dict) else None

    families: dict[str, LoadedFamily] = {}
    declared_rules: list[tuple[LoadedRule, Site]] = []
    family_sites: list[tuple[Family, Site]] = []
    invalid: set[str] = set()  # names of families that failed validation: no follow-on errors about them
    # Families are read even when release.yaml itself has errors, so one run reports everything.
    for index, ref in enumerate(raw_families if isinstance(raw_families, list) else []):
        if not isinstance(ref, (str, dict)):
            continue
        where: Path_ = ("families", index)
        if isinstance(ref, str):
            include = base_dir / ref
            if outside(where, "family file", ref):
                continue
            if not _is_file(include):
                diagnostics.append(root_doc.diagnostic(where, f"family file '{ref}' not found",
                                                       _nearby_files(include)))
                continue
            doc = read(include)
            if doc is None:
                invalid.add(include.stem)
                continue
            loaded = validate_located(Family, doc, (), diagnostics)
            family_file, family_dir, raw, site = doc.file, include.parent, doc.data, Site(doc, ())
        else:
            loaded = validate_located(Family, root_doc, where, diagnostics)
            family_file, family_dir, raw, site = root_doc.file, base_dir, ref, Site(root_doc, where)
        if loaded is None:
            name = raw.get("name") if isinstance(raw, dict) else None
            invalid.add(name if isinstance(name, str) else "")
            continue
        if loaded.name in families:
            diagnostics.append(root_doc.diagnostic(where, f"family '{loaded.name}' is declared twice"))
            continue
        families[loaded.name] = LoadedFamily(loaded, family_file, family_dir)
        family_sites.append((loaded, site))
        declared_rules += [(LoadedRule(rule, family_file, family_dir), Site(site.doc, site.path + ("rules", i)))
                           for i, rule in enumerate(loaded.rules)]

    if release is None:
        raise DefinitionError(diagnostics)
    declared_rules[:0] = [(LoadedRule(rule, root_doc.file, base_dir), Site(root_doc, ("rules", i)))
                          for i, rule in enumerate(release.rules)]
    rules, problems = check_rules(declared_rules, family_sites)
    diagnostics.extend(problems)
    gates: dict[str, GateConfig] = {}
    gate_sites: dict[str, Site] = {}
    for gate_id, ref in release.gates.items():
        where = ("gates", gate_id)
        known = known_gates.get(gate_id)
        if known is None:
            diagnostics.append(root_doc.diagnostic(where, f"unknown gate '{gate_id}'",
                                                   did_you_mean(gate_id, known_gates), key=True))
            continue
        model = known.config
        if isinstance(ref, str):
            include = base_dir / ref
            if outside(where, "gate file", ref):
                continue
            if not _is_file(include):
                diagnostics.append(root_doc.diagnostic(where, f"gate file '{ref}' not found", _nearby_files(include)))
                continue
            doc, where = read(include), ()
            gate = validate_located(model, doc, (), diagnostics) if doc else None
            gate = gate.located(_display(include.parent, base_dir)) if gate else None
        else:
            doc = root_doc
            gate = validate_located(model, root_doc, where, diagnostics)
            gate = gate.located("") if gate else None
        if gate is not None and doc is not None:
            gates[gate_id] = gate
            gate_sites[gate_id] = Site(doc, where)
            for inside, message, hint in gate.checks(set(families) | invalid):
                diagnostics.append(doc.diagnostic(where + inside, message, hint))
    for gate_id in (gate_id for gate_id, known in known_gates.items() if known.always_on):
        if gate_id not in gates and gate_id not in release.gates:  # fail closed: the gate with its defaults
            gates[gate_id] = known_gates[gate_id].config()
            for _, message, hint in gates[gate_id].checks(set(families) | invalid):
                diagnostics.append(root_doc.diagnostic(("gates",), f"{message} (no '{gate_id}' gate is declared, "
                                                       f"so its defaults apply)", hint))

    for gate_id, known in known_gates.items():  # gates release.yaml declares in a section of its own
        from_release = known.from_release(release)
        if from_release is not None:
            if gate_id in release.gates:
                diagnostics.append(root_doc.diagnostic(("gates", gate_id), f"the {gate_id} gate is set in "
                                                       f"release.yaml's `{gate_id}:` section, not under `gates:`",
                                                       f"move its settings to `{gate_id}:`", key=True))
            gates[gate_id] = from_release

    takedowns: list[Takedown] = []
    if isinstance(release.takedowns, str):
        include = base_dir / release.takedowns
        if outside(("takedowns",), "takedowns file", release.takedowns):
            pass
        elif not _is_file(include):
            diagnostics.append(root_doc.diagnostic(("takedowns",), f"takedowns file '{release.takedowns}' not found",
                                                   _nearby_files(include)))
        else:
            doc = read(include)
            listed = validate_located(Takedowns, doc, (), diagnostics) if doc else None
            takedowns = list(listed.takedowns) if listed else []
    else:
        takedowns = list(release.takedowns)

    diagnostics.extend(_cross_checks(release, families, invalid, root_doc, known_gates))
    for gate_id, gate in gates.items():
        context = DefinitionContext(release, root_doc, gate_sites.get(gate_id, Site(root_doc, ("gates",))), base_dir,
                                    read, gates)
        diagnostics.extend(known_gates[gate_id].definition_checks(gate, context))
    if diagnostics:
        raise DefinitionError(diagnostics)
    return Definition(release, path, families, gates, dict(sorted(files.items())), takedowns, rules)


def load_gate_file(model: type[GateT], path: Path) -> GateT:
    """One gate definition file on its own (e.g. for `detect_pii`); raises DefinitionError with locations."""
    diagnostics: list[Diagnostic] = []
    doc = parse_located_bytes(_read_bytes(path, path.as_posix()), path.as_posix())
    gate: GateT = validate_located(model, doc, (), diagnostics)
    if diagnostics:
        raise DefinitionError(diagnostics)
    return gate


def _cross_checks(release: Release, families: dict[str, LoadedFamily], invalid: set[str],
                  doc: LocatedDocument, known_gates: Gates) -> list[Diagnostic]:
    """Rules that span files: curriculum names real families and routes every family."""
    found: list[Diagnostic] = []
    routed: set[str] = set()
    seen_stages: set[str] = set()
    for index, stage in enumerate(release.curriculum):
        if stage.stage in seen_stages:
            found.append(doc.diagnostic(("curriculum", index, "stage"),
                                        f"curriculum stage '{stage.stage}' appears twice"))
        seen_stages.add(stage.stage)
        for name in stage.families:
            if name not in families and name not in invalid:
                found.append(doc.diagnostic(("curriculum", index, "families", name),
                                            f"curriculum stage '{stage.stage}' routes unknown family '{name}'",
                                            did_you_mean(name, set(families) | invalid - {""}), key=True))
            routed.add(name)
    known = set(families) | invalid - {""}
    named: list[tuple[Path_, str | None]] = [(("acknowledge", index, "family"), entry.family)
                                             for index, entry in enumerate(release.acknowledge)]
    named += [(("resplit", "families", index), name) for index, name in
              enumerate(release.resplit.families or [] if release.resplit else [])]
    for where, named_family in named:
        if named_family is not None and named_family not in known:
            found.append(doc.diagnostic(where, f"unknown family '{named_family}'", did_you_mean(named_family, known)))
    acknowledgeable = [gate_id for gate_id, gate_def in known_gates.items() if gate_def.acknowledgeable]
    for index, entry in enumerate(release.acknowledge):
        gate = known_gates.get(entry.gate)
        if gate is None:
            found.append(doc.diagnostic(("acknowledge", index, "gate"), f"unknown gate '{entry.gate}'",
                                        did_you_mean(entry.gate, known_gates)))
        elif not gate.acknowledgeable:
            found.append(doc.diagnostic(("acknowledge", index, "gate"),
                                        f"gate '{entry.gate}' takes no acknowledgements",
                                        f"only {' and '.join(acknowledgeable)} findings can be acknowledged; change "
                                        f"gates/{entry.gate}.yaml (its thresholds) instead"))
        elif (problem := gate.acknowledgement_problem(entry)) is not None:
            inside, message, hint = problem
            found.append(doc.diagnostic(("acknowledge", index, *inside), message, hint))
    for name in families:
        if name not in routed:
            found.append(doc.diagnostic(("curriculum",), f"family '{name}' is not routed by any curriculum stage",
                                        "list it under the 'families' of at least one stage"))
    return found


def validate_located(model: type[BaseModel], doc: LocatedDocument, prefix: Path_, out: list[Diagnostic]) -> Any:
    data = doc.data
    for part in prefix:
        data = data[part]
    if data is None:
        data = {}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            out.append(_to_diagnostic(model, error, doc, prefix))
        return None


def _to_diagnostic(model: type[BaseModel], error: Any, doc: LocatedDocument, prefix: Path_) -> Diagnostic:
    loc: Path_ = tuple(error["loc"])
    path = prefix + loc
    kind = error["type"]
    where = ".".join(str(part) for part in loc) or "document"
    if kind == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        return doc.diagnostic(path, f"unknown key '{loc[-1]}' in {_parent_name(loc)}",
                              did_you_mean(str(loc[-1]), allowed), key=True)
    if kind == "missing":
        return doc.diagnostic(path, f"missing required key '{loc[-1]}' in {_parent_name(loc)}")
    message = error["msg"].removeprefix("Value error, ")
    if kind not in ("value_error", "assertion_error"):
        message = f"{where}: {message[0].lower()}{message[1:]} (got {_short(error.get('input'))})"
    return doc.diagnostic(path, message)


def _parent_name(loc: Path_) -> str:
    parent = [str(part) for part in loc[:-1]]
    return f"'{'.'.join(parent)}'" if parent else "the document"


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except ValueError:  # an integer past Python's conversion limit (YAML's 0x... gets past the parser)
        return f"an integer of {value.bit_length()} bits" if isinstance(value, int) else "a value too large to show"
    return text if len(text) <= 60 else text[:57] + "..."


def _fields_at(model: type[BaseModel], loc: Path_) -> list[str]:
    """Field names of the model reached by following `loc` through annotations."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or not (isinstance(current, type) and issubclass(current, BaseModel)):
            continue
        info = current.model_fields.get(str(part))
        if info is None:
            return []
        current = _model_in(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _nearby_files(missing: Path) -> str:
    if not missing.parent.is_dir():
        return f"directory {missing.parent.name}/ does not exist"
    names = sorted(p.name for p in missing.parent.iterdir() if p.suffix in (".yaml", ".yml"))
    return did_you_mean(missing.name, names)


OUTSIDE = "outside the project directory: not read"
OUTSIDE_HINT = "includes are read from release.yaml's directory and below (sources may be anywhere)"


def _is_file(path: Path) -> bool:
    """Whether an include names a file; not when the file system refuses the name (too long, say), which
    `Path.is_file` raises as an error where it should say no."""
    try:
        return path.is_file()
    except OSError:
        return False


def _inside(file: Path, base_dir: Path) -> bool:
    try:
        file.resolve().relative_to(base_dir.resolve())
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop
        return False
    return True


def _read_bytes(file: Path, display: str) -> bytes:
    """A definition file's bytes, refusing one too large to be a definition before reading it."""
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DefinitionError([Diagnostic(display, 1, 1, f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte "
                                              "limit for a definition file")])
        return file.read_bytes()
    except FileNotFoundError:
        raise DefinitionError([Diagnostic(display, 1, 1, "file not found")]) from None
    except OSError as exc:
        raise DefinitionError([Diagnostic(display, 1, 1, f"cannot read the file ({exc.strerror or exc})")]) from None


def _display(file: Path, base_dir: Path) -> str:
    try:
        return file.resolve().relative_to(base_dir.resolve()).as_posix()
    except ValueError:
        return file.as_posix()

