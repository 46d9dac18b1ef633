"""The PyTorch side of the loader: the IterableDataset under a multi-worker DataLoader, and the single-step
training run (examples/train_smoke.py) against a release on the S3 server. Skipped, with the reason printed,
only where torch is not installed (CI installs it: .ci/run)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import S3_BUCKET, S3Server

from releasebuild import api
from releasebuild.loader import ReleaseLoader
from releasebuild.testing import ReleaseFixture, conversation, make_release

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[torch]' (torch==2.13.0)")
from releasebuild.loader.pytorch import TorchReleaseDataset  # noqa: E402  (needs torch)

SMOKE = Path(__file__).parent.parent / "examples" / "train_smoke.py"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[ReleaseFixture, Path]:
    families = {"alpha": [conversation(f"a{i:03d}", f"ga{i}", turns=2 + i % 3) for i in range(120)],
                "beta": [conversation(f"b{i:03d}", f"gb{i}", topic="grief") for i in range(80)]}
    fixture = make_release(tmp_path_factory.mktemp("torch") / "rel", families, max_records=16)
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    return fixture, Path(report.release_uri)


def keys(batches: Any) -> list[str]:
    return [f"{r['family']}/{r['id']}" for batch in batches for r in batch]


def test_a_multi_worker_dataloader_yields_the_ranks_order_and_resumes_exactly(built: tuple[ReleaseFixture, Path]
                                                                              ) -> None:
    _, prefix = built
    expected = keys([ReleaseLoader(str(prefix)).stream("train", seed=4, epoch=1, rank=1, world_size=2)])
    dataset = TorchReleaseDataset(str(prefix), splits="train", seed=4, batch_size=4, rank=1, world_size=2)
    dataset.set_epoch(1)
    loader = torch.utils.data.DataLoader(dataset, batch_size=4, num_workers=2, collate_fn=list)
    assert keys(loader) == expected  # two worker processes, batches in the rank's order
    assert len(dataset) == len(expected)

    taken = []
    for batch in loader:
        taken.append(batch)
        if len(taken) == 3:
            break
    state = json.loads(json.dumps(dataset.state_dict(consumed=12)))
    pinned = json.loads((prefix / "manifest.json").read_text())["root_digest"]
    resumed = TorchReleaseDataset(str(prefix), splits="train", seed=4, batch_size=4, rank=1, world_size=2,
                                  root_digest=pinned)
    resumed.load_state_dict(state)
    rest = keys(torch.utils.data.DataLoader(resumed, batch_size=4, num_workers=2, collate_fn=list))
    assert keys(taken) + rest == expected
    other_rank = TorchReleaseDataset(str(prefix), splits="train", seed=4, batch_size=4, rank=0, world_size=2)
    other_rank.set_epoch(1)
    assert set(keys(torch.utils.data.DataLoader(other_rank, batch_size=4, collate_fn=list))).isdisjoint(expected)


def test_the_single_step_training_run_reads_the_release_from_s3(built: tuple[ReleaseFixture, Path],
                                                                s3_server: S3Server, tmp_path: Path) -> None:
    fixture, local = built
    report = api.apply(fixture.release_yaml, f"s3://{S3_BUCKET}/exports", jobs=2)
    assert report.outcome.error is None, report.outcome.error
    uri = f"s3://{S3_BUCKET}/exports/releases/v2026-11-23"
    run = subprocess.run([sys.executable, str(SMOKE), uri, "--batch-size", "4", "--cache-dir", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)  # the S3 settings come from the environment
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    manifest = json.loads((local / "manifest.json").read_text())
    assert summary["release"] == "v2026-11-23" and summary["root_digest"] == manifest["root_digest"]
    assert summary["train_batch"] == 4 and summary["train_loss"] > 0
    assert summary["val_records"] == manifest["records"]["val"] == summary["val_expected"]
    assert summary["val_loss"] > 0 and summary["val_tokens"] > 0
