"""SSH signatures on sign-off records: who decided, proven by a key the project trusts for that review.

A record's `id` digests its content, which catches an edit but proves nothing: anyone can compute it (and an
error message used to print it). So a reviewer signs the record with an SSH key, the mechanism git uses for
SSH-signed commits, and OpenSSH itself verifies it (`ssh-keygen -Y sign` / `-Y verify`, run without a shell):

- **What is signed** is `SignoffRecord.signed_payload()`: every field of the record but `id` (derived) and the
  signature itself, canonical JSON after a header naming the format. Editing a digest, the decision, a rubric item,
  the version or the reviewer breaks the signature; pasting an id does not mend it.
- **Who may sign what** is `allowed_signers` beside the signoff gate's file, OpenSSH's own format. A principal is
  `<reviewer id>/<review>`, matched by OpenSSH's patterns, so `dr-okafor/clinician_qa,dr-okafor/bias_*` or
  `dr-okafor/*` say which reviews a key may sign; `namespaces="releasebuild-signoff"` and `valid-after` /
  `valid-before` are OpenSSH's options. The signature is verified for the principal the record names, in the
  namespace `releasebuild-signoff`, at the record's `recorded_at` (as git verifies a commit at its commit time), so a
  key that expires later does not void what it signed while valid, and the verdict stays a function of the files.
- **Revoked keys** are listed one public key per line (or as an OpenSSH KRL) in `revoked_signers` beside it; a key
  there fails whenever it signed.
- **The demo key** (`demo_signoff_key` in this package: its private half is public on purpose) signs the demo's
  records (`releasebuild signoff demo`, reviewer ids `demo-*`). It is trusted for `demo-*/*` on an unprotected root
  without a line in allowed_signers, and never on a protected root, which refuses any record it signed.

What this does not prove: that the person holding the key read the sample (a stolen key signs as well as its owner,
until it is revoked), nor the time in `recorded_at`, which the signer writes (a key holder can date a record inside
the key's validity; revocation, not expiry, is what stops a compromised key).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import re
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from releasebuild.errors import ReleaseBuildError
from releasebuild.review.record import SignoffRecord

NAMESPACE = "releasebuild-signoff"
ALLOWED_SIGNERS = "allowed_signers"  # beside the signoff gate's file
REVOKED_SIGNERS = "revoked_signers"
DEMO_KEY = Path(__file__).with_name("demo_signoff_key")  # DEMO ONLY: its private half is in the repository
DEMO_PRINCIPALS = "demo-*/*"  # what the demo key may sign: demo reviewers' records, of any review
_ARMOR = re.compile(r"-----BEGIN SSH SIGNATURE-----\s*(.*?)\s*-----END SSH SIGNATURE-----", re.S)
_ENTRY = re.compile(r"^(\S+)\s+(?:(\S+)\s+)?((?:ssh|ecdsa|sk|rsa)-\S+)\s+(\S+)")

SignatureState = Literal["verified", "unsigned", "unreadable", "wrong_namespace", "forged", "revoked", "expired",
                         "not_allowed"]


@dataclass(frozen=True)
class Trust:
    """Which keys may sign which reviews: allowed_signers and revoked_signers as text ("" when absent), and whether
    the built-in demo key counts for demo reviewers (on an unprotected root only)."""

    allowed: str
    revoked: str
    demo: bool

    def allowed_text(self) -> str:
        """allowed_signers as OpenSSH reads it here: the project's lines, and the demo key's where it counts."""
        demo_line = signer_line(DEMO_PRINCIPALS, demo_public_key()) if self.demo else ""
        return f"{self.allowed.rstrip()}\n{demo_line}\n"


@dataclass(frozen=True)
class SignatureCheck:
    """What verifying one record's signature found: `key` is the signing key's fingerprint (None: no signature, or
    one that cannot be read), `principal` what the record claims to be (`<reviewer>/<review>`), `why` a sentence."""

    state: SignatureState
    key: str | None
    principal: str
    why: str

    @property
    def verified(self) -> bool:
        return self.state == "verified"


def principal(reviewer: str, review: str) -> str:
    """The allowed_signers principal a record of `review` by `reviewer` is verified as."""
    return f"{reviewer}/{review}"


def signer_line(principals: str, public_key: str) -> str:
    """An allowed_signers line letting `public_key` ("<type> <base64> [comment]") sign as `principals`."""
    return f'{principals} namespaces="{NAMESPACE}" {public_key.strip()}'


def demo_public_key() -> str:
    return DEMO_KEY.with_suffix(".pub").read_text(encoding="utf-8").strip()


def demo_fingerprint() -> str:
    return key_fingerprint(demo_public_key())


def key_fingerprint(public_key: str) -> str:
    """OpenSSH's SHA256 fingerprint of a public key line ("<type> <base64> [comment]")."""
    return _fingerprint(base64.b64decode(public_key.split()[1]))


