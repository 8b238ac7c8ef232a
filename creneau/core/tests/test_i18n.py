"""French is the interface's language; English is offered beside it, complete, on request."""

from __future__ import annotations

import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils.translation import trans_real

from conftest import ARTIFACTS, browser_login
from creneau.catalog.tests.factories import vat_rate
from creneau.customers.tests.factories import CustomerFactory
from creneau.quotes.services import quote_create, quote_line_add

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%s|%%")


@pytest.fixture(scope="session", autouse=True)
def english_catalogue_compiled():
    """`make test` compiles the catalogue; a bare pytest run compiles it here if stale."""
    if not MO_PATH.exists() or MO_PATH.stat().st_mtime < PO_PATH.stat().st_mtime:
        call_command(
            "compilemessages", locale=["en"], ignore_patterns=[".venv", "var"], verbosity=0
        )
        # Django caches the catalogues it has loaded: forget them so the new .mo is read.
        trans_real._translations = {}
        trans_real._default = None


def _unquote(line: str) -> str:
    return line[line.index('"') + 1 : line.rindex('"')].encode().decode("unicode_escape")


def po_entries(path: Path) -> list[dict]:
    """A tiny .po reader: each entry's flags, msgid(_plural) and msgstr(s), obsolete ones too."""
    entries: list[dict] = []
    entry: dict = {}
    key = None
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if entry:
                entries.append(entry)
            entry, key = {}, None
            continue
        if line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#,"):
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += _unquote(line)
        else:
            key = line.split(" ", 1)[0]
            entry[key] = _unquote(line)
    # The text is UTF-8; unicode_escape read it as Latin-1: decode it back.
    for entry in entries:
        for name, value in entry.items():
            if isinstance(value, str):
                entry[name] = value.encode("latin-1").decode("utf-8")
    return entries


def test_english_catalogue_is_complete():
    entries = po_entries(PO_PATH)
    messages = [entry for entry in entries if entry.get("msgid")]
    assert len(messages) > 700
    assert not [entry for entry in entries if entry.get("obsolete")]
    assert not [entry["msgid"] for entry in entries if "fuzzy" in entry.get("flags", ())]
    for entry in messages:
        translations = [value for name, value in entry.items() if name.startswith("msgstr")]
        assert translations and all(translations), f"untranslated: {entry['msgid']!r}"
        sources = [entry["msgid"], entry.get("msgid_plural", entry["msgid"])]
        for source, translation in zip(sources, translations, strict=False):
            if "python-format" in entry.get("flags", ()):
                assert sorted(PLACEHOLDER.findall(translation)) == sorted(
                    PLACEHOLDER.findall(source)
                ), f"placeholders differ: {entry['msgid']!r}"


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext (msgfmt) is not installed")
def test_msgfmt_accepts_the_english_catalogue():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO_PATH)],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin:/usr/local/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "translated messages" in result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr


def test_interface_speaks_french_by_default(rep, client_for):
    page = client_for(rep).get(reverse("customers:list")).content.decode()
    assert "Clients" in page and "Nouveau client" in page and "Se déconnecter" in page
    assert '<html lang="fr">' in page
    assert "New customer" not in page


def test_an_english_browser_still_gets_french_until_the_user_switches(rep, client_for):
    client = client_for(rep)
    page = client.get(reverse("customers:list"), headers={"accept-language": "en"}).content
    assert "Nouveau client" in page.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("customers:list")).content.decode()
    assert '<html lang="en">' in page
    assert "Customers" in page and "New customer" in page and "Log out" in page
    assert "Nouveau client" not in page and "Se déconnecter" not in page


def test_language_switch_in_the_user_menu_keeps_the_choice(rep, client_for):
    client = client_for(rep)
    page = client.get(reverse("customers:list")).content.decode()
    assert f'action="{reverse("set_language")}"' in page
    assert 'name="language" value="en"' in page

    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("customers:list")}
    )
    assert response.status_code == 302 and response.url == reverse("customers:list")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "New customer" in client.get(reverse("customers:list")).content.decode()

    client.post(reverse("set_language"), {"language": "fr", "next": reverse("customers:list")})
    assert "Nouveau client" in client.get(reverse("customers:list")).content.decode()


def _plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.mark.django_db
def test_amounts_are_french_in_french_and_english_in_english(rep, client_for):
    quote = quote_create(customer=CustomerFactory(sales_rep=rep), by=rep)
    quote_line_add(
        quote=quote, by=rep, line_type="free", description="Entretien", quantity=Decimal(1),
        unit_price=Decimal("1028.80"), vat_rate=vat_rate("20"),
    )  # fmt: skip
    url = reverse("quotes:detail", args=[quote.pk])
    client = client_for(rep)

    french = _plain(client.get(url).content.decode())
    assert "1 234,56 €" in french and "1 028,80 €" in french
    assert "Total TTC" in french and "1,234.56" not in french

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _plain(client.get(url).content.decode())
    assert "Total incl. VAT" in english and "€1,234.56" in english


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_user_switches_to_english_and_back_from_the_user_menu(browser_page, rep):
    page = browser_page
    browser_login(page, rep.username)
    page.goto(f"{page.base_url}/customers/")
    assert page.locator("h1").inner_text() == "Clients"
    page.locator(".app-topbar .dropdown-toggle").click()
    page.screenshot(path=f"{ARTIFACTS}/language-switch-fr.png")

    page.locator(".app-language-switch button[value=en]").click()
    page.wait_for_load_state()
    assert page.url.endswith("/customers/")
    assert page.locator("h1").inner_text() == "Customers"
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator(".app-topbar .dropdown-toggle").click()
    page.screenshot(path=f"{ARTIFACTS}/language-switch-en.png")

    page.locator(".app-language-switch button[value=fr]").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Clients"
