"""Read-back and network faults at volume (issue 27): corrupt cache blobs and entries, uploads damaged on the way,
5xx and resets, each survived with a byte-identical release or a clear error.

    python bench/stress_faults.py                 # 8 trials per fault class (a few minutes on 2 cores)
    python bench/stress_faults.py --trials 20 --seed 7

A small release (three families, one malformed row) is built once per backend for reference. Each trial then
damages one thing at random and applies again through the production path (`api.apply`), publishing to a fresh
prefix (locally; on S3 the release is deleted first, as the root's shared tier is the one damaged):

- local blob: one byte of a random blob of the local content store flipped (a new file);
- local entry: a random action entry truncated, overwritten with garbage, or one byte of it flipped;
- S3 shared blob / S3 shared entry: the same in the shared tier (`<root>/cache/`), on a clean machine (no local
  cache), so everything comes from the tier;
- S3 damaged uploads: a proxy in front of the server flips a byte of a random share (5, 10 or 20 %) of PUT bodies
  and drops their checksum headers (`tests/faulty_proxy.py`), on a clean machine; an object damaged on all of its
  3 attempts fails the apply with a clear error;
- S3 5xx and resets: the proxy answers every Nth request with 503, 500 or a reset.

A trial survived when the apply succeeded with the reference root digest and `verify` finds the release sound; it
gave a clear error when apply failed with a ReleaseBuildError (a message, no traceback) and published nothing
unsound; anything else (another exception, a release that does not verify, another digest) is a failure. S3 runs on
moto's server on loopback (`releasebuild.testing.LocalS3Server`). Prints trials / survived byte-identical / clear
error / failures per class; exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the faulty proxy the tests use

from faulty_proxy import FaultyProxy  # noqa: E402

from releasebuild import api  # noqa: E402
from releasebuild.errors import ReleaseBuildError  # noqa: E402
from releasebuild.store.root import ReleaseRoot  # noqa: E402
from releasebuild.testing import LocalS3Server, ReleaseFixture, conversation, make_release  # noqa: E402
from releasebuild.verify import verify_release  # noqa: E402

BUCKET = "pixel-data"
VERSION = "v2026-11-23"

Outcome = str  # "survived" | "clear error" | "failure: <why>"


def fixture(directory: Path, root: str) -> ReleaseFixture:
    families: dict[str, list[Any]] = {
        "alpha": [conversation(f"a{i:02d}", f"sa{i // 3}", turns=2 + i % 3) for i in range(16)] + ["{bad"],
        "beta": [conversation(f"b{i:02d}", f"sb{i // 2}", topic="grief") for i in range(12)],
        "gamma": [conversation(f"c{i:02d}", f"sc{i}", topic="work") for i in range(10)]}
    return make_release(directory, families, root=root)


def attempt(release: ReleaseFixture, root: str, reference: str) -> Outcome:
    """Apply to `root` and judge the result against the reference root digest."""
    try:
        report = api.apply(release.release_yaml, root, jobs=2)
    except Exception as exc:  # noqa: BLE001 - what a stress run counts; one raised before the walk (the lock) too
        error: BaseException | None = exc
    else:
        error = report.outcome.error
    if error is not None:
        if isinstance(error, ReleaseBuildError) and "Traceback" not in str(error):
            return _sound(root, "clear error") if published(root) else "clear error"
        return f"failure: {type(error).__name__}: {str(error)[:200]}"
    if report.to_json()["root_digest"] != reference:
        return "failure: another root digest"
    return _sound(root, "survived")


def published(root: str) -> bool:
    """Whether the root holds a release of this version (what a failed apply left must still verify)."""
    return ReleaseRoot(root).is_published(VERSION)


def _sound(root: str, outcome: Outcome) -> Outcome:
    verified = verify_release(f"{root}/releases/{VERSION}")
    return outcome if verified.sound else f"failure: published release does not verify: {verified.findings[:2]}"


def flip_file(path: Path, rng: random.Random) -> None:
    data = bytearray(path.read_bytes() or b"\0")
    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    path.unlink()
    path.write_bytes(bytes(data))


def damage_entry(data: bytes, rng: random.Random) -> bytes:
    how = rng.choice(("truncate", "garbage", "flip"))
    if how == "truncate":
        return data[: rng.randrange(len(data))]
    if how == "garbage":
        return b"<html>502 Bad Gateway</html>"
    damaged = bytearray(data)
    damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
    return bytes(damaged)


def local_trials(scratch: Path, trials: int, rng: random.Random) -> dict[str, list[Outcome]]:
    release = fixture(scratch / "local", "published")
    report = api.apply(release.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    reference = report.to_json()["root_digest"]
    cache = release.dir / ".releasebuild" / "cache"
    results: dict[str, list[Outcome]] = {"local blob": [], "local entry": []}
    for number in range(trials):
        blob = rng.choice(sorted(p for p in (cache / "cas").rglob("*") if p.is_file() and p.stat().st_size))
        flip_file(blob, rng)
        results["local blob"].append(attempt(release, str(scratch / f"blob-{number}"), reference))
        entry = rng.choice(sorted((cache / "ac").rglob("*.json")))
        entry.write_bytes(damage_entry(entry.read_bytes(), rng))
        results["local entry"].append(attempt(release, str(scratch / f"entry-{number}"), reference))
    return results


def s3_trials(scratch: Path, trials: int, rng: random.Random) -> dict[str, list[Outcome]]:
    server = LocalS3Server()
    try:
        client = server.serve_to_this_process(BUCKET)
        base = f"s3://{BUCKET}/exports"
        release = fixture(scratch / "s3", base)
        report = api.apply(release.release_yaml, jobs=2)
        assert report.outcome.error is None, report.outcome.error
        reference = report.to_json()["root_digest"]

        def keys(prefix: str) -> list[str]:
            pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
            return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

        def damage_shared(prefix: str, damage: Callable[[bytes], bytes]) -> None:
            key = rng.choice(keys(prefix))
            body = client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
            client.put_object(Bucket=BUCKET, Key=key, Body=damage(body))

        def clean_machine() -> None:
            """No local cache, and no release under the root: the next apply publishes from the shared tier."""
            shutil.rmtree(release.dir / ".releasebuild", ignore_errors=True)
            for prefix in ("exports/releases/", f"exports/restricted/{VERSION}/"):  # not the restricted cache tier
                for key in keys(prefix):
                    client.delete_object(Bucket=BUCKET, Key=key)

        def flip(body: bytes) -> bytes:
            data = bytearray(body or b"\0")
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            return bytes(data)

        results: dict[str, list[Outcome]] = {"S3 shared blob": [], "S3 shared entry": [], "S3 damaged uploads": [],
                                             "S3 5xx and resets": []}
        for _ in range(trials):
            damage_shared("exports/cache/cas/", flip)
            clean_machine()
            results["S3 shared blob"].append(attempt(release, base, reference))
            damage_shared(rng.choice(("exports/cache/ac/", "exports/restricted/cache/ac/")),
                          lambda body: damage_entry(body, rng))
            clean_machine()
            results["S3 shared entry"].append(attempt(release, base, reference))
            share = rng.choice((0.05, 0.1, 0.2))
            with FaultyProxy(server.endpoint, every=0,
                             corrupt=lambda method, _, share=share: method == "PUT" and rng.random() < share) as proxy:
                os.environ["OVH_S3_ENDPOINT"] = proxy.endpoint
                clean_machine()
                results["S3 damaged uploads"].append(attempt(release, base, reference))
            with FaultyProxy(server.endpoint, every=rng.choice((5, 7, 11))) as proxy:
                os.environ["OVH_S3_ENDPOINT"] = proxy.endpoint
                clean_machine()
                results["S3 5xx and resets"].append(attempt(release, base, reference))
            os.environ["OVH_S3_ENDPOINT"] = server.endpoint
        return results
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=8, help="trials per fault class (default 8)")
    parser.add_argument("--seed", type=int, default=27)
    parser.add_argument("--no-s3", action="store_true", help="local fault classes only")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="stress-faults-") as scratch:
        results = local_trials(Path(scratch), args.trials, rng)
        if not args.no_s3:
            results.update(s3_trials(Path(scratch), args.trials, rng))
    print("\n| fault class | trials | survived byte-identical | clear error | failures |\n|---|---:|---:|---:|---:|")
    failures = []
    for label, outcomes in results.items():
        failed = [o for o in outcomes if o.startswith("failure")]
        failures += [f"{label}: {o}" for o in failed]
        print(f"| {label} | {len(outcomes)} | {outcomes.count('survived')} | {outcomes.count('clear error')} | "
              f"{len(failed)} |")
    print(f"\n{time.monotonic() - started:.0f} s")
    for failure in failures:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
