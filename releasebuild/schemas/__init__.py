"""The JSON Schemas of what releasebuild publishes (the manifest) and prints (`plan --json`), shipped with the package
so `verify` can check a release anywhere."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any


@functools.cache
def load(name: str) -> dict[str, Any]:
    """`load("manifest")` or `load("plan")`: the parsed schema."""
    schema: dict[str, Any] = json.loads(
        resources.files(__package__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8"))
    return schema
