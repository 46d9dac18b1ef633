"""Privacy gate: every message of every record scanned for PII (Presidio), redacted, dropped or blocked per family.

The scanning and redaction run per family (`<family>/privacy`, steps/privacy.py); this module holds the gate's
configuration, wires those steps into the graph and judges their results (`release/privacy`). It fails when a
`block` family holds PII or when PII above its threshold survives redaction, and says which records, entity types
and character spans (never the text). Mode `patterns_only` passes with a warning: NER did not run.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from releasebuild.config.gate import DefinitionContext, GateConfig
from releasebuild.config.located import Path_
from releasebuild.config.models import Name, Strict
from releasebuild.errors import Diagnostic, Refused
from releasebuild.gates.base import FamilyChain, GateBuild, GateParams, GateResult, GateStatus, gate_meta, listed
from releasebuild.privacy.detector import (
    DEFAULT_MODEL,
    ENTITIES,
    NER_ENTITIES,
    POLICY_ENTITIES,
    AllowRule,
    Mode,
    missing_model_message,
    model_version,
)
from releasebuild.privacy.detector import versions as detector_versions
from releasebuild.privacy.pseudonyms import Redaction
from releasebuild.steps import ids
from releasebuild.steps.base import Step, StepContext, StepSpec
from releasebuild.steps.privacy import PrivacyResult

Policy = Literal["redact", "drop", "block"]
Entity = Literal[ENTITIES]  # type: ignore[valid-type]
Score = Annotated[float, Field(ge=0, le=1)]

# Score at or above which an entity counts (and is redacted). Tuned on labelled chat-style text (bench/pii_eval.py).
DEFAULT_THRESHOLDS: dict[str, float] = {
    "PERSON": 0.5, "LOCATION": 0.5, "DATE_TIME": 0.5, "PHONE_NUMBER": 0.4, "EMAIL_ADDRESS": 0.5, "US_SSN": 0.5,
    "CREDIT_CARD": 0.5, "IBAN_CODE": 0.5, "IP_ADDRESS": 0.5, "URL": 0.5, "US_DRIVER_LICENSE": 0.5, "ID_NUMBER": 0.5,
    "USERNAME": 0.5,
}
POLICY_THRESHOLD = 0.5  # the score at which a year, an age or a weekday counts when the date policy redacts it

# Public crisis and support lines are content, not PII: a conversation that points someone to them must keep them.
HELPLINES: tuple[tuple[str, str], ...] = (
    (r"\b988\b", "US 988 Suicide & Crisis Lifeline"),
    (r"(?:1[-. ]?)?800[-. ]?273[-. ]?(?:8255|TALK)", "US National Suicide Prevention Lifeline (former number)"),
    (r"\b741[-. ]?741\b", "Crisis Text Line (US)"),
    # a line's name belongs to the allowed span: "text Shout 85258" reads as a town and its postcode otherwise
    (r"\b(?:Shout\s+(?:on\s+|at\s+)?)?85258\b", "Shout crisis text line (UK)"),
    (r"\b(?:Samaritans\s+(?:on\s+|at\s+)?)?116[ -]?123\b", "Samaritans (UK and Ireland)"),
    (r"\b0800[ -]?1111\b", "Childline (UK)"),
    (r"\b13[ -]?11[ -]?14\b", "Lifeline (Australia)"),
    (r"1[-. ]?800[-. ]?799[-. ]?(?:7233|SAFE)", "US National Domestic Violence Hotline"),
    (r"1[-. ]?800[-. ]?662[-. ]?(?:4357|HELP)", "SAMHSA National Helpline (US)"),
    (r"1[-. ]?866[-. ]?488[-. ]?7386", "The Trevor Project (US)"),
    (r"1[-. ]?833[-. ]?456[-. ]?4566", "Talk Suicide Canada"),
    (r"\b9-8-8\b", "988 written out (US, Canada)"),
    (r"1[-. ]?800[-. ]?668[-. ]?6868|\b(?i:text\s+)?686[ -]?868\b", "Kids Help Phone (Canada)"),
    (r"(?i:\btelefon-?seelsorge\b)(?:[^\d\n]{0,12}0800[ -]?111[ -]?0[ -]?(?:111|222)\b)?|"
     r"\b0800[ -]?111[ -]?0[ -]?(?:111|222)\b", "TelefonSeelsorge (Germany)"),
    (r"\b(?:Tele[ -]?MANAS\s+(?:on\s+|at\s+)?)?14416\b|1[-. ]?800[-. ]?891[-. ]?4416", "Tele MANAS (India)"),
    (r"\b1300[ -]?22[ -]?4636\b", "Beyond Blue (Australia)"),
    (r"\b1800[ -]?55[ -]?1800\b", "Kids Helpline (Australia)"),
    (r"\b0800[ -]?068[ -]?41[ -]?41\b", "Papyrus HOPELINE247 (UK)"),
    (r"\b0800[ -]?58[ -]?58[ -]?58\b", "CALM (UK)"),
    (r"\b1800[ -]?247[ -]?247\b", "Pieta (Ireland)"),
    (r"\b(?i:text\s+)?50808\b", "Text 50808 (Ireland)"),
    (r"\b0800[ -]?543[ -]?354\b", "Lifeline Aotearoa (New Zealand)"),
    (r"\b0800[ -]?0113\b", "113 Zelfmoordpreventie (Netherlands)"),
    (r"\b09[ .]?72[ .]?39[ .]?40[ .]?50\b", "SOS Amitie (France)"),
    # a US toll-free number is an organisation's line (a hotline, a clinic's front desk), never a person's own;
    # written in the US layout (ten digits run together may be a mobile elsewhere: "8881234567" in India)
    (r"(?<![\d-])\(?(?:\+?1[-. ]?)?\(?8(?:00|33|44|55|66|77|88)\)?[-. ]\d{3}[-. ]\d{4}(?!\d)",
     "US toll-free number (an organisation's line)"),
    # a number a hotline's name goes before: "the Texas Crisis Hotline 800-989-6884", "the local crisis center is"
    (r"(?i:\b(?:hotline|helpline|crisis (?:line|cent(?:er|re)|service)|lifeline|l[ií]nea de (?:crisis|ayuda))\b)"
     r"[^\n\d]{0,30}"
     r"\(?\+?[\d][\d ().-]{6,}\d", "a number a hotline's name introduces"),
    (r"(?:https?://)?(?:www\.)?(?:988lifeline\.org|samaritans\.org|crisistextline\.org|nami\.org|"
     r"thetrevorproject\.org|mind\.org\.uk|findahelpline\.com|suicidepreventionlifeline\.org)\S*",
     "public mental-health support website"),
)


class AllowEntry(Strict):
    """Text that is meant to be there. `text` matches case-insensitively; `pattern` is a regular expression."""

    reason: str = Field(min_length=1, description="why this is not PII: recorded in the report")
    text: str | None = Field(None, min_length=1)
    pattern: str | None = Field(None, min_length=1)
    entity: Entity | None = Field(None, description="only findings of this type (default: any)")

    @model_validator(mode="after")
    def _one_matcher(self) -> AllowEntry:
        if (self.text is None) == (self.pattern is None):
            raise ValueError("an allow entry needs exactly one of 'text' or 'pattern'")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern does not compile: {exc}") from None
        return self

    def rule(self) -> AllowRule:
        return AllowRule(self.reason, self.text, self.pattern, self.entity)


class FamilyPrivacy(Strict):
    policy: Policy | None = None
    allow: list[AllowEntry] = Field(default_factory=list)


class Sample(Strict):
    """The spot-check sample: each record is in it when a salted hash of its id falls below `rate`."""

    rate: Annotated[float, Field(gt=0, le=1)] = 0.1
    seed: int = 20261123


class DatesPolicy(Strict):
    """What happens to the date-like values that are not dates (docs/gates.md, "Dates"). The defaults are the
    stricter choice for years and ages: HIPAA Safe Harbor keeps a bare year and ages up to 89; a weekday names no
    one and is kept unless asked."""

    years: Literal["redact", "keep"] = Field("redact", description="a bare year about someone: 'since 2019'")
    ages: Literal["redact", "over_89", "keep"] = Field("over_89", description="over_89: only ages of 90 and above")
    weekdays: Literal["keep", "redact"] = "keep"

    def thresholds(self) -> dict[str, float]:
        counted = {"YEAR": self.years == "redact", "AGE": self.ages == "redact",
                   "AGE_OVER_89": self.ages != "keep", "WEEKDAY": self.weekdays == "redact"}
        return {entity: POLICY_THRESHOLD for entity, counts in counted.items() if counts}


class PrivacyGateConfig(GateConfig):
    mode: Mode = Field("ner", description="ner: spaCy NER + patterns; patterns_only: no NER, chosen on purpose")
    model: str = Field(DEFAULT_MODEL, description="spaCy model package name (installed from PyPI)")
    entities: dict[Entity, Score] = Field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    policy: Policy = "redact"
    dates: DatesPolicy = DatesPolicy()
    helplines: bool = Field(True, description="allow public crisis/support lines (see HELPLINES)")
    allow: list[AllowEntry] = Field(default_factory=list)
    families: dict[Name, FamilyPrivacy] = Field(default_factory=dict)
    sample: Sample = Sample()
    redact: Redaction = Field("placeholder", description="placeholder: <PERSON_1>, numbered per conversation; "
                              "surrogate: a realistic fake value of the same type (Faker)")
    salt: str | None = Field(None, min_length=8, description="key of surrogates and of hashed ids; default: the "
                             "release's split salt, which the manifest publishes")

    def secrets(self) -> list[str]:
        return [self.salt] if self.salt else []

    @field_validator("entities")
    @classmethod
    def _some_entities(cls, value: dict[str, float]) -> dict[str, float]:
        if not value:
            raise ValueError("list at least one entity type to detect")
        return dict(sorted(value.items()))

    def checks(self, families: set[str]) -> list[tuple[Path_, str, str]]:
        found: list[tuple[Path_, str, str]] = []
        if self.mode == "ner" and model_version(self.model) is None:
            found.append((("mode",), missing_model_message(self.model),
                          "see the README's Privacy section for the model this project pins"))
        for name in self.families:
            if name not in families:
                close = difflib.get_close_matches(name, sorted(families), n=1)
                found.append((("families", name), f"privacy settings for unknown family '{name}'",
                              f"did you mean '{close[0]}'?" if close else f"families: {', '.join(sorted(families))}"))
        return found

    def thresholds(self) -> dict[str, float]:
        """Entity type -> the score at which a finding counts: `entities`, plus what the date policy redacts."""
        return dict(sorted({**self.entities, **self.dates.thresholds()}.items()))

    def policy_for(self, family: str) -> Policy:
        override = self.families.get(family)
        return override.policy if override and override.policy else self.policy

    def allow_entries(self, family: str | None) -> list[dict[str, Any]]:
        """Release-wide entries, then the family's; helplines first when enabled."""
        entries = [{"reason": reason, "pattern": pattern} for pattern, reason in HELPLINES] if self.helplines else []
        entries += [entry.model_dump(exclude_none=True) for entry in self.allow]
        if family is not None and family in self.families:
            entries += [entry.model_dump(exclude_none=True) for entry in self.families[family].allow]
        return entries

    def allow_rules(self, family: str | None) -> list[AllowRule]:
        return [AllowRule(**entry) for entry in self.allow_entries(family)]


