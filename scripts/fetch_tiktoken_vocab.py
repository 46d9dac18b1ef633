"""Put tiktoken's cl100k_base and o200k_base vocabulary files in a directory, from PyPI only.

    python scripts/fetch_tiktoken_vocab.py DIR      # then: export TIKTOKEN_CACHE_DIR=DIR

tiktoken downloads these files from openaipublic.blob.core.windows.net at first use, which a build must never do
(and which machines that reach only PyPI cannot). The same files ship inside the `litellm` wheel; this downloads
that wheel without its dependencies, extracts the two files under the names tiktoken looks for, and checks each
against the SHA-256 tiktoken expects (releasebuild.distribution.tokenizers.VOCABULARIES). Nothing is installed.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from releasebuild.distribution.tokenizers import VOCABULARIES

WHEEL = "litellm==1.109.1"
INSIDE = "litellm/litellm_core_utils/tokenizers/"


def main(target: Path) -> int:
    target.mkdir(parents=True, exist_ok=True)
    missing = [name for name, vocab in VOCABULARIES.items()
               if not (target / vocab.cache_name).is_file()
               or hashlib.sha256((target / vocab.cache_name).read_bytes()).hexdigest() != vocab.sha256]
    if not missing:
        print(f"{target}: {', '.join(VOCABULARIES)} already present")
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                        "--no-deps", WHEEL, "-d", scratch], check=True)
        (wheel,) = Path(scratch).glob("*.whl")
        with zipfile.ZipFile(wheel) as archive:
            for name in missing:
                vocab = VOCABULARIES[name]
                data = archive.read(INSIDE + vocab.cache_name)
                if hashlib.sha256(data).hexdigest() != vocab.sha256:
                    print(f"{name}: the file in {wheel.name} does not have tiktoken's SHA-256", file=sys.stderr)
                    return 1
                (target / vocab.cache_name).write_bytes(data)
                print(f"{name}: {target / vocab.cache_name}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.splitlines()[2].strip())
    raise SystemExit(main(Path(sys.argv[1])))
