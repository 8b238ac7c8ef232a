"""The private files' storage from the environment: a local folder by default, S3 through
django-storages when AWS_STORAGE_BUCKET_NAME is set (docs/scaling.md). The scale-out test
(billing/tests/test_scale_out.py) stores and reads real objects on moto's S3 server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings as django_settings

SCRIPT = (
    "import json, django; from django.conf import settings; django.setup();"
    "from django.core.files.storage import storages;"
    "print(json.dumps({'backend': settings.STORAGES['default']['BACKEND'],"
    " 'class': type(storages['default']).__name__,"
    " 'options': {k: v for k, v in settings.STORAGES['default']['OPTIONS'].items()"
    " if k != 'location'}}))"
)


def storage_settings(environment: dict[str, str]) -> dict:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=django_settings.BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_files_stay_in_a_local_folder_without_a_bucket():
    found = storage_settings({})
    assert found["class"] == "FileSystemStorage"
    assert found["options"] == {"base_url": None}


def test_a_bucket_sends_the_files_to_private_s3_objects():
    found = storage_settings(
        {
            "AWS_STORAGE_BUCKET_NAME": "creneau-fichiers",
            "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
            "AWS_S3_REGION_NAME": "eu-west-3",
        }
    )
    assert found["class"] == "S3Storage"
    assert found["options"] == {
        "bucket_name": "creneau-fichiers",
        "endpoint_url": "http://127.0.0.1:9000",
        "region_name": "eu-west-3",
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }
