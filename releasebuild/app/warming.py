"""What a warm server (server.py) makes before it serves: every module of the package a command may import, and
the slow loads (`Step.loads`) of the release's steps, so that neither a served command nor its pool workers, which
fork from it, import or load them again."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import releasebuild

# Not imported ahead: the entry point (it runs a command), test kits, the server itself, and the torch loader
# (an optional extra, and hundreds of MB that no command of the command line needs).
NOT_AHEAD = frozenset({"releasebuild.__main__", "releasebuild.testing", "releasebuild.crashes", "releasebuild.server",
                       "releasebuild.loader.pytorch"})
# What the charts import when they draw (distribution/plots.py), which no step declares as a slow load.
CHARTS = ("matplotlib.style", "matplotlib.figure", "matplotlib.backends.backend_agg")


def warm(definition: Path) -> None:
    """Import the package and make the loads of the release at `definition` (or, when it is not there or not
    valid, of every step kind that declares its loads without parameters)."""
    from releasebuild.engine import make_load

    for module in pkgutil.walk_packages(releasebuild.__path__, "releasebuild."):
        if module.name not in NOT_AHEAD:
            importlib.import_module(module.name)
    for load in [*release_loads(definition), *CHARTS]:
        make_load(load)


def release_loads(definition: Path) -> list[str]:
    """The slow loads of the release's steps, in step order, each once."""
    from releasebuild.config.load import load_definition
    from releasebuild.errors import ReleaseBuildError
    from releasebuild.gates import GATES
    from releasebuild.graph import build_specs
    from releasebuild.steps.registry import FIXED_KINDS, step_kind

    try:
        specs = build_specs(load_definition(definition, GATES)) if definition.is_file() else None
    except ReleaseBuildError:
        specs = None
    if specs is None:
        kinds = [*FIXED_KINDS.values(), *(gate.step for gate in GATES.values())]
        return list(dict.fromkeys(load for kind in kinds for load in kind.slow_loads))
    return list(dict.fromkeys(load for spec in specs for load in step_kind(spec.kind).loads(spec.params)))
