"""In the browser: drag a visit to another employee and another day and see the conflict
flag appear; a refused drop puts the card back; the keyboard's way (the visit's form);
the filters; and photographs of the three views, on a desk and on a phone."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import ARTIFACTS, browser_login
from creneau.catalog.tests.factories import ServiceFactory
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning.models import Absence, Intervention, SiteClosure
from creneau.planning.tests.factories import EmployeeFactory
from creneau.planning.tests.week_helpers import MONDAY, visit

TUESDAY, WEDNESDAY = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
SHOTS = "/work/wt/_shots"


def cell(page, employee, day: date):
    row = f"#row-employee-{employee.pk}" if employee else "#row-unassigned"
    return page.locator(f'{row} td[data-day="{day.isoformat()}"]')


def card(page, visit_: Intervention):
    return page.locator(f'a.visit[href="/planning/visits/{visit_.pk}/"]')


def drag(page, source, target) -> None:
    """Press on the card and move in small steps to the target cell (SortableJS follows
    real pointer moves), release, and wait for the server's answer."""
    page.wait_for_function("() => Sortable.get(document.querySelector('td[data-day]'))")
    start, end = source.bounding_box(), target.bounding_box()
    with page.expect_response("**/move/**") as answer:
        page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
        page.mouse.down()
        page.mouse.move(start["x"] + start["width"] / 2 + 8, start["y"] + 12, steps=4)
        page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=20)
        page.wait_for_timeout(200)
        page.mouse.up()
    assert answer.value.ok
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_drag_a_visit_to_another_employee_and_day_and_see_the_conflict(browser_page, planner):
    alice = EmployeeFactory(first_name="Alice", last_name="Martin", color="#e76f51")
    bruno = EmployeeFactory(first_name="Bruno", last_name="Durand", color="#2a9d8f")
    forbidden = SiteFactory(name="Résidence Interdite")
    alice.incompatible_sites.add(forbidden)
    moved = visit(employee=alice, hour=9, site=SiteFactory(name="Les Tilleuls"))
    busy = visit(employee=bruno, day=TUESDAY, hour=10, site=SiteFactory(name="Le Clos Fleuri"))
    refused = visit(employee=bruno, day=WEDNESDAY, hour=14, site=forbidden)

    page = browser_page
    browser_login(page, "planning")
    page.goto(f"{page.base_url}/planning/?week={MONDAY.isoformat()}")
    expect(card(page, moved)).to_have_count(1)
    expect(page.locator(".visit.has-conflict")).to_have_count(0)

    # Alice's Monday visit onto Bruno's Tuesday, where he is busy from 10:00.
    drag(page, card(page, moved), cell(page, bruno, TUESDAY))
    target = cell(page, bruno, TUESDAY)
    expect(target.locator(".visit")).to_have_count(2)
    expect(target.locator(".visit.has-conflict")).to_have_count(2)
    expect(target.locator(".visit-flag").first).to_be_visible()
    expect(card(page, moved)).to_have_attribute("title", re.compile("déjà pris de 10:00 à 12:00"))
    expect(cell(page, alice, MONDAY).locator(".visit")).to_have_count(0)
    page.screenshot(path=f"{ARTIFACTS}/planning-after-drop.png", full_page=True)
    moved.refresh_from_db()
    assert moved.employee == bruno and timezone.localdate(moved.start) == TUESDAY

    # Bruno's visit on a site where Alice must never go: refused, the card goes back.
    drag(page, card(page, refused), cell(page, alice, WEDNESDAY))
    expect(page.locator("#messages .alert-danger")).to_contain_text(
        "ne doit pas être envoyé(e) sur le site « Résidence Interdite »"
    )
    expect(cell(page, bruno, WEDNESDAY).locator(".visit")).to_have_count(1)
    expect(cell(page, alice, WEDNESDAY).locator(".visit")).to_have_count(0)
    refused.refresh_from_db()
    assert refused.employee == bruno

    # The keyboard's way: the card is a link to the visit's form; a day changed and saved
    # comes back to this week, the conflict gone.
    card(page, busy).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/planning/visits/{busy.pk}/?next=*")
    page.fill("#id_day", WEDNESDAY.isoformat())
    page.get_by_role("button", name="Enregistrer").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/planning/?week={WEDNESDAY.isoformat()}")
    expect(page.locator("#messages")).to_contain_text("Intervention enregistrée.")
    expect(cell(page, bruno, WEDNESDAY).locator(".visit")).to_have_count(2)
    expect(page.locator(".visit.has-conflict")).to_have_count(0)
    busy.refresh_from_db()
    assert timezone.localdate(busy.start) == WEDNESDAY


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_filters_follow_the_choices_and_keep_the_week(browser_page, planner):
    alice = EmployeeFactory(first_name="Alice", last_name="Martin")
    horizon = CustomerFactory(name="Syndic Horizon")
    visit(employee=alice, site=SiteFactory(customer=horizon, name="Les Tilleuls"))
    visit(employee=None, day=TUESDAY, site=SiteFactory(name="Bureaux Vauban"))
    page = browser_page
    browser_login(page, "planning")
    page.goto(f"{page.base_url}/planning/?week={MONDAY.isoformat()}")
    expect(page.locator(".visit")).to_have_count(2)

    page.fill("#filter-customer", "horiz")
    page.click("#filter-customer-results button:has-text('Syndic Horizon')")
    expect(page.locator(".visit")).to_have_count(1)
    expect(page).to_have_url(re.compile(rf"/planning/\?customer={horizon.pk}&week=2027-06-07$"))

    page.click("a[aria-label='Semaine suivante']")
    expect(page.locator(".planning-title")).to_contain_text("Semaine 24")
    expect(page).to_have_url(re.compile(rf"customer={horizon.pk}&week=2027-06-14$"))
    page.click("a[aria-label='Semaine précédente']")
    expect(page.locator(".visit")).to_have_count(1)

    page.click("[data-clear-filters]")
    expect(page.locator(".visit")).to_have_count(2)
    expect(page.locator("#filter-customer")).to_have_value("")
    page.select_option("#filter-employee", "none")
    expect(page.locator(".visit")).to_have_count(1)
    expect(page.locator("tbody tr")).to_have_count(1)
    page.select_option("#filter-employee", "")
    expect(page.locator(".visit")).to_have_count(2)
    # (Each step waits for its answer: a change made while the last one is on its way
    # replaces it, which htmx logs in the console as an aborted request.)
    page.fill("input[name=week]", "2027-06-16")
    expect(page.locator(".planning-title")).to_contain_text("Semaine 24")
    expect(page.locator(".visit")).to_have_count(0)


