"""The training loader: a release read by its URI and manifest alone, verified shard by shard, mixed by weights,
deterministic, resumable, partitioned across ranks and workers; locally and from a real S3 server."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import S3_BUCKET, S3Server

from releasebuild import api
from releasebuild.loader import LoaderError, ReleaseLoader, ShardIntegrityError
from releasebuild.loader.order import Mix, family_sequence, rng, worker_positions
from releasebuild.manifest_proof import body, seal
from releasebuild.testing import ReleaseFixture, conversation, make_release

S3_ROOT = f"s3://{S3_BUCKET}/exports"
CURRICULUM = [{"stage": "foundation", "families": {"alpha": 1, "beta": 3}},
              {"stage": "edge", "families": {"edge_cases": 1}}]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[ReleaseFixture, Path]:
    """Three families in many small shards (16 records each), published locally once for the module."""
    families = {
        "alpha": [conversation(f"a{i:03d}", f"ga{i}", turns=2 + i % 3) for i in range(200)],
        "beta": [conversation(f"b{i:03d}", f"gb{i}", topic="grief") for i in range(200)],
        "edge_cases": [conversation(f"e{i:03d}", f"ge{i}", topic="crisis") for i in range(40)],
    }
    fixture = make_release(tmp_path_factory.mktemp("loader") / "rel", families, max_records=16,
                           curriculum=CURRICULUM)
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    return fixture, Path(report.release_uri)


@pytest.fixture
def release(built: tuple[ReleaseFixture, Path], tmp_path: Path) -> Path:
    """A private copy of the published root (tests may tamper with it or add revocations)."""
    _, prefix = built
    root = tmp_path / "root"
    shutil.copytree(prefix.parent.parent, root)
    return root / "releases" / prefix.name


@dataclass
class Published:
    """The module's release where a test reads it: on local disk, or published to the S3 server."""

    uri: str
    cache: Path
    put_in_root: Callable[[str, bytes], None]  # writes <root>/<key>

    def loader(self) -> ReleaseLoader:
        return ReleaseLoader(self.uri, cache_dir=self.cache)


@pytest.fixture(params=["local", "s3"])
def published(request: pytest.FixtureRequest, built: tuple[ReleaseFixture, Path], tmp_path: Path) -> Published:
    if request.param == "local":
        prefix: Path = request.getfixturevalue("release")
        root = prefix.parent.parent
        return Published(str(prefix), tmp_path / "cache", lambda key, data: (root / key).write_bytes(data))
    s3: S3Server = request.getfixturevalue("s3_server")
    uri = publish_to_s3(built[0])
    return Published(uri, tmp_path / "cache",
                     lambda key, data: s3.client().put_object(Bucket=S3_BUCKET, Key=f"exports/{key}", Body=data))


def manifest_of(prefix: Path) -> dict[str, Any]:
    return json.loads((prefix / "manifest.json").read_text())


def published_lines(prefix: Path, split: str) -> dict[str, str]:
    """(family/id) -> the shard line, straight from the files, for comparison."""
    lines = {}
    for path in sorted((prefix / "data" / split).glob("*.jsonl")):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            lines[f"{record['family']}/{record['id']}"] = line
    return lines


def ids(records: Any) -> list[str]:
    return [f"{r['family']}/{r['id']}" for r in records]


def test_every_split_streams_with_the_manifests_counts(release: Path, tmp_path: Path) -> None:
    manifest = manifest_of(release)
    loader = ReleaseLoader(str(release), cache_dir=tmp_path / "cache")
    assert loader.splits == ["test", "train", "val"]
    for split in loader.splits:
        records = list(loader.records(split))
        per_family = Counter(r["family"] for r in records)
        assert per_family == {f: manifest["families"][f]["records"][split] for f in manifest["families"]
                              if manifest["families"][f]["records"][split]}
        assert {r["split"] for r in records} == {split}
        expected = published_lines(release, split)
        assert sorted(ids(records)) == sorted(expected)  # every record once
        assert all(json.loads(expected[key]) == record for key, record in zip(ids(records), records, strict=True))
    assert sum(loader.count(split) for split in loader.splits) == manifest["records"]["total"]


