"""In the browser: the Intervenants list and an employee's record, on a laptop and on a
phone. Sections save in place (htmx): the availability grid, an absence, an incompatible
site found by typing, the calendar address renewed. Nothing scrolls sideways."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import ARTIFACTS, browser_login
from creneau.customers.services import customer_refresh_search
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning.models import Absence, Availability
from creneau.planning.tests.factories import EmployeeFactory

SHOTS = Path(ARTIFACTS) / "employees"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
COLOURS = ["#e76f51", "#2a9d8f", "#264653", "#f4a261", "#8338ec", "#3a86ff", "#ff006e"]
NAMES = [("Jeanne", "Martin"), ("Karim", "Benali"), ("Sophie", "Lefèvre"), ("Lucas", "Moreau"),
         ("Aïcha", "Diallo"), ("Thomas", "Girard"), ("Nadia", "Rousseau")]  # fmt: skip


def team():
    employees = [
        EmployeeFactory(
            first_name=first,
            last_name=last,
            color=COLOURS[index],
            phone="+3314567890" + str(index),
            mobile="+3361234567" + str(index),
            email=f"{first.lower()}.{last.lower()}@example.fr".replace("ï", "i").replace("è", "e"),
        )
        for index, (first, last) in enumerate(NAMES)
    ]
    employees[-1].is_active = False
    employees[-1].save()
    jeanne = employees[0]
    for weekday in range(5):
        Availability.objects.create(
            employee=jeanne, weekday=weekday, start_time=time(8), end_time=time(12)
        )
    Absence.objects.create(
        employee=jeanne, start_date="2030-08-01", end_date="2030-08-15", reason="Congés d'été"
    )
    horizon = CustomerFactory(name="Syndic Horizon Gestion")
    chosen = SiteFactory(customer=horizon, name="Résidence Les Tilleuls")
    SiteFactory(customer=horizon, name="Résidence Les Érables")
    customer_refresh_search(customer=horizon)
    jeanne.incompatible_sites.add(chosen)
    return jeanne


def fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert width <= 0, f"the page is {width} px too wide"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_list_and_the_record_on_a_laptop_and_a_phone(browser_page, planner):
    page = browser_page
    jeanne = team()
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser_login(page, "planning")
    for name, size in (("laptop", LAPTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.goto(f"{page.base_url}/planning/employees/")
        expect(page.locator(".employee-table tbody tr")).to_have_count(6)
        fits(page)
        page.screenshot(path=SHOTS / f"list-{name}.png", full_page=True)
        page.goto(f"{page.base_url}/planning/employees/{jeanne.pk}/")
        expect(page.locator(".employee-site-chip")).to_have_count(1)
        fits(page)
        page.screenshot(path=SHOTS / f"record-{name}.png", full_page=True)
        page.goto(f"{page.base_url}/planning/employees/{jeanne.pk}/edit/")
        expect(page.locator("input[type=color]")).to_have_value("#e76f51")
        fits(page)
        page.screenshot(path=SHOTS / f"form-{name}.png", full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sections_save_in_place(browser_page, planner):
    page = browser_page
    jeanne = team()
    browser_login(page, "planning")
    page.goto(f"{page.base_url}/planning/employees/")
    page.fill("#id_q", "benali")
    expect(page.locator(".employee-table tbody tr")).to_have_count(1)
    page.goto(f"{page.base_url}/planning/employees/{jeanne.pk}/")

    # An incompatible site found by typing the customer's name, added as a chip.
    page.fill("#employee-site-q", "horizon")
    expect(page.locator("#employee-site-results li")).to_have_count(1)
    page.screenshot(path=SHOTS / "record-search-laptop.png", full_page=True)
    page.click("#employee-site-results button:has-text('Ajouter')")
    expect(page.locator(".employee-site-chip")).to_have_count(2)
    expect(page.locator("#messages")).to_contain_text("ajouté aux sites incompatibles")

    # An afternoon on Monday; a range that ends before it starts is refused at its field.
    page.fill("#id_day0_1_start", "14:00")
    page.fill("#id_day0_1_end", "13:00")
    page.click("#employee-availability button[type=submit]")
    expect(page.locator("#employee-availability .invalid-feedback")).to_contain_text(
        "L'heure de fin doit suivre l'heure de début."
    )
    page.fill("#id_day0_1_end", "17:30")
    page.click("#employee-availability button[type=submit]")
    expect(page.locator("#messages")).to_contain_text("Disponibilités enregistrées.")
    assert jeanne.availabilities.filter(weekday=0).count() == 2

    # An absence added, then deleted after a confirmation.
    page.fill("#employee-absences #id_start_date", "2030-10-05")
    page.fill("#employee-absences #id_end_date", "2030-10-06")
    page.fill("#employee-absences #id_reason", "Formation")
    page.click("#employee-absences button:has-text('Ajouter')")
    expect(page.locator("#employee-absences")).to_contain_text("Formation")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#employee-absences li:has-text('Formation') button").click()
    expect(page.locator("#employee-absences")).not_to_contain_text("Formation")

    # The calendar address, renewed after a confirmation.
    old = page.input_value("#employee-ical-url")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#employee-calendar button:has-text('Renouveler')")
    expect(page.locator("#employee-ical-url")).not_to_have_value(old)
    jeanne.refresh_from_db()
    address = page.input_value("#employee-ical-url")
    assert address.endswith(f"/planning/ical/{jeanne.ical_token}.ics")
