"""One exception root, one exit-code table.

    ReleaseBuildError (exit 1)
    ├── DefinitionError      bad release.yaml / includes; carries every Diagnostic
    ├── SourceError          a source cannot be read or parsed as a whole
    ├── StorageError         an object store refused or could not be reached (credentials, endpoint, bucket)
    │   ├── AccessDenied     the store refused these credentials (verify: expected for restricted/ data)
    │   └── CorruptCache     a cache blob did not hold its digest's bytes: set aside, the walk rebuilds it
    ├── StepFailed           a step raised; dependents are reported as skipped
    ├── GateBlocked (exit 3) a blocking gate failed; nothing was published
    └── Refused     (exit 4) a safety rule said no (lock held, immutable version, drifted plan)

The CLI maps classes to exit codes through EXIT_CODES and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from releasebuild.redaction import redact

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES_PENDING = 2
EXIT_GATE_BLOCKED = 3
EXIT_REFUSED = 4


@dataclass(frozen=True)
class Diagnostic:
    """A problem located in a definition file (pydantic-style, but with file:line:col)."""

    file: str
    line: int
    col: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.col}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "col": self.col, "message": self.message, "hint": self.hint}


class ReleaseBuildError(Exception):
    """Root of every error releasebuild raises on purpose. Its text is redacted (releasebuild/redaction.py) wherever
    it goes: the CLI, a report, release.lock's last attempt, an attempt's record on the root."""

    exit_code = EXIT_ERROR

    def __str__(self) -> str:
        return redact(super().__str__())


class DefinitionError(ReleaseBuildError):
    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))


class SourceError(ReleaseBuildError):
    pass


class StorageError(ReleaseBuildError):
    pass


class AccessDenied(StorageError):
    """A refusal, told apart from an unreachable store: `verify` reports restricted data it may not read as a
    warning, not as an error."""


class CorruptCache(StorageError):
    """A cache blob was read back and did not match its digest, and no intact copy was found: it was set aside
    (the message names it), so the step that made it is no longer cached and a new walk rebuilds it."""

    def __init__(self, sha256: str, message: str):
        self.sha256 = sha256
        super().__init__(message)


class CacheLimitInvalid(ReleaseBuildError):
    """RELEASEBUILD_CACHE_LIMIT is not a size: said before anything runs, not after a release is published."""


class ScanFailed(ReleaseBuildError):
    """The PII scan could not vouch for a text (detector error, text too long, other model versions): the privacy
    step fails closed, naming the record by source and line (its id may itself be PII), never the text."""


class StepFailed(ReleaseBuildError):
    def __init__(self, step_id: str, message: str):
        self.step_id = step_id
        super().__init__(f"step {step_id} failed: {message}")


class GateBlocked(ReleaseBuildError):
    exit_code = EXIT_GATE_BLOCKED

    def __init__(self, message: str, failed: list[str], report_dir: str):
        self.failed = failed
        self.report_dir = report_dir
        super().__init__(message)


class Refused(ReleaseBuildError):
    exit_code = EXIT_REFUSED
