"""S3 settings: the standard AWS chain, plus the OVH_S3_* variables the dataset teams already use.

Precedence: an OVH_S3_* variable wins over the matching AWS setting; anything unset is left to botocore's own
chain (AWS_* environment, ~/.aws files, instance roles). `DATASET_STORAGE_BACKEND=s3` with `OVH_S3_BUCKET` turns
a relative `root:` in release.yaml into a prefix of that bucket, so one release.yaml runs locally and on S3.
Secret values never leave this module; releasebuild/redaction.py scrubs them from any text releasebuild shows.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from releasebuild.errors import StorageError

BACKEND_ENV = "DATASET_STORAGE_BACKEND"
BACKENDS = ("local", "s3")
BUCKET_ENV = "OVH_S3_BUCKET"
ENDPOINT_ENV = "OVH_S3_ENDPOINT"
REGION_ENV = "OVH_S3_REGION"
ACCESS_KEY_ENV = "OVH_S3_ACCESS_KEY"
SECRET_KEY_ENV = "OVH_S3_SECRET_KEY"
# Transient errors (5xx, throttling, resets) are retried by botocore with backoff (s3fs retries on top).
RETRY_ATTEMPTS = 8


@dataclass(frozen=True)
class S3Settings:
    endpoint_url: str | None = None
    region: str | None = None
    bucket: str | None = None
    key: str | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> S3Settings:
        env = os.environ if environ is None else environ
        return cls(endpoint_url=env.get(ENDPOINT_ENV) or None, region=env.get(REGION_ENV) or None,
                   bucket=env.get(BUCKET_ENV) or None, key=env.get(ACCESS_KEY_ENV) or None,
                   secret=env.get(SECRET_KEY_ENV) or None)

    def storage_options(self) -> dict[str, Any]:
        """Keyword arguments for s3fs.S3FileSystem."""
        client: dict[str, Any] = {}
        if self.endpoint_url:
            client["endpoint_url"] = self.endpoint_url
        if self.region:
            client["region_name"] = self.region
        config: dict[str, Any] = {"connect_timeout": 10, "read_timeout": 60}
        if not os.environ.get("AWS_MAX_ATTEMPTS"):  # botocore's own variable wins when it is set
            config["retries"] = {"max_attempts": RETRY_ATTEMPTS, "mode": "adaptive"}
        options: dict[str, Any] = {
            "client_kwargs": client,
            "config_kwargs": config,
            # A build tool lists to decide what changed: a listing cached from before a write would lie.
            "use_listings_cache": False,
            "skip_instance_cache": True,
        }
        if self.key and self.secret:
            options["key"], options["secret"] = self.key, self.secret
        return options

    def describe(self) -> str:
        """Where requests go, for error messages (never the credentials)."""
        return self.endpoint_url or "the AWS default endpoint"


def backend(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    value = (env.get(BACKEND_ENV) or "local").strip().lower()
    if value not in BACKENDS:
        raise StorageError(f"{BACKEND_ENV}={value!r} is not a storage backend (expected one of: {', '.join(BACKENDS)})")
    return value
