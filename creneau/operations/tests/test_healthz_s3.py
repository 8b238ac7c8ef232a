"""/healthz on S3-compatible storage (moto's S3 server on the loopback, as the scale-out
test uses in place of MinIO): the probe object is written, read and deleted in the bucket;
a missing bucket answers 503 naming the storage."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from django.test import Client
from django.utils import timezone

from creneau.operations.services import worker_heartbeat_record

# Starting moto's server takes a while on a busy machine.
pytestmark = pytest.mark.slow

BUCKET = "creneau-healthz"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = subprocess.Popen(
        [Path(sys.executable).parent / "moto_server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(120):  # until it listens; no time asserted
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def s3_storage(s3_endpoint, settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "creneau")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "creneau-secret")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)

    def use(bucket: str) -> None:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": bucket,
                    "endpoint_url": s3_endpoint,
                    "region_name": "us-east-1",
                    "default_acl": "private",
                    "querystring_auth": True,
                    "file_overwrite": False,
                },
            },
        }

    use(BUCKET)
    return client, use


@pytest.mark.django_db
def test_s3_storage_ok_and_the_probe_leaves_nothing(s3_storage):
    client, _use = s3_storage
    worker_heartbeat_record(worker_id="w", hostname="h", pid=1, started_at=timezone.now())
    response = Client().get("/healthz")
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["checks"]["storage"] == {"status": "ok"}
    assert client.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0


@pytest.mark.django_db
def test_a_missing_bucket_answers_503(s3_storage):
    _client, use = s3_storage
    use("no-such-bucket")
    worker_heartbeat_record(worker_id="w", hostname="h", pid=1, started_at=timezone.now())
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["storage"] == {
        "status": "error",
        "error": "NoSuchBucket",
    }
