"""Backup and restore, end to end: the demo is loaded into a database and a storage folder
of its own, backed up, and restored into a new database and a new folder, each step a
real `manage.py` process, as an operator runs it. The restored instance must have the same
customers, balances, row counts and byte-identical files, and a sound journal.

On SQLite always; on PostgreSQL when the tests run on it (the source and target databases
are created beside the test database and dropped at the end)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

BASE_DIR = Path(settings.BASE_DIR)


class Instance:
    """A Créneau instance: a database URL and a storage folder, driven through manage.py."""

    def __init__(self, url: str, folder: Path, **environment: str):
        self.url = url
        self.files = folder / "private"
        self.environment = {
            **{key: value for key, value in os.environ.items() if not key.startswith("AWS_")},
            "DATABASE_URL": url,
            "PRIVATE_FILES_ROOT": str(self.files),
            "CRENEAU_VAR_DIR": str(folder / "var"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **environment,
        }

    def manage(self, *arguments: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=BASE_DIR,
            env=self.environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if check and done.returncode:
            raise AssertionError(f"manage.py {' '.join(arguments)}:\n{done.stdout}\n{done.stderr}")
        return done

    def snapshot(self) -> dict:
        code = "from creneau.core.tests.backup_snapshot import main; main()"
        return json.loads(self.manage("shell", "-v", "0", "-c", code).stdout)

    def stored_files(self) -> dict[str, bytes]:
        if not self.files.exists():
            return {}
        found = self.files.rglob("*")
        return {
            str(path.relative_to(self.files)): path.read_bytes() for path in found if path.is_file()
        }


def _demo(instance: Instance) -> Instance:
    instance.manage("migrate", "--no-input", "-v", "0")
    instance.manage("demo")
    return instance


@pytest.fixture(scope="module")
def sqlite_demo(tmp_path_factory) -> Instance:
    folder = tmp_path_factory.mktemp("source")
    return _demo(Instance(f"sqlite:///{folder / 'source.sqlite3'}", folder))


@pytest.fixture(scope="module")
def sqlite_archive(sqlite_demo, tmp_path_factory) -> Path:
    archive = tmp_path_factory.mktemp("archive") / "creneau.tar.gz"
    done = sqlite_demo.manage("backup", "--output", str(archive))
    assert "base portable" in done.stdout
    return archive


def _sqlite_instance(folder: Path) -> Instance:
    return Instance(f"sqlite:///{folder / 'restored.sqlite3'}", folder)


def _assert_same(source: Instance, restored: Instance) -> None:
    before, after = source.snapshot(), restored.snapshot()
    assert len(before["customers"]) >= 200
    assert after["customers"] == before["customers"]
    assert after["balances"] == before["balances"]
    assert after["counts"] == before["counts"]
    assert after["files"] == before["files"]
    assert any(name.endswith(".pdf") for name in after["files"])
    assert restored.stored_files() == source.stored_files()
    journal = restored.manage("verify_journal")
    assert "Journal intègre" in journal.stdout


def test_round_trip_on_sqlite_keeps_customers_balances_and_files(
    sqlite_demo, sqlite_archive, tmp_path
):
    restored = _sqlite_instance(tmp_path)
    done = restored.manage("restore", str(sqlite_archive))
    assert "sha256 conformes" in done.stdout
    _assert_same(sqlite_demo, restored)

    again = restored.manage("restore", str(sqlite_archive), check=False)
    assert again.returncode == 1
    assert "La base de données n'est pas vide" in again.stderr


def test_archive_has_a_manifest_with_every_members_sum(sqlite_archive):
    with tarfile.open(sqlite_archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names[-1] == "manifest.json"
    assert manifest["format"] == "creneau-backup" and manifest["format_version"] == 1
    assert manifest["database"]["vendor"] == "sqlite"
    assert "0001_initial" in manifest["migrations"]["customers"]
    assert {member["name"] for member in manifest["members"]} == set(names) - {"manifest.json"}
    assert all(len(member["sha256"]) == 64 for member in manifest["members"])
    assert "database/customers_customer.jsonl" in names
    assert any(name.startswith("files/documents/") for name in names)


def _tampered_copy(archive: Path, target: Path, prefix: str) -> str:
    """The archive with one byte changed in the first member under prefix (same size)."""
    changed = ""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if not changed and member.name.startswith(prefix) and len(data) > 100:
                data = data[:90] + bytes([data[90] ^ 1]) + data[91:]
                changed = member.name
            copy.addfile(member, io.BytesIO(data))
    return changed


@pytest.mark.parametrize("prefix", ["files/documents/", "database/billing_invoice"])
def test_tampered_archive_is_refused_and_nothing_changes(sqlite_archive, tmp_path, prefix):
    tampered = tmp_path / "tampered.tar.gz"
    member = _tampered_copy(sqlite_archive, tampered, prefix)
    restored = _sqlite_instance(tmp_path)

    done = restored.manage("restore", str(tampered), check=False)

    assert done.returncode == 1
    assert f"« {member} » a été modifié" in done.stderr
    assert not (tmp_path / "restored.sqlite3").exists() or _tables(tmp_path) == []
    assert restored.stored_files() == {}


def _tables(folder: Path) -> list[str]:
    import sqlite3

    with sqlite3.connect(folder / "restored.sqlite3") as database:
        return database.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()


def test_truncated_archive_is_refused(sqlite_archive, tmp_path):
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(sqlite_archive.read_bytes()[: sqlite_archive.stat().st_size // 2])
    done = _sqlite_instance(tmp_path).manage("restore", str(truncated), check=False)
    assert done.returncode == 1
    assert "Archive illisible ou tronquée" in done.stderr


def test_storage_in_use_is_refused(sqlite_archive, tmp_path):
    restored = _sqlite_instance(tmp_path)
    restored.files.mkdir(parents=True)
    (restored.files / "someone-elses.pdf").write_bytes(b"%PDF-")
    done = restored.manage("restore", str(sqlite_archive), check=False)
    assert done.returncode == 1
    assert "Le stockage des fichiers n'est pas vide" in done.stderr


# --- S3 ---------------------------------------------------------------------------------

S3_PORT = 8131  # this part's port range (8131-8139)


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    """moto's S3 server on loopback: django-storages talks to it as to any S3."""
    import boto3

    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-p", str(S3_PORT)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{S3_PORT}"
    credentials = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    for _attempt in range(600):  # moto's imports take seconds on a busy machine
        try:
            client.list_buckets()
            break
        except Exception:  # not up yet
            time.sleep(0.1)

    def bucket(name: str) -> dict:
        client.create_bucket(Bucket=name)
        return {
            **credentials,
            "AWS_STORAGE_BUCKET_NAME": name,
            "AWS_S3_ENDPOINT_URL": endpoint,
            "AWS_S3_REGION_NAME": "us-east-1",
        }

    yield bucket
    server.terminate()
    server.wait(timeout=10)
    log.close()