def test_a_corrupted_shard_fails_loudly_before_any_of_its_records(release: Path) -> None:
    shard = release / "data" / "train" / "alpha-00001.jsonl"
    original = shard.read_bytes()
    data = bytearray(original)
    data[10] ^= 0x01
    shard.write_bytes(bytes(data))
    yielded = []
    with pytest.raises(ShardIntegrityError, match="alpha-00001.jsonl: SHA-256 .* is not the manifest's"):
        for record in ReleaseLoader(str(release)).records("train", ["alpha"]):
            yielded.append(record)
    assert len(yielded) == 16  # all of shard 00000, nothing of the damaged one
    assert {r["id"] for r in yielded}.isdisjoint(json.loads(line)["id"] for line in original.splitlines())


def test_a_shard_with_an_extra_line_is_caught_even_if_a_manifest_were_rewritten_to_its_hash(release: Path) -> None:
    """The record count is checked too: a manifest whose count disagrees with its shard is refused."""
    manifest = manifest_of(release)
    entry = next(a for a in manifest["artifacts"] if a["key"] == "data/train/beta-00000.jsonl")
    entry["records"] += 1
    (release / "manifest.json").write_text(json.dumps(seal(body(manifest))))  # a root digest to match
    with pytest.raises(ShardIntegrityError, match="16 lines, but the manifest says 17 records"):
        list(ReleaseLoader(str(release)).records("train", ["beta"]))


def test_mixing_follows_the_weights_until_a_family_runs_out(published: Published) -> None:
    loader = published.loader()
    counts = {f: loader.count("train", [f]) for f in ("alpha", "beta")}
    stream = list(loader.stream("train", stage="foundation", seed=11))
    families = [r["family"] for r in stream]
    assert Counter(families) == counts  # one pass over every record, without replacement
    assert len(set(ids(stream))) == len(stream)
    beta_out = max(i for i, f in enumerate(families) if f == "beta")
    assert set(families[beta_out + 1:]) <= {"alpha"}  # after beta ran out, alpha alone
    head = families[:120]  # well before either family can run out
    assert abs(head.count("beta") / len(head) - 0.75) < 0.1  # curriculum weights alpha 1 : beta 3


def test_the_interleave_matches_the_weights_on_a_large_epoch() -> None:
    sequence, offsets = family_sequence([100_000, 100_000, 100_000], [1.0, 2.0, 5.0], Mix.INTERLEAVE, 300_000,
                                        rng(0, 0, "interleave"))
    head = np.bincount(sequence[:100_000], minlength=3) / 100_000
    assert np.allclose(head, [1 / 8, 2 / 8, 5 / 8], atol=0.01)
    for family in range(3):  # every record once, in order within its family
        assert (offsets[sequence == family] == np.arange(100_000)).all()


def test_an_empty_selection_is_an_empty_epoch() -> None:
    sequence, offsets = family_sequence([], [], Mix.INTERLEAVE, 0, rng(0, 0))
    assert len(sequence) == 0 and len(offsets) == 0


def test_upsampling_draws_with_replacement_by_the_weights(published: Published) -> None:
    loader = published.loader()
    small = loader.count("train", ["edge_cases"])
    records = list(loader.stream("train", families=["alpha", "edge_cases"], weights={"alpha": 1, "edge_cases": 1},
                                 upsample=True, num_samples=400, seed=5))
    per_family = Counter(r["family"] for r in records)
    assert len(records) == 400 and abs(per_family["edge_cases"] / 400 - 0.5) < 0.08
    edge = Counter(ids(r for r in records if r["family"] == "edge_cases"))
    assert len(edge) == small and max(edge.values()) > 1  # the small family repeats, each record in turn
    with pytest.raises(LoaderError, match="num_samples needs upsample"):
        loader.stream("train", num_samples=10)


def test_the_order_is_fixed_by_seed_and_epoch(published: Published) -> None:
    loader = published.loader()
    first = ids(loader.stream("train", seed=3, epoch=0))
    assert first == ids(published.loader().stream("train", seed=3, epoch=0))
    second_epoch = ids(loader.stream("train", seed=3, epoch=1))
    assert second_epoch != first and sorted(second_epoch) == sorted(first)
    assert ids(loader.stream("train", seed=4, epoch=0)) != first
    unshuffled = [r["id"] for r in loader.stream("train", families=["beta"], shuffle=False)]
    assert unshuffled == sorted(unshuffled)  # shards in order, records as stored


