"""What a manifest proves about itself: its root digest, a Merkle root over every field, and how an edit is named.

Format 2 (this one): `root_digest` is the root of `keys.merkle_tree` over the whole manifest body (every field,
the artifact list with each artifact's SHA-256 among them), so no field can change without changing it. The
manifest also records `field_digests`, the digest of every node down to `FIELD_DEPTH` levels (shortened to
`FIELD_DIGEST_HEX` hex digits: they only name an edit, the root proves it), so a checker names the field that
was edited, not just that something was. Format 1's root covered the artifact list only; releases in it are
still read (`verify` says what they do not prove).

What this cannot prove on its own: someone who rewrites a field, its digests and `root_digest` together makes a
consistent manifest. The root proves a release only against a root digest held elsewhere (pinned in a training
config, `ReleaseLoader(root_digest=...)`, recorded in a PR or a ticket).
"""

from __future__ import annotations

from typing import Any

from releasebuild.keys import merkle_root, merkle_tree

FORMAT_VERSION = 2
READABLE_FORMATS = (1, 2)
FIELD_DEPTH = 3  # e.g. signoffs.reviews.clinician_qa, artifacts["data/train/alpha-00000.jsonl"].sha256
FIELD_DIGEST_HEX = 16
# Fields that state the proof rather than being proven by it.
PROOF_FIELDS = ("root_digest", "field_digests")


def body(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest without its proof fields: what the root digest covers."""
    return {name: value for name, value in manifest.items() if name not in PROOF_FIELDS}


def seal(document: dict[str, Any]) -> dict[str, Any]:
    """The manifest body with its proof: `root_digest` and `field_digests`."""
    tree = merkle_tree(document, FIELD_DEPTH)
    return {**document, "root_digest": f"sha256:{tree['']}",
            "field_digests": {path: node[:FIELD_DIGEST_HEX] for path, node in sorted(tree.items()) if path}}


def root_digest(manifest: dict[str, Any]) -> str:
    """The root digest the manifest's content gives, by the rules of its own format version."""
    if manifest.get("format_version") == 1:
        return merkle_root(manifest.get("artifacts", []))
    return f"sha256:{merkle_tree(body(manifest), FIELD_DEPTH)['']}"


def format_problem(manifest: dict[str, Any]) -> str | None:
    """Why this reader cannot check the manifest's proof (a format it does not know), or None."""
    found = manifest.get("format_version")
    if found in READABLE_FORMATS and not isinstance(found, bool):  # True == 1 in Python, not in JSON
        return None
    readable = " and ".join(str(version) for version in READABLE_FORMATS)
    if isinstance(found, int) and not isinstance(found, bool) and found > FORMAT_VERSION:
        return (f"format_version {found} is newer than this releasebuild reads ({readable}): "
                "upgrade releasebuild to check it")
    return (f"format_version {found!r} is too old or not a manifest format: this releasebuild reads formats "
            f"{readable}; rebuild the release with a current releasebuild")


def edits(manifest: dict[str, Any]) -> list[str]:
    """What was changed in the manifest since it was sealed, one line per edited field, then the root digest;
    empty when it is as published. Format 1 can only show an edited artifact list (see `root_digest`)."""
    problems = []
    if manifest.get("format_version") != 1:
        problems = _edited_fields(manifest)
    actual = root_digest(manifest)
    if actual != manifest.get("root_digest"):
        covers = "its artifacts" if manifest.get("format_version") == 1 else "its fields and artifacts"
        problems.append(f"root_digest mismatch: {covers} give {actual}, the manifest says "
                        f"{manifest.get('root_digest')}")
    return problems


def _edited_fields(manifest: dict[str, Any]) -> list[str]:
    """The fields whose digest is not the recorded one: the deepest such field under an edit, an added or removed
    field itself (not what it holds)."""
    recorded = manifest.get("field_digests")
    if not isinstance(recorded, dict):
        return ["field_digests is missing or not an object: the edited field cannot be named"]
    actual = {path: node[:FIELD_DIGEST_HEX]
              for path, node in merkle_tree(body(manifest), FIELD_DEPTH).items() if path}
    differing = {path for path in actual.keys() | recorded.keys() if actual.get(path) != recorded.get(path)}
    one_sided = {path for path in differing if path not in actual or path not in recorded}
    problems = []
    for path in sorted(differing):
        if any(_is_under(path, other) for other in one_sided):
            continue  # inside a field that was added or removed as a whole: that field is named
        if path not in recorded:
            problems.append(f"field {path} was added after publishing")
        elif path not in actual:
            problems.append(f"field {path} was removed after publishing")
        elif not any(_is_under(other, path) for other in differing):
            problems.append(f"field {path} was edited after publishing (it no longer gives its recorded digest)")
    return problems


def _is_under(path: str, ancestor: str) -> bool:
    return path.startswith((f"{ancestor}.", f"{ancestor}["))
