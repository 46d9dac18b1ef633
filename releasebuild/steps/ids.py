"""Step ids, made here and nowhere else. A family's steps are "<family>/<name>" (`family_step`), the release's own
"release/<name>" (a gate's verdict step is "release/<gate>"), a rule's "rules/<name>" (steps/rule.py). Ids are what
release.lock and the plan name steps by, so changing one here changes every key that reads the step."""

from __future__ import annotations

RELEASE = "release"
RELEASE_PREFIX = f"{RELEASE}/"

# A family's steps, by name.
INGEST = "ingest"
PRIVACY = "privacy"
FINGERPRINT = "fingerprint"
SPLIT = "split"
EXPORT = "export"
PROVENANCE = "provenance"
STATS = "stats"
BIAS = "bias"
QA = "qa"


def family_step(family: str, name: str) -> str:
    return f"{family}/{name}"


def release_step(name: str) -> str:
    return RELEASE_PREFIX + name


def family_of(step_id: str) -> str:
    """The family a step id belongs to ("release" for the release's own steps)."""
    return step_id.split("/", 1)[0]


# The release's steps.
CURRICULUM = release_step("curriculum")
DEDUP = release_step("dedup")
GATE_SUMMARY = release_step("gates")
NOTES = release_step("notes")
MANIFEST = release_step("manifest")
DEFINITION = release_step("definition")
LOCK = release_step("lock")
PUBLISH = release_step("publish")
SIGNOFF = release_step("signoff")
PRIVACY_GATE = release_step("privacy")
LEAKAGE = release_step("leakage")
COVERAGE = release_step("coverage")
QUARANTINE = release_step("quarantine")
PROVENANCE_GATE = release_step("provenance")
