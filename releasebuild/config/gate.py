"""What the definition layer knows of a gate, and no more: the base of every gate's settings and the contract a gate
offers the loader. The config layer never imports a gate; the registry (`releasebuild.gates`) hands the loader the
gates it knows, so a new gate is its own module plus one line there, and nothing here changes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from releasebuild.config.located import LocatedDocument, Path_
from releasebuild.config.models import Acknowledgement, Release, Strict
from releasebuild.config.rules import Site
from releasebuild.errors import Diagnostic


class GateConfig(Strict):
    """A gate blocks publishing when it fails unless a definition says otherwise on purpose."""

    blocking: bool = True

    def checks(self, families: set[str]) -> list[tuple[Path_, str, str]]:
        """Problems only visible next to the release: (path in the gate definition, message, hint)."""
        return []

    def secrets(self) -> list[str]:
        """Values of these settings that must never be published (a key of hashed ids): the definition files a
        release publishes carry them withheld."""
        return []

    def read_files(self) -> list[str]:
        """Files beside the gate's YAML that the gate reads (relative to release.yaml), which are not YAML the
        definition includes: published with the definition all the same, so the audit trail holds what the gate
        judged by."""
        return []

    def located(self, directory: str) -> GateConfig:
        """This config as declared in a file of `directory` (relative to release.yaml): gates whose settings name
        files resolve them from there."""
        return self


@dataclass(frozen=True)
class DefinitionContext:
    """What a gate's definition checks may look at besides its own settings."""

    release: Release
    release_doc: LocatedDocument  # release.yaml, where release-wide settings a gate checks are located
    site: Site  # where the gate is declared: its own file, or its entry in release.yaml (or `gates:` for a default)
    base_dir: Path  # release.yaml's directory
    read: Callable[[Path], LocatedDocument | None]  # reads a file the definition depends on (its digest is kept)
    gates: Mapping[str, GateConfig]  # every gate's settings, defaults included: gates that cooperate check each other


class GateDefinition(Protocol):
    """A gate as the loader sees it (`releasebuild.gates.Gate` is the one implementation)."""

    @property
    def config(self) -> type[GateConfig]: ...

    @property
    def always_on(self) -> bool:
        """Fail closed: a release that does not declare this gate gets it with its defaults."""
        ...

    @property
    def acknowledgeable(self) -> bool:
        """Whether release.yaml's `acknowledge:` may accept this gate's findings."""
        ...

    def from_release(self, release: Release) -> GateConfig | None:
        """The settings of a gate that release.yaml declares in a section of its own (`coverage:`) rather than
        under `gates:`; None for every other gate."""
        ...

    def definition_checks(self, config: GateConfig, context: DefinitionContext) -> list[Diagnostic]:
        """Problems of this gate's settings next to the rest of the definition (files it names, other gates)."""
        ...

    def acknowledgement_problem(self, entry: Acknowledgement) -> tuple[Path_, str, str] | None:
        """Why an acknowledgement of this gate's findings names nothing it has: (path in the entry, message, hint)."""
        ...


Gates = Mapping[str, GateDefinition]
