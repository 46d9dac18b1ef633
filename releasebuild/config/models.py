"""The release definition as pydantic v2 models (`extra="forbid"`: an unknown key is an error)."""

from __future__ import annotations

import codecs
import datetime as dt
import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

STAGES: dict[int, str] = {1: "foundation", 2: "expertise", 3: "edge", 4: "voice"}
STAGE_NUMBERS: dict[str, int] = {name: number for number, name in STAGES.items()}
SPLITS: tuple[str, ...] = ("train", "val", "test")
CHATML_ROLES: tuple[str, ...] = ("system", "user", "assistant")
VERSION_PATTERN = re.compile(r"v(\d{4})-(\d{2})-(\d{2})", re.ASCII)  # use fullmatch: it names a directory
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"

Role = Literal["system", "user", "assistant"]
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
PositiveNumber = Annotated[float, Field(gt=0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_version(value: str) -> str:
    match = VERSION_PATTERN.fullmatch(value)
    if not match:
        raise ValueError(f"version must look like vYYYY-MM-DD (got {value!r})")
    try:
        dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(f"version {value!r} is not a real date") from None
    return value


class FieldRule(Strict):
    """A value taken from a source field; `field` may be any name, even "" (an unnamed CSV column)."""

    field: str


class TemplateRule(Strict):
    """A value rendered from `{field}` / `{nested.field}` placeholders."""

    template: str


ValueRule = str | FieldRule | TemplateRule


def _parse_value_rule(value: Any) -> ValueRule:
    """A plain string is a field name, or a template when it holds '{'; mappings name the form."""
    if isinstance(value, (str, FieldRule, TemplateRule)):
        return value
    if isinstance(value, dict) and set(value) == {"field"} and isinstance(value["field"], str):
        return FieldRule(field=value["field"])
    if isinstance(value, dict) and set(value) == {"template"} and isinstance(value["template"], str):
        return TemplateRule(template=value["template"])
    raise ValueError("expected a field name, a '{field}' template, {field: NAME} or {template: TEXT}")


def _dump_value_rule(value: ValueRule) -> str | dict[str, str]:
    return value if isinstance(value, str) else value.model_dump()


ValueRuleField = Annotated[ValueRule, PlainValidator(_parse_value_rule), PlainSerializer(_dump_value_rule)]


class MessagesFrom(Strict):
    """Messages taken from a list of turn objects in the source record."""

    field: str = Field(description="dotted path to the list of turns")
    role: str = "role"
    content: str = "content"
    roles: dict[str, Role] = Field(default_factory=dict, description="source role value -> ChatML role")


class Turn(Strict):
    """One fixed turn built from a row (e.g. question -> user, answer -> assistant)."""

    role: Role
    content: str = Field(description="a field name, or a template with {field} placeholders")


class Mapping(Strict):
    messages: MessagesFrom | None = None
    turns: list[Turn] | None = None
    consecutive: Literal["merge", "keep"] = "merge"
    merge_separator: str = "\n"
    strip: bool = True
    require_roles: list[Role] = Field(default_factory=lambda: list[Role](["user", "assistant"]))

    @model_validator(mode="after")
    def _one_shape(self) -> Mapping:
        if (self.messages is None) == (self.turns is None):
            raise ValueError("mapping needs exactly one of 'messages' (a list of turns) or 'turns' (fixed fields)")
        if self.turns is not None and not self.turns:
            raise ValueError("mapping.turns must list at least one turn")
        return self


class FormatOptions(Strict):
    """How a source file is read, and the declared limits past which a row is quarantined, not read
    (docs/reliability.md: Bad input is data)."""

    encoding: str = "utf-8"
    delimiter: str = Field(",", min_length=1, max_length=1)
    records_path: str | None = Field(None, description="json: dotted path to the list of records")
    max_row_bytes: int = Field(64 << 20, ge=1, description="a longer jsonl line or one-line csv row is quarantined "
                                                           "unread; a csv row this long over several lines (an "
                                                           "unclosed quote) fails the file")
    max_field_bytes: int = Field(16 << 20, ge=1, description="csv: a row with a longer field is quarantined")
    max_depth: int = Field(64, ge=1, le=500, description="jsonl/json: a row nested deeper is quarantined")

    @model_serializer(mode="wrap")
    def _limits_when_set(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A limit at its default is left out of the dump: the ingest key and the mapping digest in provenance of a
        family that sets none are what they were before the limits were declared."""
        data: dict[str, Any] = handler(self)
        for name in ("max_row_bytes", "max_field_bytes", "max_depth"):
            if name in data and data[name] == type(self).model_fields[name].default:
                del data[name]
        return data

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            info = codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}") from None
        if not getattr(info, "_is_text_encoding", True):
            raise ValueError(f"{value!r} is not a text encoding")
        return value


class SplitRatios(Strict):
    ratios: dict[Literal["train", "val", "test"], Annotated[float, Field(ge=0)]]
    salt: str | None = None

    @field_validator("ratios")
    @classmethod
    def _sum_to_one(cls, ratios: dict[str, float]) -> dict[str, float]:
        total = sum(ratios.values())
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            raise ValueError(f"split ratios must sum to 1.0 (got {round(total, 9):g})")
        return {split: ratios[split] for split in SPLITS if split in ratios}


class RecordRules(Strict):
    """The part of a family that decides how a source row becomes a record (all that ingest's key covers)."""

    name: Name
    format: Literal["jsonl", "json", "csv", "parquet"]
    options: FormatOptions = FormatOptions()
    mapping: Mapping
    system_prompt: str | None = None
    id: ValueRuleField | None = Field(None, description="default: digest of the normalized content")
    group_by: ValueRuleField | None = Field(None, description="default: the record id")
    metadata: dict[str, str] = Field(default_factory=dict, description="output name -> source path")

    @field_validator("metadata", mode="before")
    @classmethod
    def _metadata_list(cls, value: Any) -> Any:
        if isinstance(value, list) and all(isinstance(name, str) for name in value):
            return {name: name for name in value}
        return value


RULE_SOURCE = "rule:"  # a source or rule input naming a rule's outputs: rule:<name> or rule:<name>/<glob>
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")  # {python}, {params.NAME}; {{ and }} are literal braces
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
RULE_ENV_RESERVED = ("HOME", "TMPDIR", "PWD", "LANG", "LC_ALL", "PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE")
ParamValue = str | int | float | bool


def split_rule_ref(ref: str) -> tuple[str, str] | None:
    """`rule:<name>[/<glob>]` as (name, glob; "" for every output), or None for any other source."""
    if not ref.startswith(RULE_SOURCE):
        return None
    name, _, pattern = ref.removeprefix(RULE_SOURCE).partition("/")
    return name, pattern


class Rule(Strict):
    """A command the user declares (make's rule): declared inputs in, declared output files out."""

    name: Name
    # Declared before cmd, which is checked against them.
    shell: bool = False
    params: dict[Name, ParamValue] = Field(default_factory=dict, description="{params.NAME} in cmd; $PARAM_NAME")
    cmd: list[str] | str = Field(description="an argv list; one shell string only with shell: true")
    inputs: list[str] = Field(default_factory=list, description="files, globs, fsspec URIs, rule:<name>[/<glob>]")
    env: list[Annotated[str, Field(pattern=ENV_NAME)]] = Field(
        default_factory=list, description="environment variables passed through (their values are in the key)")
    outputs: list[str] = Field(min_length=1, description="files the command writes, relative to its directory")
    version: str | None = Field(None, description="bump to rerun the rule when nothing else says so")

    @field_validator("cmd")
    @classmethod
    def _command(cls, cmd: list[str] | str, info: ValidationInfo) -> list[str] | str:
        shell, params = info.data.get("shell", False), info.data.get("params", {})
        if shell and not isinstance(cmd, str):
            raise ValueError("with shell: true, cmd is one shell string")
        if not shell and isinstance(cmd, str):
            raise ValueError("cmd must be an argv list, e.g. ['{python}', 'generate.py'] (a shell string needs "
                             "shell: true)")
        if not cmd:
            raise ValueError("cmd is empty")
        for part in [cmd] if isinstance(cmd, str) else cmd:
            for match in PLACEHOLDER.finditer(part):
                name = match[1]
                if name is None or name == "python":
                    continue
                if not name.startswith("params.") or name.removeprefix("params.") not in params:
                    known = ", ".join(["{python}", *(f"{{params.{key}}}" for key in params)])
                    raise ValueError(f"cmd placeholder {{{name}}} is not one of {known} (write {{{{ and }}}} for "
                                     "literal braces)")
        return cmd

    @field_validator("outputs")
    @classmethod
    def _outputs(cls, outputs: list[str]) -> list[str]:
        for output in outputs:
            problem = _relative_path_problem(output)
            if problem:
                raise ValueError(f"output {output!r} {problem}")
        if len(set(outputs)) != len(outputs):
            raise ValueError("an output is listed twice")
        return outputs

    @field_validator("inputs")
    @classmethod
    def _inputs(cls, inputs: list[str]) -> list[str]:
        for ref in inputs:
            parts = split_rule_ref(ref)
            if not ref.strip():
                raise ValueError("an input is empty")
            if parts is not None and not re.match(NAME_PATTERN, parts[0]):
                raise ValueError(f"input {ref!r}: expected rule:<name> or rule:<name>/<glob>")
        return inputs

    @field_validator("env")
    @classmethod
    def _env(cls, names: list[str]) -> list[str]:
        for name in names:
            if name in RULE_ENV_RESERVED or name.startswith("PARAM_"):
                raise ValueError(f"env: {name} is set by releasebuild for every rule and cannot pass through")
        return names

    @property
    def uses_python(self) -> bool:
        parts = [self.cmd] if isinstance(self.cmd, str) else self.cmd
        return any(match[1] == "python" for part in parts for match in PLACEHOLDER.finditer(part))


def _relative_path_problem(path: str) -> str | None:
    """Why `path` cannot name a file inside a rule's directory, or None."""
    if not path or path.startswith("/") or "\\" in path:
        return "must be a relative path with '/' separators"
    if any(part in ("", ".", "..") for part in path.split("/")):
        return "must be a plain relative path (no '.', '..' or empty segments)"
    if any(char in path for char in "*?["):
        return "must name one file (no glob characters)"
    return None


class Family(RecordRules):
    stage: int
    description: str = ""
    sources: list[str] = Field(min_length=1)
    holdout_sensitive: bool | None = None
    holdout_reason: str | None = None
    splits: SplitRatios | None = None
    rules: list[Rule] = Field(default_factory=list, description="rules declared next to the family that uses them")

    @field_validator("stage", mode="before")
    @classmethod
    def _stage(cls, value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value in STAGES:
            return value
        if isinstance(value, str) and value in STAGE_NUMBERS:
            return STAGE_NUMBERS[value]
        raise ValueError(f"stage must be one of {', '.join(STAGE_NUMBERS)} or 1-4 (got {value!r})")

    @model_validator(mode="after")
    def _holdout(self) -> Family:
        default = self.stage in (3, 4)
        if self.holdout_sensitive is False and default and not self.holdout_reason:
            raise ValueError(
                f"holdout_sensitive: false on a {STAGES[self.stage]} family needs a holdout_reason"
            )
        return self

    def record_rules(self) -> dict[str, Any]:
        return self.model_dump(mode="json", include=set(RecordRules.model_fields))

    @property
    def stage_name(self) -> str:
        return STAGES[self.stage]

    @property
    def is_holdout_sensitive(self) -> bool:
        return self.holdout_sensitive if self.holdout_sensitive is not None else self.stage in (3, 4)


class Splits(SplitRatios):
    salt: str = Field(min_length=1)


class Shards(Strict):
    max_records: int = Field(10_000, gt=0)
    max_bytes: int = Field(256 * 1024 * 1024, gt=1024)


class CurriculumStage(Strict):
    stage: Name
    families: dict[str, PositiveNumber] = Field(min_length=1)


class Signoffs(Strict):
    """Which reviews must approve this release (gates/signoff.yaml defines them); default: every defined review.
    `required: []` ships without human review, which a protected root does not allow."""

    required: list[Name] | None = None


class RequiredFamily(Strict):
    min_records: int = Field(1, ge=1)


class Coverage(Strict):
    """Families this release may not ship without (declared or not: an undeclared one is reported missing)."""

    required: dict[Name, RequiredFamily] = Field(default_factory=dict)

    @field_validator("required", mode="before")
    @classmethod
    def _bare_names(cls, value: Any) -> Any:
        if isinstance(value, list):  # `required: [a, b]`: each needs at least one record
            return {name: {} for name in value}
        if isinstance(value, dict):  # `name:` with nothing after it
            return {name: {} if spec is None else spec for name, spec in value.items()}
        return value


class Takedown(Strict):
    """A record withdrawn from this and every later release: by id (in one family or any) or by content digest."""

    id: str | None = Field(None, min_length=1)
    digest: str | None = Field(None, pattern=r"^xxh3_128:[0-9a-f]{32}$", description="the record_digest")
    family: Name | None = None
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_target(self) -> Takedown:
        if (self.id is None) == (self.digest is None):
            raise ValueError("a takedown names exactly one of 'id' or 'digest'")
        return self


class Takedowns(Strict):
    """takedowns.yaml: the list on its own, so it can be owned and reviewed apart from release.yaml."""

    takedowns: list[Takedown] = Field(default_factory=list)


class Acknowledgement(Strict):
    """A gate finding accepted on purpose (e.g. a distribution shift that is intended), with its reason on record."""

    gate: Name
    family: Name | None = Field(None, description="default: every family")
    metric: str | None = Field(None, min_length=1, description="default: every metric of the gate")
    reason: str = Field(min_length=1)


class Resplit(Strict):
    """Reassign splits from scratch (salt and ratios) instead of keeping published records where they were."""

    reason: str = Field(min_length=1)
    families: list[Name] | None = Field(None, description="default: every family")


class Root(Strict):
    """Where releases are published. A protected root (production buckets) never changes a published version."""

    uri: str = Field("build", min_length=1)
    protected: bool = False


class Release(Strict):
    """release.yaml after includes are read (families and gates may be paths or inline)."""

    version: str
    root: Root = Root()
    cache: str | None = None  # the local cache directory (default .releasebuild/cache)
    # The shared cache: true = <root>/cache/ when the root is remote, false = none, or a URI; with its restricted
    # tier at <root>/restricted/cache/ (or <uri>/restricted/) for what steps before privacy make.
    remote_cache: bool | str = True
    previous: str | None = None
    families: list[Any] = Field(min_length=1)
    splits: Splits
    shards: Shards = Shards()
    curriculum: list[CurriculumStage] = Field(min_length=1)
    gates: dict[str, Any] = Field(default_factory=dict)
    signoffs: Signoffs = Signoffs()
    coverage: Coverage = Coverage()
    takedowns: list[Takedown] | str = Field(default_factory=list, description="inline, or a path to takedowns.yaml")
    acknowledge: list[Acknowledgement] = Field(default_factory=list)
    resplit: Resplit | None = None
    rules: list[Rule] = Field(default_factory=list)

    def resplit_reason(self, family: str) -> str | None:
        """Why `family` is reassigned from scratch this release; None when its splits are sticky."""
        resplit = self.resplit
        return resplit.reason if resplit and (resplit.families is None or family in resplit.families) else None

    @field_validator("root", mode="before")
    @classmethod
    def _root_uri(cls, value: Any) -> Any:
        return {"uri": value} if isinstance(value, str) else value

    @field_validator("version", "previous")
    @classmethod
    def _versions(cls, value: str | None) -> str | None:
        return None if value is None else parse_version(value)

    @field_validator("families", mode="before")
    @classmethod
    def _family_refs(cls, value: Any) -> Any:
        for item in value if isinstance(value, list) else ():
            if not isinstance(item, (str, dict)):
                raise ValueError("each family is a path to families/<name>.yaml or an inline mapping")
        return value

    @field_validator("gates", mode="before")
    @classmethod
    def _gate_refs(cls, value: Any) -> Any:
        for item in value.values() if isinstance(value, dict) else ():
            if not isinstance(item, (str, dict)):
                raise ValueError("each gate is a path to gates/<id>.yaml or an inline mapping")
        return value