def test_resuming_from_a_saved_state_yields_exactly_the_remaining_records(published: Published) -> None:
    loader = published.loader()
    everything = ids(loader.stream("train", stage="foundation", seed=9, epoch=2))
    stream = loader.stream("train", stage="foundation", seed=9, epoch=2)
    taken = []
    for record in stream:
        taken.append(f"{record['family']}/{record['id']}")
        if len(taken) == 37:
            break
    state = json.loads(json.dumps(stream.state_dict()))  # small, and survives a checkpoint file
    assert state["position"] == 37
    resumed = published.loader().stream("train", stage="foundation", seed=9, epoch=2, state=state)
    assert taken + ids(resumed) == everything
    with pytest.raises(LoaderError, match="another selection or epoch"):
        loader.stream("train", stage="foundation", seed=10, epoch=2, state=state)
    with pytest.raises(LoaderError, match="same number of ranks"):
        loader.stream("train", stage="foundation", seed=9, epoch=2, world_size=2, state=state)


def test_two_ranks_see_disjoint_records_covering_the_epoch(published: Published) -> None:
    loader = published.loader()
    everything = ids(loader.stream("train", seed=1))
    ranks = [ids(loader.stream("train", seed=1, rank=rank, world_size=2)) for rank in (0, 1)]
    assert set(ranks[0]).isdisjoint(ranks[1])
    assert ranks[0] + ranks[1] == everything  # each rank a contiguous half of the one global order
    assert abs(len(ranks[0]) - len(ranks[1])) <= 1
    # dataloader workers of a rank, dealt blocks of 4, together read the rank's order
    workers = [ids(loader.stream("train", seed=1, rank=1, world_size=2, worker=w, num_workers=3, block=4))
               for w in range(3)]
    dealt = [record for block in _round_robin([_blocks(w, 4) for w in workers]) for record in block]
    assert dealt == ranks[1]


def test_worker_positions_resume_mid_block() -> None:
    full = [list(worker_positions(10, 50, w, 3, 4)) for w in range(3)]
    assert sorted(p for positions in full for p in positions) == list(range(10, 50))
    resumed = [list(worker_positions(10, 50, w, 3, 4, resume=13)) for w in range(3)]
    assert sorted(p for positions in resumed for p in positions) == list(range(23, 50))


def test_withdrawn_records_are_skipped_and_counted(published: Published) -> None:
    loader = published.loader()
    train = ids(loader.records("train"))
    withdrawn = [train[3], train[40]]
    revocations = {"format": 1, "searched": {}, "revocations": [
        {"version": "v2026-11-23", "family": key.split("/")[0], "id": key.split("/")[1], "record_digest": "x",
         "split": "train", "shard": None, "reason": "consent withdrawn", "revoked_by": "v2026-12-01"}
        for key in withdrawn] + [{"version": "v2026-01-01", "family": "alpha", "id": train[5].split("/")[1],
                                  "record_digest": "x", "split": "train", "shard": None, "reason": "other version",
                                  "revoked_by": "v2026-12-01"}]}
    published.put_in_root("revocations.json", json.dumps(revocations).encode())
    stream = published.loader().stream("train", seed=2)
    seen = ids(stream)
    assert set(train) - set(seen) == set(withdrawn) and len(seen) == len(train) - 2
    assert stream.counts.revoked == 2 and sorted(stream.counts.revoked_ids) == sorted(withdrawn)


