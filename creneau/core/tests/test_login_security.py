"""Login security: throttling (django-axes), Argon2 hashes, inactive accounts, deploy checks."""

from __future__ import annotations

import io
import os
import secrets
import subprocess
import sys
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.utils import timezone

from config import settings as project_settings
from creneau.core.api import BearerToken
from creneau.core.roles import Role
from creneau.core.services import api_token_create
from creneau.core.staff import staff_create, staff_set_active

RIGHT = "secret-pass-1"


def log_in(username: str, password: str, ip: str = "10.0.0.1"):
    return Client(REMOTE_ADDR=ip).post("/login/", {"username": username, "password": password})


def fail(username: str, times: int, ip: str = "10.0.0.1") -> None:
    for _attempt in range(times):
        assert log_in(username, "wrong-password", ip).status_code in (200, 429)


@pytest.mark.django_db
def test_the_right_password_logs_in(rep):
    response = log_in("commercial1", RIGHT)
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_a_wrong_password_says_so_in_french(rep):
    response = log_in("commercial1", "wrong")
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect." in response.content.decode()


@pytest.mark.django_db
def test_after_the_failure_limit_even_the_right_password_is_refused(rep, settings):
    fail("commercial1", settings.AXES_FAILURE_LIMIT - 1)
    assert log_in("commercial1", "wrong").status_code == 429  # the limit-th failure locks
    response = log_in("commercial1", RIGHT)
    assert response.status_code == 429
    assert "Connexion temporairement bloquée" in response.content.decode()


@pytest.mark.django_db
def test_the_lockout_is_per_username_and_address(rep, other_rep, settings):
    fail("commercial1", settings.AXES_FAILURE_LIMIT)
    assert log_in("commercial2", RIGHT).status_code == 302  # another account, same address
    assert log_in("commercial1", RIGHT, ip="10.0.0.2").status_code == 302  # another address


@pytest.mark.django_db
def test_a_success_resets_the_failure_count(rep, settings):
    fail("commercial1", settings.AXES_FAILURE_LIMIT - 1)
    assert log_in("commercial1", RIGHT).status_code == 302
    fail("commercial1", settings.AXES_FAILURE_LIMIT - 1)
    assert log_in("commercial1", RIGHT).status_code == 302


@pytest.mark.django_db
def test_the_lockout_ends_after_the_cool_off(rep, settings):
    fail("commercial1", settings.AXES_FAILURE_LIMIT)
    assert log_in("commercial1", RIGHT).status_code == 429
    # Age the failures instead of waiting: the cool-off counts from the last attempt.
    just_expired = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1)
    AccessAttempt.objects.update(attempt_time=just_expired)
    assert log_in("commercial1", RIGHT).status_code == 302


@pytest.mark.django_db
def test_an_attempt_during_the_lockout_starts_the_wait_again(rep, settings):
    fail("commercial1", settings.AXES_FAILURE_LIMIT)
    almost_over = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=-1)
    AccessAttempt.objects.update(attempt_time=almost_over)
    assert log_in("commercial1", RIGHT).status_code == 429
    assert AccessAttempt.objects.get().attempt_time > almost_over + timedelta(minutes=1)


@pytest.mark.django_db
def test_axes_reset_unlocks_everyone(rep, settings):
    fail("commercial1", settings.AXES_FAILURE_LIMIT)
    call_command("axes_reset", stdout=io.StringIO())
    assert log_in("commercial1", RIGHT).status_code == 302


def test_the_settings_throttle_and_hash_with_argon2():
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert "axes.middleware.AxesMiddleware" in project_settings.MIDDLEWARE
    assert project_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


@pytest.mark.django_db
def test_passwords_are_stored_with_argon2(settings, direction):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # undo the tests' MD5
    user = staff_create(
        by=direction, username="marie", password="Planning-du-lundi-42", role=Role.PLANNER
    )
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert log_in("marie", "Planning-du-lundi-42").status_code == 302


@pytest.mark.django_db
def test_an_inactive_user_cannot_log_in(direction, rep):
    staff_set_active(user=rep, by=direction, active=False)
    response = log_in("commercial1", RIGHT)
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect." in response.content.decode()


def bearer(key: str):
    request = RequestFactory().get("/api/v1/", headers={"Authorization": f"Bearer {key}"})
    return BearerToken()(request)


@pytest.mark.django_db
def test_an_inactive_users_api_token_is_refused_until_reactivation(direction, rep):
    key = api_token_create(user=rep, name="tests")
    assert bearer(key) == rep
    staff_set_active(user=rep, by=direction, active=False)
    assert bearer(key) is None  # ninja answers 401
    staff_set_active(user=rep, by=direction, active=True)
    assert bearer(key) == rep


# What production sets itself; DJANGO_ALLOW_ASYNC_UNSAFE comes from the browser fixture,
# which sets it in this process for Playwright.
NOT_INHERITED = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "PUBLIC_BASE_URL",
    "DATABASE_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def production_environment(tmp_path) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="creneau.example.fr",
        PUBLIC_BASE_URL="https://creneau.example.fr",
        CRENEAU_VAR_DIR=str(tmp_path),
    )
    return environment


def manage(*arguments: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_warns_without_the_public_address_of_the_portal_links(tmp_path):
    environment = production_environment(tmp_path)
    environment.pop("PUBLIC_BASE_URL")
    result = manage("check", "--deploy", "--fail-level", "WARNING", environment=environment)
    assert result.returncode != 0
    assert "portal.W001" in result.stdout + result.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", environment=production_environment(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    environment = production_environment(tmp_path)
    del environment["SECRET_KEY"]
    result = manage("check", environment=environment)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
