"""Project-wide test fixtures: staff users by role, an API client with a bearer token."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client

from creneau.core.roles import Role
from creneau.core.services import api_token_create
from creneau.core.tests.isolation import (  # noqa: F401  (independent of the tests before)
    _default_language,
    django_db_setup,
)
from creneau.core.tests.smtp import smtp_server  # noqa: F401  (a real SMTP server, aiosmtpd)


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"database: {engine} ({settings.DATABASES['default'].get('NAME')})"


def pytest_sessionfinish(session, exitstatus):
    print(f"\nTests ran on: {connection.vendor}")


@pytest.fixture(autouse=True)
def _portal_company_forgotten():
    """The portal keeps the company's name a minute per process (portal.company); a
    rolled-back test's company must not show in the next test."""
    from creneau.portal.company import forget_portal_company

    forget_portal_company()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is the production hasher (tested in core); MD5 keeps the suite fast.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Files that a test stores (documents, logos) go to a temporary folder, never to
    var/private. Returns that folder, so that a test can check what is (not) left in it."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location), "base_url": None},
        },
    }
    return location


@pytest.fixture
def make_user(db):
    def make(username: str, role: str | None, **fields) -> User:
        user = User.objects.create_user(username=username, password="secret-pass-1", **fields)
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def direction(make_user) -> User:
    return make_user("direction", Role.DIRECTION, first_name="Diane", last_name="Directrice")


@pytest.fixture
def rep(make_user) -> User:
    return make_user("commercial1", Role.SALES, first_name="Claire", last_name="Commerciale")


@pytest.fixture
def other_rep(make_user) -> User:
    return make_user("commercial2", Role.SALES, first_name="Olivier", last_name="Outsider")


@pytest.fixture
def planner(make_user) -> User:
    return make_user("planning", Role.PLANNER)


@pytest.fixture
def accountant(make_user) -> User:
    return make_user("compta", Role.ACCOUNTANT)


@pytest.fixture
def field_worker(make_user) -> User:
    """An intervenant's login, linked to an employee of the planning (user.employee)."""
    from creneau.planning.tests.factories import EmployeeFactory

    user = make_user("intervenant", Role.EMPLOYEE, first_name="Inès", last_name="Intervenante")
    EmployeeFactory(user=user, first_name="Inès", last_name="Intervenante")
    return user


def logged_in_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for():
    return logged_in_client


class ApiClient:
    """Django's test client with a bearer token and JSON bodies, for /api/v1/."""

    def __init__(self, user: User):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {api_token_create(user=user, name='tests')}"}

    def _send(self, method: str, path: str, data=None, **kwargs):
        send = getattr(self.client, method)
        if (
            method in ("post", "put", "patch")
            and "content_type" not in kwargs
            and not kwargs.get("multipart")
        ):
            kwargs["content_type"] = "application/json"
        kwargs.pop("multipart", None)
        return send(path, data, headers=self.headers, **kwargs)

    def get(self, path, data=None, **kwargs):
        return self._send("get", path, data, **kwargs)

    def post(self, path, data=None, **kwargs):
        return self._send("post", path, data, **kwargs)

    def put(self, path, data=None, **kwargs):
        return self._send("put", path, data, **kwargs)

    def patch(self, path, data=None, **kwargs):
        return self._send("patch", path, data, **kwargs)

    def delete(self, path, data=None, **kwargs):
        return self._send("delete", path, data, **kwargs)


@pytest.fixture
def api_for(db):
    return ApiClient


BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = "test-artifacts"


@pytest.fixture
def browser_page(live_server, settings):
    """A Chromium page (Debian's /usr/bin/chromium, driven by Playwright) on the live server.

    Use with @pytest.mark.browser and @pytest.mark.django_db(transaction=True), so that the
    live server sees the test's data. `page.base_url` is the live server's address.
    Screenshots go to test-artifacts/ (ignored by git). An error in the browser's console
    (a script error, a resource that failed to load) fails the test.
    """
    import os

    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    os.makedirs(ARTIFACTS, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="fr-FR")
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.base_url = live_server.url
        console_errors = []

        def on_console(message) -> None:
            # A 403, 410 (a spent link), 422 or 429 (a lockout) is the server refusing on
            # purpose, which the tests check; Chromium logs them as errors too. A 404 (a
            # missing file) or a 5xx stays an error.
            refused = re.search(r"status of (403|410|422|429) ", message.text)
            if message.type != "error" or refused:
                return
            # hx-sync="this:replace" aborts a request that a newer one replaces (typing
            # slower than the debounce while the server is busy, as under the parallel
            # suite): htmx logs "htmx:afterRequest" then "htmx:sendAbort" as errors. That is
            # the design, not a failure; a failed request logs htmx:sendError and stays.
            if message.text.startswith("htmx:sendAbort,"):
                if console_errors and console_errors[-1].startswith("htmx:afterRequest,"):
                    console_errors.pop()
                return
            console_errors.append(f"{message.text} ({message.location.get('url')})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: console_errors.append(str(error)))
        try:
            yield page
        finally:
            context.close()
            browser.close()
        assert console_errors == [], "errors in the browser console"


def browser_login(page, username: str, password: str = "secret-pass-1") -> None:
    page.goto(f"{page.base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