def load_gate_config(path: str | Path) -> PrivacyGateConfig:
    from releasebuild.config.load import load_gate_file

    return load_gate_file(PrivacyGateConfig, Path(path))


def chain_params(config: PrivacyGateConfig, chain: FamilyChain) -> dict[str, dict[str, Any]]:
    """What the family's scan (`<family>/privacy`, in the family's own chain) is given of these settings: the
    detector's identity and versions, the family's policy and allow-list, and how to redact (what the scan table
    and the redaction depend on, and nothing else)."""
    # Every type is looked for whatever the thresholds list: findings are judged afterwards, so editing the list
    # re-judges from the scan table instead of rescanning.
    entities = [entity for entity in ENTITIES if config.mode == "ner" or entity not in NER_ENTITIES]
    entities += POLICY_ENTITIES
    return {ids.PRIVACY: {
        "policy": config.policy_for(chain.family),
        "thresholds": config.thresholds(),
        "allow": config.allow_entries(chain.family),
        "sample": config.sample.model_dump(mode="json"),
        "detection": {"mode": config.mode, "model": config.model, "entities": entities,
                      "versions": detector_versions(config.mode, config.model)},
        "redaction": {"mode": config.redact, "salt": config.salt or chain.split_salt,
                      **({"faker": importlib.metadata.version("faker")} if config.redact == "surrogate" else {})},
    }}


