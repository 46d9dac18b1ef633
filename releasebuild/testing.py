"""Test kit: build small release definitions on disk (like DVC's tmp_dir.gen), for our tests and users' tests."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


def conversation(record_id: str, group: str, turns: int = 2, topic: str = "sleep", text: str = "") -> dict[str, Any]:
    """A small source row in the `dialog` shape the fixture family maps."""
    dialog = []
    for index in range(turns):
        speaker = "usr" if index % 2 == 0 else "sys"
        dialog.append({"speaker": speaker, "text": f"{text or 'message'} {record_id} turn {index}"})
    return {"cid": record_id, "session": group, "topic": topic, "dialog": dialog}


def write_jsonl(path: Path, rows: Iterable[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(row if isinstance(row, str) else json.dumps(row, sort_keys=True))
            fh.write("\n")
    return path


@dataclass
class ReleaseFixture:
    """A release directory: release.yaml, families/<name>.yaml, gates/quarantine.yaml, data/<name>.jsonl."""

    dir: Path

    @property
    def release_yaml(self) -> Path:
        return self.dir / "release.yaml"

    def data_file(self, family: str) -> Path:
        return self.dir / "data" / f"{family}.jsonl"

    def family_yaml(self, family: str) -> Path:
        return self.dir / "families" / f"{family}.yaml"

    def edit_yaml(self, path: Path, **changes: Any) -> None:
        document = yaml.safe_load(path.read_text())
        document.update(changes)
        path.write_text(yaml.safe_dump(document, sort_keys=False))

    def family(self, name: str) -> dict[str, Any]:
        return yaml.safe_load(self.family_yaml(name).read_text())


def family_definition(name: str, stage: str = "foundation", **extra: Any) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "name": name,
        "stage": stage,
        "sources": [f"../data/{name}.jsonl"],
        "format": "jsonl",
        "mapping": {"messages": {"field": "dialog", "role": "speaker", "content": "text",
                                 "roles": {"usr": "user", "sys": "assistant"}}},
        "id": "cid",
        "group_by": "session",
        "metadata": ["topic"],
    }
    definition.update(extra)
    return definition


def make_release(directory: Path, families: dict[str, list[Any]], *, version: str = "v2026-11-23",
                 max_records: int = 4, max_ratio: float = 0.5, **release_extra: Any) -> ReleaseFixture:
    """Write a complete release with one JSONL source per family (rows may be dicts or raw lines)."""
    fixture = ReleaseFixture(directory)
    for name, rows in families.items():
        write_jsonl(fixture.data_file(name), rows)
        stage = "edge" if name.startswith("edge") else "foundation"
        extra = {"holdout_sensitive": False, "holdout_reason": "test fixture"} if stage == "edge" else {}
        _write_yaml(fixture.family_yaml(name), family_definition(name, stage, **extra))
    _write_yaml(directory / "gates" / "quarantine.yaml", {"max_ratio": max_ratio})
    release: dict[str, Any] = {
        "version": version,
        "root": "published",
        "families": [f"families/{name}.yaml" for name in families],
        "splits": {"ratios": {"train": 0.8, "val": 0.1, "test": 0.1}, "salt": "fixture-salt"},
        "shards": {"max_records": max_records},
        "curriculum": [{"stage": "foundation", "families": {name: index + 1 for index, name in enumerate(families)}}],
        "gates": {"quarantine": "gates/quarantine.yaml"},
    }
    release.update(release_extra)
    _write_yaml(fixture.release_yaml, release)
    return fixture


def _write_yaml(path: Path, document: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
