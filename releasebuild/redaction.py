"""The one function that scrubs secrets from whatever releasebuild shows or writes: errors (ReleaseBuildError's
text), the CLI's stdout and stderr (logs, progress and --json alike), and the names under which sources are
recorded in keys, reports and the manifest.

Three kinds of secret: credentials inside a URI (`s3://KEY:SECRET@bucket/…`, `https://user:token@host/…`: the whole
user part goes), the values of the variables holding S3 credentials, and the values of the variables a rule passes
through to its command (`env:` in a rule; registered with `hide_variables` when the rule's step is made, as a
token usually passes that way). A leaf module: errors.py imports it, so it imports nothing of the package.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

# Everything whose value must never be shown (the access key id too: it names the account).
SECRET_ENVS = ("OVH_S3_ACCESS_KEY", "OVH_S3_SECRET_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
               "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
# scheme://user@ or scheme://user:password@ (a password may hold "/", which S3 secret keys do; a user may not,
# so `s3://bucket/key@version` is a path, not credentials)
URI_CREDENTIALS = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?:[^\s/@:'\"<>]+|[^\s/@:'\"<>]*:[^\s@'\"<>]*)@")
SHORTEST = 4  # a shorter value would scrub noise (and says little of a secret)
MASK = "***"

_hidden: set[str] = set()  # variable names whose values are secrets: the rules' pass-through variables


def hide_variables(names: Iterable[str]) -> None:
    """Treat these variables' values as secrets from now on, in this process (and the workers it forks)."""
    _hidden.update(names)


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    env = os.environ if environ is None else environ
    names = (*SECRET_ENVS, *sorted(_hidden))
    # Longest first, so a secret containing another is scrubbed whole.
    return sorted({env[name] for name in names if len(env.get(name) or "") >= SHORTEST}, key=len, reverse=True)


def redact_uri(text: str) -> str:
    """Credentials inside URIs only: what a source's recorded name keeps of its URI."""
    return URI_CREDENTIALS.sub(rf"\g<scheme>{MASK}@", text)


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    """The text with every secret above replaced by ***."""
    text = redact_uri(text)
    for value in secret_values(environ):
        text = text.replace(value, MASK)
    return text