def sign(payload: bytes, key: Path) -> str:
    """An armored SSH signature of `payload` in the sign-off namespace by `key` (a private key file, or a public one
    whose private half ssh-agent holds; OpenSSH asks for a passphrase itself)."""
    if not key.is_file():
        raise ReleaseBuildError(f"no key file {key}: give the private key you sign sign-offs with (--key)")
    done = _ssh_keygen(["-Y", "sign", "-f", str(key), "-n", NAMESPACE], payload)
    if done.returncode != 0:
        raise ReleaseBuildError(f"ssh-keygen could not sign with {key}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode("ascii")


def sign_as_demo(payload: bytes) -> str:
    """A signature by the demo key. OpenSSH refuses a private key others may read, and git keeps no file mode, so
    the committed key is copied to a private file first."""
    with tempfile.TemporaryDirectory(prefix="releasebuild-demo-key-") as directory:
        key = Path(directory) / "key"
        key.write_bytes(DEMO_KEY.read_bytes())
        key.chmod(0o600)
        return sign(payload, key)


def verify(payload: bytes, signature: str | None, claimed: str, at: dt.datetime, trust: Trust) -> SignatureCheck:
    """Whether `signature` is a good signature of `payload` in the sign-off namespace, by a key `trust` allows to
    sign as `claimed` at time `at` and has not revoked. OpenSSH decides; when it says no, the reason is worked out
    step by step (content, revocation, listing, validity), naming the key's fingerprint."""
    if not signature:
        return SignatureCheck("unsigned", None, claimed, "the record is not signed, so no key vouches for it")
    try:
        public, namespace = _signature_key(signature)
    except ValueError as exc:
        return SignatureCheck("unreadable", None, claimed, f"the signature cannot be read as an SSH signature ({exc})")
    key = _fingerprint(public)
    if namespace != NAMESPACE:
        return SignatureCheck("wrong_namespace", key, claimed, f"key {key} signed in namespace '{namespace}', not "
                              f"'{NAMESPACE}': a signature made for something else")
    with tempfile.TemporaryDirectory(prefix="releasebuild-verify-") as directory:
        files = _write_files(Path(directory), signature, trust)
        command = ["-Y", "verify", "-f", files["allowed"], "-I", claimed, "-n", NAMESPACE, "-s", files["signature"],
                   "-O", f"verify-time={at.astimezone(dt.UTC):%Y%m%d%H%M%SZ}"]
        if "revoked" in files:
            command += ["-r", files["revoked"]]
        if _ssh_keygen(command, payload).returncode == 0:
            return SignatureCheck("verified", key, claimed, f"signed by key {key}, allowed to sign as {claimed}")
        check = ["-Y", "check-novalidate", "-n", NAMESPACE, "-s", files["signature"]]
        if _ssh_keygen(check, payload).returncode != 0:
            return SignatureCheck("forged", key, claimed, f"the signature by key {key} does not match the record's "
                                  "content: it was edited after it was signed, or the signature is another record's")
    return _refusal(public, key, claimed, at, trust)


def verify_record(record: SignoffRecord, trust: Trust) -> SignatureCheck:
    """A record's signature, checked for the principal it claims (`<reviewer>/<review>`) at the time it was
    recorded: what the sign-off gate, `status`, `signoff record` and `verify` (against a published release's own
    allowed_signers) all ask."""
    return verify(record.signed_payload(), record.signature, principal(record.reviewer.id, record.review),
                  record.recorded_at, trust)


def _refusal(public: bytes, key: str, claimed: str, at: dt.datetime, trust: Trust) -> SignatureCheck:
    """Why a signature that matches the content was still refused: revoked, not listed for `claimed`, or outside its
    validity (in that order). Only words: OpenSSH has already said no."""
    if any(_line_key(line) == public for line in trust.revoked.splitlines()):
        return SignatureCheck("revoked", key, claimed, f"key {key} is revoked ({REVOKED_SIGNERS})")
    entries = [entry for entry in _entries(trust.allowed_text()) if entry[2] == public]
    if not entries:
        return SignatureCheck("not_allowed", key, claimed, f"key {key} is not in {ALLOWED_SIGNERS}")
    mine = [entry for entry in entries if _principal_matches(claimed, entry[0])]
    if not mine:
        listed = ", ".join(entry[0] for entry in entries)
        return SignatureCheck("not_allowed", key, claimed, f"key {key} may not sign as {claimed} ({ALLOWED_SIGNERS} "
                              f"lets it sign as {listed})")
    if any("valid-before" in entry[1] or "valid-after" in entry[1] for entry in mine):
        return SignatureCheck("expired", key, claimed, f"key {key} was not valid at the record's recorded_at "
                              f"({at.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ}; valid-after/valid-before in "
                              f"{ALLOWED_SIGNERS})")
    return SignatureCheck("not_allowed", key, claimed, f"{ALLOWED_SIGNERS} does not let key {key} sign as {claimed} "
                          f"in namespace {NAMESPACE}")


def _ssh_keygen(arguments: list[str], payload: bytes) -> subprocess.CompletedProcess[bytes]:
    """Run OpenSSH's ssh-keygen (no shell) with `payload` on stdin. Without it nothing can be verified, which is an
    error, never a pass."""
    program = shutil.which("ssh-keygen")
    if program is None:
        raise ReleaseBuildError("ssh-keygen (OpenSSH 8.2 or later) is not on PATH: sign-offs are signed and verified "
                                "with it, and without it no review can count as approved")
    return subprocess.run([program, *arguments], input=payload, capture_output=True, check=False, timeout=120)


def _write_files(directory: Path, signature: str, trust: Trust) -> dict[str, str]:
    files = {"signature": directory / "record.sig", "allowed": directory / ALLOWED_SIGNERS}
    files["signature"].write_text(signature, encoding="ascii")
    files["allowed"].write_text(trust.allowed_text(), encoding="utf-8")
    if trust.revoked.strip():
        files["revoked"] = directory / REVOKED_SIGNERS
        files["revoked"].write_text(trust.revoked, encoding="utf-8")
    return {name: os.fspath(path) for name, path in files.items()}


def _signature_key(signature: str) -> tuple[bytes, str]:
    """The signing public key (its wire blob) and the namespace, read from an armored SSH signature (OpenSSH's
    PROTOCOL.sshsig: "SSHSIG", version, public key, namespace, ...)."""
    match = _ARMOR.search(signature)
    if match is None:
        raise ValueError("no BEGIN/END SSH SIGNATURE block")
    blob = base64.b64decode("".join(match.group(1).split()), validate=True)
    if not blob.startswith(b"SSHSIG"):
        raise ValueError("not an SSHSIG blob")
    offset = len(b"SSHSIG") + 4  # the magic, then the version
    public, offset = _string(blob, offset)
    namespace, _ = _string(blob, offset)
    return public, namespace.decode("utf-8", errors="replace")


def _string(blob: bytes, offset: int) -> tuple[bytes, int]:
    if offset + 4 > len(blob):
        raise ValueError("truncated")
    (length,) = struct.unpack(">I", blob[offset:offset + 4])
    end = offset + 4 + length
    if end > len(blob):
        raise ValueError("truncated")
    return blob[offset + 4:end], end


def _fingerprint(public: bytes) -> str:
    return "SHA256:" + base64.b64encode(hashlib.sha256(public).digest()).decode("ascii").rstrip("=")


def _entries(text: str) -> list[tuple[str, str, bytes]]:
    """allowed_signers lines as (principals, options, key blob); lines this reading does not follow are left out
    (they only word a refusal: OpenSSH reads the file itself)."""
    found = []
    for line in text.splitlines():
        match = _ENTRY.match(line.strip())
        if match and not line.lstrip().startswith("#"):
            try:
                found.append((match.group(1), match.group(2) or "", base64.b64decode(match.group(4), validate=True)))
            except ValueError:
                continue
    return found


def _line_key(line: str) -> bytes | None:
    """The key blob of a revoked_signers line ("<type> <base64> [comment]"), None for anything else."""
    fields = line.split()
    if len(fields) < 2 or line.lstrip().startswith("#"):
        return None
    try:
        return base64.b64decode(fields[1], validate=True)
    except ValueError:
        return None


def _principal_matches(claimed: str, patterns: str) -> bool:
    """OpenSSH's pattern-list match (`*`, `?`, a leading `!` negates and wins), for wording a refusal."""
    matched = False
    for pattern in patterns.split(","):
        negated = pattern.startswith("!")
        body = pattern[1:] if negated else pattern
        regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in body)
        if re.fullmatch(regex, claimed):
            if negated:
                return False
            matched = True
    return matched
