"""The deployment files: compose.yaml (valid Compose, production settings that pass
`check --deploy`), the Dockerfile, and the requirements the image installs."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema_rs
import pytest
import yaml
from django.conf import settings as django_settings

ROOT = Path(django_settings.BASE_DIR)
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SCHEMA = json.loads((Path(__file__).parent / "data" / "compose-spec.json").read_text())


def test_compose_yaml_follows_the_compose_specification():
    validator = jsonschema_rs.validator_for(SCHEMA)
    assert [str(error) for error in validator.iter_errors(COMPOSE)] == []
    broken = {**COMPOSE, "services": {**COMPOSE["services"], "web": {"imagee": "x"}}}
    assert not validator.is_valid(broken)  # the schema does refuse a typo


def test_compose_starts_the_app_the_worker_postgresql_and_minio():
    services = COMPOSE["services"]
    assert {"web", "worker", "outbox", "migrate", "db", "minio", "create-bucket"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    assert services["minio"]["image"].startswith("minio/minio")
    assert "db_worker" in services["worker"]["command"]
    assert services["web"]["command"][:3] == ["gunicorn", "-c", "config/gunicorn.conf.py"]
    for name in ("web", "worker", "outbox"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert services[name]["environment"] == services["web"]["environment"]
    assert services["web"]["depends_on"]["create-bucket"]["condition"] == (
        "service_completed_successfully"
    )
    # Published on the loopback only: the reverse proxy is the door.
    assert all(port.startswith("127.0.0.1:") for port in services["web"]["ports"])


def setting_names() -> set[str]:
    """Every environment variable the settings, the database settings and gunicorn read."""
    sources = [
        ROOT / "config" / name for name in ("settings.py", "database.py", "gunicorn.conf.py")
    ]
    names = set()
    for source in sources:
        text = source.read_text()
        names |= set(
            re.findall(
                r"""(?:environ(?:\.get)?|env_bool|env_list|setting)\(\s*["']([A-Z_0-9]+)""", text
            )
        )
        names |= set(re.findall(r"""environ\[["']([A-Z_0-9]+)["']\]""", text))
    return names | {"DJANGO_SETTINGS_MODULE"}


def test_every_variable_compose_sets_is_read_by_the_settings():
    environment = COMPOSE["services"]["web"]["environment"]
    # AWS credentials are read by boto3 itself.
    unknown = set(environment) - setting_names() - {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    assert unknown == set()


def interpolated(value: str) -> str:
    """Compose's ${NAME:-default} and ${NAME:?error}, with sample secrets for the others."""
    samples = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "POSTGRES_PASSWORD": "sample-password",
        "MINIO_ROOT_PASSWORD": "sample-password",
        "ALLOWED_HOSTS": "creneau.example.fr",
        "PUBLIC_BASE_URL": "https://creneau.example.fr",
    }

    def one(match: re.Match) -> str:
        name, operator, rest = match.group(1), match.group(2), match.group(3) or ""
        if name in samples:
            return samples[name]
        assert operator == ":-", f"{name} has no default"
        return rest

    return re.sub(r"\$\{([A-Z_0-9]+)(?:(:[-?])([^}]*))?\}", one, value)


def test_check_deploy_is_clean_with_the_compose_environment(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "AWS_")) and key not in {"DEBUG"}
    }
    compose_environment = COMPOSE["services"]["web"]["environment"]
    environment.update(
        {key: interpolated(str(value)) for key, value in compose_environment.items()}
    )
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", CRENEAU_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_dockerfile_runs_as_a_user_collects_static_files_and_probes_healthz():
    assert DOCKERFILE.startswith("#") and "\nFROM python:3.11-slim" in DOCKERFILE
    assert re.search(r"^USER creneau$", DOCKERFILE, re.MULTILINE)
    assert "collectstatic --no-input" in DOCKERFILE and "STATIC_MANIFEST=true" in DOCKERFILE
    assert f"127.0.0.1:8000{django_settings.HEALTHZ_PATH}'" in DOCKERFILE
    assert 'CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"]' in DOCKERFILE
    for line in re.findall(r"^COPY (.+)$", DOCKERFILE, re.MULTILINE):
        for source in line.split()[:-1]:
            assert (ROOT / source).exists(), source


def test_the_image_installs_runtime_requirements_all_pinned_by_the_lock():
    """The Dockerfile installs pyproject's dependencies constrained by requirements.lock:
    each must be pinned there, or the image would take whatever version is newest."""
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pinned = {
        line.split("==")[0].lower().replace("_", "-")
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    names = {re.split(r"[\[<>=!~ ;]", dependency)[0].lower() for dependency in dependencies}
    assert names - pinned == set()
    assert {"gunicorn", "whitenoise", "python-json-logger"} <= names


@pytest.mark.parametrize("path", ["compose.yaml", "Dockerfile", ".dockerignore"])
def test_the_files_are_in_the_repository(path):
    assert (ROOT / path).is_file()
