"""Read a published release through the loader, as a training job would: one measured subprocess of bench/run.py.

    python bench/load_release.py URI all|train-mix CACHE_DIR

`all` reads every record of every split in shard order; `train-mix` streams the train split shuffled and
interleaved by family size. Prints one JSON line: records read, records the manifest lists, shards opened.
"""

from __future__ import annotations

import json
import sys

from releasebuild.loader import ReleaseLoader


def main() -> int:
    uri, mode, cache = sys.argv[1:4]
    loader = ReleaseLoader(uri, cache_dir=cache)
    stream = loader.records() if mode == "all" else loader.stream("train", seed=0)
    read = sum(1 for _ in stream)
    expected = loader.count() if mode == "all" else loader.count("train")
    print(json.dumps({"records": read, "expected": expected, "shards_opened": stream.counts.shards_opened}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