def test_a_pinned_root_digest_and_an_edited_manifest_are_refused(release: Path) -> None:
    manifest = manifest_of(release)
    assert ReleaseLoader(str(release), root_digest=manifest["root_digest"]).version == "v2026-11-23"
    with pytest.raises(LoaderError, match="not the pinned sha256:0000.*published again with other content"):
        ReleaseLoader(str(release), root_digest="sha256:" + "0" * 64)
    entry = next(a for a in manifest["artifacts"] if a["kind"] == "shard")
    entry["sha256"] = "f" * 64  # a manifest edited to vouch for other bytes
    (release / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(LoaderError, match=r'edited after publishing.*field artifacts\["data/.*"\]\.sha256 was edited'):
        ReleaseLoader(str(release))


def test_a_manifest_saying_a_gate_failed_is_refused(release: Path) -> None:
    manifest = manifest_of(release)
    manifest["gates"].update(status="fail", blocked_by=["privacy"])
    (release / "manifest.json").write_text(json.dumps(seal(body(manifest))))  # sealed as if published so
    with pytest.raises(LoaderError, match=r"gates did not pass \(status 'fail', blocked by \['privacy'\]\)"):
        ReleaseLoader(str(release))


def test_unknown_splits_families_and_stages_are_named(release: Path) -> None:
    loader = ReleaseLoader(str(release))
    with pytest.raises(LoaderError, match="no curriculum stage 'voice' .*stages: foundation, edge"):
        loader.stream("train", stage="voice")
    with pytest.raises(LoaderError, match="no family gamma"):
        loader.stream("train", families=["gamma"])
    with pytest.raises(LoaderError, match="no split dev"):
        loader.records("dev")
    with pytest.raises(LoaderError, match="weights must be positive"):
        loader.stream("train", weights={"alpha": 0, "beta": 1})


# --- from S3: a release published to moto's S3 server, read over HTTP through s3fs ---

def publish_to_s3(fixture: ReleaseFixture) -> str:
    report = api.apply(fixture.release_yaml, S3_ROOT, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    return f"{S3_ROOT}/releases/v2026-11-23"


def test_from_s3_every_split_streams_verified_and_shard_by_shard(built: tuple[ReleaseFixture, Path],
                                                                   s3_server: S3Server, tmp_path: Path) -> None:
    fixture, local = built
    uri = publish_to_s3(fixture)
    manifest = manifest_of(local)
    s3_server.requests.clear()
    loader = ReleaseLoader(uri, cache_dir=tmp_path / "cache")
    first = next(iter(loader.records("train", ["alpha"])))
    fetched = {key.rsplit("/", 1)[-1] for key in s3_server.object_gets() if "/data/" in key}
    assert first == json.loads((local / "data" / "train" / "alpha-00000.jsonl").read_text().splitlines()[0])
    assert fetched <= {"alpha-00000.jsonl", "alpha-00001.jsonl"}  # that shard and the one prefetched, no more
    for split in ("train", "val", "test"):
        assert Counter(r["family"] for r in loader.records(split)) == {
            f: manifest["families"][f]["records"][split] for f in manifest["families"]
            if manifest["families"][f]["records"][split]}
    assert ids(loader.stream("train", seed=1)) == ids(ReleaseLoader(str(local)).stream("train", seed=1))


def test_from_s3_a_tampered_shard_is_refused_and_a_damaged_cache_refetched(built: tuple[ReleaseFixture, Path],
                                                                          s3_server: S3Server,
                                                                          tmp_path: Path) -> None:
    fixture, local = built
    uri = publish_to_s3(fixture)
    cache = tmp_path / "cache"
    assert len(list(ReleaseLoader(uri, cache_dir=cache).records("val"))) == manifest_of(local)["records"]["val"]
    cached = sorted(cache.glob("*.jsonl"))
    cached[0].write_bytes(cached[0].read_bytes()[:-5] + b"XXXX\n")  # a damaged cache entry is fetched again
    assert len(list(ReleaseLoader(uri, cache_dir=cache).records("val"))) == manifest_of(local)["records"]["val"]

    key = "exports/releases/v2026-11-23/data/train/beta-00002.jsonl"
    body = s3_server.client().get_object(Bucket=S3_BUCKET, Key=key)["Body"].read()
    s3_server.client().put_object(Bucket=S3_BUCKET, Key=key, Body=body.replace(b"grief", b"joy!!", 1))
    with pytest.raises(ShardIntegrityError, match="beta-00002.jsonl: SHA-256"):
        list(ReleaseLoader(uri, cache_dir=tmp_path / "other").records("train", ["beta"]))
    tampered = next(a for a in manifest_of(local)["artifacts"] if a["key"] == "data/train/beta-00002.jsonl")
    kept = [path.name for path in (tmp_path / "other").iterdir()]  # the good shards before it, nothing else
    assert f"{tampered['sha256']}.jsonl" not in kept and not [name for name in kept if name.endswith(".partial")]


def _blocks(records: list[str], size: int) -> list[list[str]]:
    return [records[i:i + size] for i in range(0, len(records), size)]


def _round_robin(queues: list[list[list[str]]]) -> list[list[str]]:
    dealt = []
    for index in range(max(len(q) for q in queues)):
        dealt.extend(q[index] for q in queues if index < len(q))
    return dealt