def screens_data() -> None:
    """A week of six employees with visits, some done, a few in conflict, a closure."""
    windows, floors = ServiceFactory(label="Vitres"), ServiceFactory(label="Parties communes")
    names = [("Alice", "Martin", "#e76f51"), ("Bruno", "Durand", "#2a9d8f"),
             ("Chloé", "Bernard", "#264653"), ("David", "Petit", "#e9c46a"),
             ("Emma", "Robert", "#8338ec"), ("Farid", "Richard", "#3a86ff")]  # fmt: skip
    team = [EmployeeFactory(first_name=first, last_name=last, color=color)
            for first, last, color in names]  # fmt: skip
    customer_names = ("Syndic Horizon", "Banque de Provence", "Résidence Les Tilleuls",
                      "Cabinet Vauban")  # fmt: skip
    customers = [CustomerFactory(name=name) for name in customer_names]
    sites = [SiteFactory(customer=c, name=n) for c in customers
             for n in ("Bâtiment A", "Bureaux du 3e étage")]  # fmt: skip
    SiteClosure.objects.create(site=sites[3], start_date=WEDNESDAY, end_date=WEDNESDAY,
                               reason="Travaux")  # fmt: skip
    Absence.objects.create(employee=team[4], start_date=TUESDAY, end_date=TUESDAY,
                           reason="Formation")  # fmt: skip
    for index, employee in enumerate(team):
        for day in range(6):
            for slot, hour in enumerate((8, 11, 15)[: 2 + (index + day) % 2]):
                status = "done" if day < 2 else "planned"
                if (index + day + slot) % 11 == 0:
                    status = "cancelled" if day > 2 else "missed"
                visit(employee=employee, day=MONDAY + timedelta(days=day), hour=hour,
                      hours=2, site=sites[(index + day + slot) % len(sites)],
                      service=windows if slot % 2 else floors, status=status)  # fmt: skip
    visit(employee=team[0], day=TUESDAY, hour=9, site=sites[5], service=windows)  # a double
    for day in (0, 2, 4):
        visit(employee=None, day=MONDAY + timedelta(days=day), hour=10, site=sites[day],
              service=floors)  # fmt: skip


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_screens_of_the_planning(browser_page, planner):
    """The three views over a week with conflicts, on a desk and on a phone."""
    import os

    screens_data()
    os.makedirs(SHOTS, exist_ok=True)
    page = browser_page
    browser_login(page, "planning")
    week = f"week={MONDAY.isoformat()}"
    screens = {
        "week": f"/planning/?{week}",
        "sites": f"/planning/sites/?{week}",
        "month": "/planning/month/?month=2027-06",
    }
    for width, height, suffix in ((1366, 768, ""), (390, 844, "-phone")):
        page.set_viewport_size({"width": width, "height": height})
        for name, path in screens.items():
            page.goto(page.base_url + path)
            expect(page.locator("#planning-results")).to_be_visible()
            page.screenshot(path=f"{SHOTS}/views-{name}{suffix}.png", full_page=bool(suffix))
            # Nothing scrolls sideways but the grid's own box on a desk.
            wider = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
            assert wider <= 0, (name, width, wider)
    page.set_viewport_size({"width": 1366, "height": 768})
    first = Intervention.objects.filter(status="planned").order_by("start").first()
    page.goto(f"{page.base_url}/planning/visits/{first.pk}/")
    page.screenshot(path=f"{SHOTS}/views-visit.png", full_page=True)
    page.goto(f"{page.base_url}/planning/visits/new/?day={MONDAY.isoformat()}")
    page.fill("#visit-site", "horizon")
    expect(page.locator("#visit-site-results button").first).to_be_visible()
    page.screenshot(path=f"{SHOTS}/views-new.png", full_page=True)