def build_steps(config: PrivacyGateConfig, build: GateBuild) -> list[StepSpec]:
    """The gate's judgement; the per-family scans are in each family's chain (graph.family_steps), given these
    settings by `chain_params`.

    A protected root (declared, or recorded in the root's marker whatever release.yaml says) fails closed: the gate
    blocks, and a scan without NER or without the gate's own salt is refused."""
    if build.protected_root and config.mode == "patterns_only":
        raise Refused("the root is protected: the privacy gate's mode 'patterns_only' (no names, places or dates) "
                      "is refused there; set `mode: ner` in gates/privacy.yaml")
    if build.protected_root and config.salt is None:
        raise Refused("the root is protected: the privacy gate needs its own `salt` (the default, the split salt, "
                      "is published in the manifest); set `salt:` in gates/privacy.yaml")
    scans = tuple(ids.family_step(name, ids.PRIVACY) for name in build.families)
    # The report shows these settings; the salt keys surrogates and hashed ids and stays out.
    params = {"blocking": config.blocking or build.protected_root, "mode": config.mode,
              "thresholds": config.model_dump(mode="json", exclude={"salt"})}
    return [StepSpec(ids.PRIVACY_GATE, PrivacyGate.kind, params, scans,
                     reads={dep: ("meta", "findings.jsonl") for dep in scans})]


class PrivacyGateParams(GateParams):
    mode: str  # the detection mode the families were scanned in (the report says it)


