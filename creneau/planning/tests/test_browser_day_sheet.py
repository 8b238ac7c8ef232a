"""In the browser: the intervenant's day on a phone (390 px) and a laptop, marking a visit
done without leaving the page; the planned vs done report. Screenshots go to
test-artifacts/planning/ for review."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import ARTIFACTS, browser_login
from creneau.catalog.tests.factories import ServiceFactory
from creneau.customers.tests.factories import ContactFactory, CustomerFactory, SiteFactory
from creneau.planning.models import Intervention
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
SCREENSHOTS = Path(ARTIFACTS) / "planning"


def at(hour: int, minute: int = 0, days: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def a_day_of_visits(employee) -> None:
    tilleuls = CustomerFactory(name="Syndic Horizon Gestion", phone="+33240112233")
    hall = SiteFactory(
        customer=tilleuls,
        name="Résidence Les Tilleuls, bâtiment B",
        street="14 rue du Calvaire",
        postcode="44000",
        city="Nantes",
        access_notes="Digicode 4521B. Clé du local ménage dans la boîte à clés (code 1789).",
    )
    ContactFactory(customer=tilleuls, site=hall, name="Mme Leroy (gardienne)",
                   mobile="+33612345678", phone="+33240000001")  # fmt: skip
    martin = SiteFactory(
        customer=CustomerFactory(name="Cabinet dentaire Martin", mobile="+33698765432"),
        name="Cabinet",
        street="3 place du Commerce",
        postcode="44400",
        city="Rezé",
    )
    vitres = ServiceFactory(label="Nettoyage des vitres")
    communes = ServiceFactory(label="Entretien des parties communes")
    InterventionFactory(employee=employee, site=hall, service=communes, start=at(8, 30),
                        end=at(10, 30))  # fmt: skip
    InterventionFactory(employee=employee, site=martin, service=vitres, start=at(11),
                        end=at(12, 30), notes="Apporter l'échelle télescopique.")  # fmt: skip
    InterventionFactory(employee=employee, site=hall, service=vitres, start=at(14),
                        end=at(15), status=Intervention.Status.CANCELLED)  # fmt: skip


def overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_intervenant_reads_its_day_on_a_phone_and_marks_a_visit_done(
    browser_page, field_worker
):
    page = browser_page
    a_day_of_visits(field_worker.employee)
    page.set_viewport_size(PHONE)
    browser_login(page, "intervenant")
    page.wait_for_url("**/planning/day/")
    expect(page.locator(".day-visit")).to_have_count(3)
    expect(page.locator(".day-visit").first).to_contain_text("Digicode 4521B")
    assert overflow(page) <= 0, "the day sheet scrolls sideways on a phone"
    # Big touch targets: 44 px at least for what a thumb taps.
    for target in page.locator(".day-touch:visible, .day-report .form-control").all():
        assert target.bounding_box()["height"] >= 43.5, target.inner_text()
    # The menu holds the intervenant's two entries, and there is no customer search.
    assert page.locator("#global-search").count() == 0
    shoot(page, "day-sheet")

    first = page.locator(".day-visit").first
    first.locator("input[name$=actual_start]").fill("08:40")
    first.locator("input[name$=actual_end]").fill("10:20")
    first.locator("button[value=done]").click()
    done = page.locator(".day-visit-actual").first
    expect(done).to_contain_text("08:40")
    expect(page.locator("#messages")).to_contain_text("Passage enregistré")
    assert overflow(page) <= 0
    shoot(page, "day-sheet-reported")
    visit = Intervention.objects.filter(status="done").get()
    assert timezone.localtime(visit.actual_end).strftime("%H:%M") == "10:20"

    page.set_viewport_size(LAPTOP)
    page.reload()
    assert overflow(page) <= 0
    shoot(page, "day-sheet")
    page.click("text=Mon planning")
    expect(page.locator(".week-day-today")).to_contain_text("Résidence Les Tilleuls")
    shoot(page, "my-week")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_planned_vs_done_report(browser_page, direction):
    page = browser_page
    names = [("Inès", "Moreau"), ("Karim", "Benali"), ("Lucie", "Petit"), ("Hugo", "Garnier")]
    sites = [SiteFactory(customer=CustomerFactory(name=f"Client {n}"), name=f"Site {n}")
             for n in "ABCDE"]  # fmt: skip
    first = timezone.localdate().replace(day=1)
    for index, (first_name, last_name) in enumerate(names):
        employee = EmployeeFactory(first_name=first_name, last_name=last_name)
        for n in range(8):
            start = timezone.make_aware(datetime.combine(first, time(8 + n % 4, 0)))
            start += timedelta(days=n % 3)
            status = ["done", "done", "done", "planned", "missed", "done", "cancelled", "done"][n]
            InterventionFactory(employee=employee, site=sites[(index + n) % 5], start=start,
                                end=start + timedelta(minutes=60 + 30 * index), status=status,
                                quantity=Decimal("2.5") if n == 7 else None)  # fmt: skip
    browser_login(page, "direction")
    page.goto(f"{page.base_url}/planning/report/")
    expect(page.locator(".report-table tbody tr")).to_have_count(4)
    assert overflow(page) <= 0
    shoot(page, "report")
    page.click("text=Par site")
    expect(page.locator(".report-table tbody tr")).to_have_count(5)
    shoot(page, "report-sites")
    page.set_viewport_size(PHONE)
    page.goto(f"{page.base_url}/planning/report/")
    assert overflow(page) <= 0
    shoot(page, "report")
