"""The Content-Security-Policy on every page, templates that live with it, and the proxy's
HTTPS header trusted only when the operator declares a proxy."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from config.settings import proxy_ssl_header
from creneau.core.tests.test_login_security import manage, production_environment
from creneau.customers.tests.factories import CustomerFactory
from creneau.quotes.services import quote_create

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}


def policy_of(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    directives = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return dict(directives)


def assert_strict_policy(response) -> None:
    policy = policy_of(response)
    for directive, value in POLICY.items():
        assert policy.get(directive) == value, (directive, policy)
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header


@pytest.mark.django_db
def test_every_kind_of_page_carries_the_policy(client_for, direction):
    client = client_for(direction)
    customer = CustomerFactory(sales_rep=direction)
    quote = quote_create(customer=customer, by=direction)
    paths = [
        "/customers/",
        f"/customers/{customer.pk}/",
        f"/customers/{customer.pk}/general/",
        f"/quotes/{quote.pk}/",
        "/settings/company/",
        "/api/v1/docs",
        "/api/v1/openapi.json",
        "/no-such-page/",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert_strict_policy(response)
    from django.test import Client

    assert_strict_policy(Client().get("/login/"))


TEMPLATE_DIRS = [
    Path(django_settings.BASE_DIR) / "creneau" / "templates",
    *sorted((Path(django_settings.BASE_DIR) / "creneau").glob("*/templates")),
]
# What the policy refuses in a page, or what needs eval: inline <script> (a script element
# without src; JSON data blocks are not run and stay allowed), on...= handlers, style=""
# attributes, <style> elements, htmx's hx-on, js: values and event filters (trigger[...]).
FORBIDDEN = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "style element": re.compile(r"<style[\s>]", re.I),
    "hx-on": re.compile(r"\b(hx|data-hx)-on", re.I),
    "javascript in hx- values": re.compile(
        r"hx-(vals|vars|headers)=['\"]\s*(js|javascript):", re.I
    ),
    "htmx event filter": re.compile(r"hx-trigger=\"[^\"]*\[[^\"]*\"", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}

TEMPLATE_COMMENT = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.S)
# E-mail bodies (templates in an email/ folder) are read by mail clients, never served
# under the policy, and mail clients keep only inline styles: they may have them.
EMAIL_ALLOWED = {"style attribute", "style element"}


def test_templates_need_no_inline_script_style_or_eval():
    found = []
    templates = [path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html")]
    assert len(templates) > 50
    for template in templates:
        text = TEMPLATE_COMMENT.sub("", template.read_text())
        for what, pattern in FORBIDDEN.items():
            if template.parent.name == "email" and what in EMAIL_ALLOWED:
                continue
            found += [f"{template}: {what}: {match.group(0)}" for match in pattern.finditer(text)]
    assert found == []


def test_htmx_is_configured_without_its_style_and_eval(client_for, direction):
    html = client_for(direction).get("/customers/").content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html).group(1)
    assert json.loads(config) == {
        "includeIndicatorStyles": False,
        "allowEval": False,
        "attributesToSettle": ["class", "width", "height"],
        "historyCacheSize": 0,  # back to a list: a reload, with its filters in the fields
        "refreshOnHistoryMiss": True,
    }
    css = (Path(django_settings.BASE_DIR) / "creneau/static/css/creneau.css").read_text()
    assert ".htmx-indicator" in css  # the rule htmx no longer injects


@pytest.mark.parametrize(
    "value, expected",
    [
        ("", None),
        ("false", None),
        ("true", ("HTTP_X_FORWARDED_PROTO", "https")),
        ("X-Forwarded-Proto", ("HTTP_X_FORWARDED_PROTO", "https")),
        ("X-Forwarded-Ssl-Proto", ("HTTP_X_FORWARDED_SSL_PROTO", "https")),
    ],
)
def test_proxy_ssl_header_from_the_environment(value, expected):
    assert proxy_ssl_header(value) == expected


PRINT_PROXY_HEADER = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"


def test_production_trusts_no_forwarded_header_unless_a_proxy_is_declared(tmp_path):
    environment = production_environment(tmp_path)
    environment.pop("SECURE_PROXY_SSL_HEADER", None)
    result = manage("shell", "-c", PRINT_PROXY_HEADER, environment=environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "None"

    environment["SECURE_PROXY_SSL_HEADER"] = "X-Forwarded-Proto"
    result = manage("shell", "-c", PRINT_PROXY_HEADER, environment=environment)
    assert result.stdout.splitlines()[-1] == "('HTTP_X_FORWARDED_PROTO', 'https')"
    result = manage("check", "--deploy", "--fail-level", "WARNING", environment=environment)
    assert result.returncode == 0, result.stdout + result.stderr
