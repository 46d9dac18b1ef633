from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from releasebuild.testing import LocalS3Server, ReleaseFixture, conversation, make_release, parse_access_line


@pytest.fixture
def small_release(tmp_path: Path) -> ReleaseFixture:
    """Two families of a dozen conversations each, sharing session groups, plus one malformed line."""
    alpha = [conversation(f"a{i:02d}", f"sa{i // 3}", turns=2 + i % 3) for i in range(12)]
    beta = [conversation(f"b{i:02d}", f"sb{i // 2}", topic="grief") for i in range(12)] + ["{not json"]
    return make_release(tmp_path / "rel", {"alpha": alpha, "beta": beta})


# --- S3: a real S3-compatible server (moto's server mode) on loopback, reached over HTTP by boto3/s3fs ---

S3_ACCESS_KEY = "AKIATESTACCESSKEY0001"
S3_SECRET_KEY = "s3cr3t-Never-Print-This-0123456789"
S3_BUCKET = "pixel-data"


@dataclass
class S3Server:
    endpoint: str
    requests: list[str]  # werkzeug's access-log lines, e.g. '"GET /pixel-data/key HTTP/1.1" 200 -'

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=S3_ACCESS_KEY,
                            aws_secret_access_key=S3_SECRET_KEY, region_name="us-east-1")

    def object_gets(self) -> list[str]:
        """Paths of GETs that downloaded an object body (listings are GETs of the bucket with a query)."""
        gets = [parse_access_line(line) for line in self.requests]
        return [f"/{S3_BUCKET}/{r.key}" for r in gets  # a 404 sends no body
                if r and r.method == "GET" and r.key and "list-type" not in r.query and r.status in (200, 206)]

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=S3_BUCKET, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


@pytest.fixture(scope="session")
def moto_server() -> Iterator[S3Server]:
    server = LocalS3Server()
    yield S3Server(server.endpoint, server.log)
    server.stop()


@pytest.fixture
def s3_server(moto_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> S3Server:
    """A reset server with one bucket, and the environment the dataset teams use pointing at it."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_server.endpoint}/moto-api/reset", method="POST")).close()
    for name in [n for n in os.environ if n.startswith(("AWS_", "OVH_S3_"))] + ["DATASET_STORAGE_BACKEND"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")  # nothing from this machine's ~/.aws
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("OVH_S3_ENDPOINT", moto_server.endpoint)
    monkeypatch.setenv("OVH_S3_REGION", "us-east-1")
    monkeypatch.setenv("OVH_S3_ACCESS_KEY", S3_ACCESS_KEY)
    monkeypatch.setenv("OVH_S3_SECRET_KEY", S3_SECRET_KEY)
    moto_server.client().create_bucket(Bucket=S3_BUCKET)
    moto_server.requests.clear()
    yield moto_server