def test_round_trip_through_s3_storage(sqlite_demo, sqlite_archive, s3_server, tmp_path):
    """Local folder -> S3 bucket -> local folder: the files are listed and streamed from
    and into S3 as from a folder."""
    in_bucket = Instance(
        f"sqlite:///{tmp_path / 's3.sqlite3'}", tmp_path / "s3", **s3_server("restored")
    )
    in_bucket.manage("restore", str(sqlite_archive))
    assert in_bucket.snapshot()["files"] == sqlite_demo.snapshot()["files"]
    assert not in_bucket.files.exists()  # they went to the bucket, not to a folder

    archive = tmp_path / "from-s3.tar.gz"
    in_bucket.manage("backup", "--output", str(archive))
    (tmp_path / "home").mkdir()
    back_home = _sqlite_instance(tmp_path / "home")
    back_home.manage("restore", str(archive))
    _assert_same(sqlite_demo, back_home)


# --- PostgreSQL ---------------------------------------------------------------------------


def _postgres_url(name: str) -> str:
    database = settings.DATABASES["default"]
    user = database.get("USER") or "postgres"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    return f"postgresql://{user}{password}@{host}:{database.get('PORT') or 5432}/{name}"


@pytest.fixture(scope="module")
def postgres_databases():
    """Create databases beside the test database; drop them at the end."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("PostgreSQL: the tests run on SQLite")
    import psycopg

    prefix = f"{settings.DATABASES['default']['NAME']}_bk_{os.getpid()}"
    created: list[str] = []
    admin = psycopg.connect(_postgres_url("postgres"), autocommit=True)

    def create(suffix: str) -> str:
        name = f"{prefix}_{suffix}"
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return _postgres_url(name)

    yield create
    for name in created:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="module")
def postgres_demo(postgres_databases, tmp_path_factory) -> Instance:
    return _demo(Instance(postgres_databases("source"), tmp_path_factory.mktemp("pg-source")))


@pytest.mark.parametrize("database_format", ["pg_dump", "portable"])
def test_round_trip_on_postgresql(postgres_demo, postgres_databases, tmp_path, database_format):
    archive = tmp_path / "creneau.tar"
    done = postgres_demo.manage(
        "backup", "--output", str(archive), "--database-format", database_format
    )
    assert f"base {database_format}" in done.stdout
    restored = Instance(postgres_databases(database_format), tmp_path)

    restored.manage("restore", str(archive))

    _assert_same(postgres_demo, restored)
    # The sequences follow the restored rows: a new row gets a new id.
    code = (
        "from creneau.customers.models import Family; "
        "new = Family.objects.create(name='Après restauration'); "
        "print(new.pk > Family.objects.order_by('pk').first().pk)"
    )
    assert restored.manage("shell", "-v", "0", "-c", code).stdout.strip() == "True"


def test_sqlite_archive_restores_into_postgresql(
    sqlite_demo, sqlite_archive, postgres_databases, tmp_path
):
    restored = Instance(postgres_databases("from_sqlite"), tmp_path)
    restored.manage("restore", str(sqlite_archive))
    _assert_same(sqlite_demo, restored)