class PrivacyGate(Step):
    kind = "gate_privacy"
    code_version = "3"
    predictable = True  # reads metas and reports, not records (Step.predictable)
    Params = PrivacyGateParams
    Result = GateResult

    @staticmethod
    def run(ctx: StepContext) -> GateResult:
        families = []
        failed = []
        scans = [(dep, ctx.inputs[dep].typed(PrivacyResult)) for dep in ctx.spec.deps]
        for dep, scan in scans:
            name = scan.family
            offending = scan.offending_records
            entry: dict[str, Any] = scan.model_dump(mode="json", include={
                "family", "policy", "records", "status_counts", "entities", "allowed", "messages", "residual_findings",
                "blocked_findings"})
            entry["status"] = "fail" if offending else "pass"
            if offending:
                failed.append(name)
                entry["why"] = _why(scan)
                entry["offending_records"] = offending
                entry["records_listed"] = listed(ctx.input_path(dep, "findings.jsonl"))
                entry["report"] = f"gates/privacy/{name}.jsonl"
            families.append(entry)
        mode = ctx.typed(PrivacyGateParams).mode
        status: GateStatus = "fail" if failed else ("warn" if mode == "patterns_only" else "pass")
        report = {"gate": "privacy", "status": status, "mode": mode,
                  "mode_note": _mode_note(mode), "detector": scans[0][1].detector if scans else {},
                  "failed_families": failed, "families": families}
        ctx.write_json("report.json", report, publish="gates/privacy.json", kind="gate_report")
        with ctx.create("report.md", publish="gates/privacy.md", kind="gate_report") as out:
            out.write(_markdown(report).encode("utf-8"))
        return gate_meta("privacy", status, ctx.typed(PrivacyGateParams), "gates/privacy.json", families)


def _why(scan: PrivacyResult) -> str:
    parts = []
    if scan.blocked_findings:
        parts.append(f"{scan.blocked_findings} PII finding(s) in a family whose policy is block")
    if scan.residual_findings:
        parts.append(f"{scan.residual_findings} PII finding(s) above threshold remain after redaction")
    return "; ".join(parts)


def _mode_note(mode: str) -> str:
    if mode == "ner":
        return "spaCy NER and pattern recognizers"
    return "patterns only (chosen in gates/privacy.yaml): names, places and dates were NOT looked for"


def _markdown(report: dict[str, Any]) -> str:
    lines = [f"# Privacy gate: {report['status']}", "", f"Mode: {report['mode_note']}.", ""]
    detector = report["detector"]
    if detector:
        lines += ["Detector: " + ", ".join(f"{key} {value}" for key, value in sorted(detector.items())), ""]
    lines += ["| family | policy | records | clean | redacted | dropped | entities | status |",
              "|---|---|---|---|---|---|---|---|"]
    for family in report["families"]:
        counts = family["status_counts"]
        entities = ", ".join(f"{name} {n}" for name, n in sorted(family["entities"].items())) or "-"
        lines.append(f"| {family['family']} | {family['policy']} | {family['records']} | {counts.get('clean', 0)} | "
                     f"{counts.get('redacted', 0)} | {counts.get('dropped', 0)} | {entities} | {family['status']} |")
    for family in report["families"]:
        if family["status"] == "fail":
            lines += ["", f"## {family['family']}: {family['why']}", ""]
            for row in family["records_listed"][:20]:
                lines.append(f"- `{row['id']}` ({row['source']}): {row['entity']} in {row['field']} "
                             f"at {row['start']}-{row['end']} ({row['why']})")
    return "\n".join(lines) + "\n"


def definition_checks(gate: PrivacyGateConfig, context: DefinitionContext) -> list[Diagnostic]:
    """A protected root ships nothing the privacy gate did not scan with NER and could not block: the fail-open
    settings are refused there (gates.privacy.build_steps refuses them too when the protection comes from the root's
    marker rather than from release.yaml)."""
    if not context.release.root.protected:
        return []
    site = context.site
    found: list[Diagnostic] = []
    if not gate.blocking:
        found.append(site.doc.diagnostic(site.path + ("blocking",), "the privacy gate must block on a protected root",
                                         "remove 'blocking: false' from the privacy gate"))
    if gate.mode == "patterns_only":
        found.append(site.doc.diagnostic(site.path + ("mode",), "a protected root needs privacy mode 'ner': "
                                         "'patterns_only' looks for no names, places or dates",
                                         "set `mode: ner` (the spaCy model is pinned in pyproject.toml)"))
    if gate.salt is None:
        found.append(site.doc.diagnostic(site.path, "a protected root needs the privacy gate's own `salt`: the "
                                         "default, the split salt, is published in the manifest, and with it a "
                                         "guessed address can be checked against its hashed id or surrogate",
                                         "set `salt:` (8 characters or more) in the privacy gate's file and keep "
                                         "it out of anything published"))
    return found
