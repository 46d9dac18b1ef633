"""Source fingerprints: cheap metadata first (size + mtime / ETag / version id), content hash only on change.

An object on S3 is fingerprinted by its ETag from the listing, so it is never downloaded to be fingerprinted
(on a clean machine too). Other files get a content hash, cached in `<cache>/fingerprints.json` by size and
mtime; deleting that file costs one re-hash of every such source.
"""

from __future__ import annotations

import fnmatch
import json
import os
from pathlib import Path
from typing import Any

from releasebuild.config.models import RULE_SOURCE, split_rule_ref
from releasebuild.errors import SourceError
from releasebuild.keys import file_digest
from releasebuild.redaction import redact_uri
from releasebuild.steps.base import FileRef, SourceFile, StepResult, StepSpec
from releasebuild.steps.rule import rule_step_id
from releasebuild.store.backends import FileInfo, Store, is_local, write_atomic
from releasebuild.store.cas import ContentStore


class FingerprintCache:
    """Content digests of source files, kept while their listing metadata (size, mtime or ETag) is unchanged."""

    def __init__(self, path: Path, store: Store):
        self._path = path
        self.store = store  # where the sources are listed and read
        try:
            self._entries: dict[str, Any] = json.loads(path.read_bytes())
        except (FileNotFoundError, ValueError):
            self._entries = {}
        self._dirty = False
        self.hashed: list[str] = []  # URIs whose content was read this run (tests assert on it)

    def digest(self, info: FileInfo) -> str:
        if info.etag is not None:  # the object store's own content identity: nothing to read, nothing to cache
            return f"etag:{info.etag}"
        entry = self._entries.get(info.uri)
        if entry and entry["size"] == info.size and entry["token"] == info.token:
            known: str = entry["digest"]
            return known
        with self.store.open(info.uri) as fh:
            value = file_digest(fh)
        self.hashed.append(info.uri)
        self._entries[info.uri] = {"size": info.size, "token": info.token, "digest": value}
        self._dirty = True
        return value

    def save(self) -> None:
        if self._dirty:
            write_atomic(self._path, json.dumps(self._entries, sort_keys=True).encode("utf-8"))
            self._dirty = False


def source_files(spec: StepSpec, cache: FingerprintCache, results: dict[str, StepResult] | None = None,
                 cas: ContentStore | None = None) -> list[SourceFile]:
    """Expand a step's source patterns into named, fingerprinted files; a pattern matching nothing is an error.
    A `rule:` pattern names outputs of a rule in `results` (files of the content store, by their SHA-256); without
    `results` such patterns are left out (a rule's outputs are known once it has run)."""
    files: dict[str, SourceFile] = {}
    for declared, infos in source_matches(spec, cache.store):
        if not infos:
            raise SourceError(f"{_owner(spec)}: source '{declared}' matches no file")
        for info in infos:
            name = _stable_name(info.uri, Path(spec.source_dir))
            files[name] = SourceFile(name, info.uri, cache.digest(info), info.size)
    if results is not None:
        assert cas is not None
        unbuilt = unbuilt_rule_sources(spec, results)
        if unbuilt:  # the engine evaluates a step after its deps: a bug, not a user's mistake
            raise SourceError(f"{_owner(spec)}: {', '.join(unbuilt)} read before the rule was built")
        for declared, rule, outputs in rule_matches(spec, results):
            if not outputs:
                raise SourceError(f"{_owner(spec)}: source '{declared}' matches none of rule '{rule}''s outputs")
            for output, ref in outputs:
                name = f"{RULE_SOURCE}{rule}/{output}"
                files[name] = SourceFile(name, str(cas.path(ref.sha256)), f"sha256:{ref.sha256}", ref.bytes)
    return [files[name] for name in sorted(files)]


def unbuilt_rule_sources(spec: StepSpec, results: dict[str, StepResult]) -> list[str]:
    """The step's `rule:` patterns whose rule has no result in `results`."""
    return [declared for declared in spec.sources if (parts := split_rule_ref(declared))
            and rule_step_id(parts[0]) not in results]


def fetch_rule_outputs(sources: list[SourceFile], cas: ContentStore) -> None:
    """Make the rule outputs among `sources` local files, checked against their digests (they are content-store
    blobs, maybe only in the shared tier): done just before a step reads them, so a step that stays cached never
    downloads or hashes one."""
    for source in sources:
        if source.name.startswith(RULE_SOURCE):
            cas.local(source.digest.removeprefix("sha256:"))  # fetched, or checked where it is


def _owner(spec: StepSpec) -> str:
    return f"family '{spec.family}'" if spec.family else f"step {spec.id}"


def source_matches(spec: StepSpec, store: Store) -> list[tuple[str, list[FileInfo]]]:
    """Each declared source pattern with the files it matches (listing metadata only, no content read); `rule:`
    patterns are not files (see rule_matches)."""
    base_dir = Path(spec.source_dir)
    return [(declared, store.expand(declared if not is_local(declared) or os.path.isabs(declared)
                              else str(base_dir / declared)))
            for declared in spec.sources if split_rule_ref(declared) is None]


def rule_matches(spec: StepSpec, results: dict[str, StepResult]
                 ) -> list[tuple[str, str, list[tuple[str, FileRef]]]]:
    """Each `rule:` pattern whose rule has a result in `results`: (pattern, rule, [(output, file)])."""
    found = []
    for declared in spec.sources:
        parts = split_rule_ref(declared)
        if parts is None or rule_step_id(parts[0]) not in results:
            continue
        rule, pattern = parts
        files = results[rule_step_id(rule)].files
        found.append((declared, rule, [(output, files[output]) for output in sorted(files)
                                       if not pattern or fnmatch.fnmatchcase(output, pattern)]))
    return found


def source_evidence(spec: StepSpec, results: dict[str, StepResult], store: Store
                    ) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """What a family's sources match now, for the coverage matrix: ([{name, bytes}], patterns matching nothing,
    `rule:` patterns whose rule has no result yet)."""
    found: dict[str, int] = {}
    unmatched = []
    for declared, infos in source_matches(spec, store):
        if not infos:
            unmatched.append(declared)
        for info in infos:
            found[_stable_name(info.uri, Path(spec.source_dir))] = info.size
    for declared, rule, outputs in rule_matches(spec, results):
        if not outputs:
            unmatched.append(declared)
        for output, ref in outputs:
            found[f"{RULE_SOURCE}{rule}/{output}"] = ref.bytes
    pending = unbuilt_rule_sources(spec, results)
    return [{"name": name, "bytes": size} for name, size in sorted(found.items())], unmatched, pending


def _stable_name(uri: str, base_dir: Path) -> str:
    """Relative to the family YAML for local files, so keys and provenance do not depend on the checkout path; a
    URI without the credentials it may carry (`s3://KEY:SECRET@bucket/…`), which then reach no key or report."""
    if "://" in uri and not uri.startswith("file://"):
        return redact_uri(uri)
    # abspath, not resolve(): a symlinked data directory must keep the name it was declared under.
    return Path(os.path.relpath(os.path.abspath(uri.removeprefix("file://")), os.path.abspath(base_dir))).as_posix()
