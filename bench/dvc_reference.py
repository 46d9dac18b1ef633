"""The no-op reference for bench/run.py --dvc: DVC on the benchmark's own layout, in a virtualenv of its own.

DVC is the build tool data teams use for this (stages with dependencies, a lock file, a state database of file
stats), so its no-op `repro` and its `status` are the bar for releasebuild's no-op apply and plan (issue 28: at
least 4x faster, measured side by side in one run). It is installed into its own virtualenv on first use (pip,
from PyPI), never into the project's environment.

The pipeline mirrors the release's layout at the granularity DVC users would write it: per family an ingest
stage (its four source files and its family YAML in, a summary out) and a privacy stage (the summary in, another
out), and one release stage over all families' outputs and release.yaml. Stage commands are a few lines of Python
that hash their inputs, so the cold repro is cheap; the no-op is what is measured, and a no-op runs no command.
The sources are hard links to the benchmark's own files (same inodes, no copies), inside the DVC project.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DVC_VERSION = "3.67.0"
DEFAULT_VENV = Path(os.environ.get("RELEASEBUILD_BENCH_DVC_VENV", "/tmp/releasebuild-bench-dvc"))

STAGE_SCRIPT = '''"""A stage of the reference pipeline: the SHA-256 of every input, as one JSON file."""
import hashlib, json, sys
out, inputs = sys.argv[1], sys.argv[2:]
summary = {}
for name in inputs:
    digest = hashlib.sha256()
    with open(name, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    summary[name] = digest.hexdigest()
with open(out, "w") as handle:
    json.dump(summary, handle, indent=1, sort_keys=True)
'''


def dvc_executable(venv: Path = DEFAULT_VENV) -> Path:
    """DVC's command in its own virtualenv, created and filled from PyPI the first time (a few minutes)."""
    dvc = venv / "bin" / "dvc"
    if not dvc.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"dvc=={DVC_VERSION}"], check=True)
    return dvc


def build_pipeline(scratch: Path, families: list[str]) -> Path:
    """A DVC project at <scratch>/dvc over the benchmark's sources (hard links), with its dvc.yaml."""
    project = scratch / "dvc"
    data = project / "data"
    for family in families:
        for source in sorted((scratch / "data" / family).glob("*.jsonl")):
            link = data / family / source.name
            link.parent.mkdir(parents=True, exist_ok=True)
            if not link.exists():
                os.link(source, link)
        family_yaml = scratch / "families" / f"{family}.yaml"
        (project / "families").mkdir(parents=True, exist_ok=True)
        (project / "families" / f"{family}.yaml").write_bytes(family_yaml.read_bytes())
    (project / "release.yaml").write_bytes((scratch / "release.yaml").read_bytes())
    (project / "stage.py").write_text(STAGE_SCRIPT, encoding="utf-8")
    lines = ["stages:"]
    for family in families:
        sources = sorted(str(p.relative_to(project)) for p in (data / family).glob("*.jsonl"))
        ingest = [*sources, f"families/{family}.yaml"]
        lines += [f"  ingest_{family}:",
                  f"    cmd: {sys.executable} stage.py out/{family}.ingest.json {' '.join(ingest)}",
                  "    deps:", *[f"      - {name}" for name in [*ingest, "stage.py"]],
                  "    outs:", f"      - out/{family}.ingest.json",
                  f"  privacy_{family}:",
                  f"    cmd: {sys.executable} stage.py out/{family}.privacy.json out/{family}.ingest.json",
                  "    deps:", f"      - out/{family}.ingest.json", "      - stage.py",
                  "    outs:", f"      - out/{family}.privacy.json"]
    privacy = [f"out/{family}.privacy.json" for family in families]
    lines += ["  release:",
              f"    cmd: {sys.executable} stage.py out/release.json release.yaml {' '.join(privacy)}",
              "    deps:", *[f"      - {name}" for name in ["release.yaml", *privacy, "stage.py"]],
              "    outs:", "      - out/release.json"]
    (project / "out").mkdir(exist_ok=True)
    (project / "dvc.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return project


def init(dvc: Path, project: Path) -> None:
    """`dvc init --no-scm` (no git needed) with analytics off, then the cold repro that fills dvc.lock."""
    env = environment()
    if not (project / ".dvc").exists():
        subprocess.run([str(dvc), "init", "--no-scm", "-q"], cwd=project, check=True, env=env)
    subprocess.run([str(dvc), "repro", "-q"], cwd=project, check=True, env=env)


def environment() -> dict[str, str]:
    """DVC's runs: no analytics, no update check (both would reach the network)."""
    return {**os.environ, "DVC_NO_ANALYTICS": "1", "DVC_NO_UPDATE_CHECK": "1"}
