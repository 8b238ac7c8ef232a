"""In the browser: build a weekly schedule from the record's Planning tab, watch the live
summary follow the ticked days, switch to "Chaque mois", end it. Screens at 1366 and 390 px."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import ARTIFACTS, browser_login
from creneau.catalog.tests.factories import ServiceFactory
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning.models import Intervention, Schedule
from creneau.planning.services import intervention_update, schedule_create, site_closure_add
from creneau.planning.tests.factories import EmployeeFactory

WIDTHS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def shoot(page, name: str) -> None:
    for label, size in WIDTHS.items():
        page.set_viewport_size(size)
        page.screenshot(path=f"{ARTIFACTS}/schedules-{name}-{label}.png", full_page=True)
        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], name
    page.set_viewport_size(WIDTHS["desktop"])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_create_a_weekly_schedule_with_its_live_summary(browser_page, planner):
    page = browser_page
    customer = CustomerFactory(name="Syndic Horizon Gestion")
    site = SiteFactory(customer=customer, name="Résidence Les Tilleuls")
    service = ServiceFactory(label="Entretien des parties communes")
    EmployeeFactory(first_name="Léa", last_name="Martin")

    browser_login(page, "planning")
    page.goto(f"{page.base_url}/customers/{customer.pk}/?tab=planning")
    expect(page.locator("#planning-tab")).to_contain_text("Aucune programmation pour ce client.")
    page.click("#planning-tab a:has-text('Nouvelle programmation')")
    page.wait_for_url(f"**/planning/sites/{site.pk}/schedules/new/")

    page.select_option("#id_service", str(service.pk))
    page.select_option("#id_employee", label="Léa Martin")
    page.fill("#id_start_time", "07:30")
    page.fill("#id_duration_hours", "1")
    page.fill("#id_duration_extra_minutes", "30")
    summary = page.locator("#schedule-summary")
    for day in range(7):  # start from no day ticked
        box = page.locator(f"#id_weekdays_{day}")
        if box.is_checked():
            page.click(f"label[for=id_weekdays_{day}]")
    expect(summary).to_contain_text("Cochez au moins un jour")
    page.click("label[for=id_weekdays_0]")
    page.click("label[for=id_weekdays_3]")
    expect(summary).to_contain_text("Chaque semaine : lundi et jeudi")
    page.fill("#id_week_interval", "2")
    expect(summary).to_contain_text("Toutes les 2 semaines : lundi et jeudi")
    expect(summary).to_contain_text("Prochaines dates")
    shoot(page, "form-weekly")

    # "Chaque mois": the weekdays give way to the day of the month or the nth weekday.
    page.click("label[for=id_frequency_1]")
    expect(page.locator("[data-frequency-only=weekly]")).to_be_hidden()
    expect(page.locator("[data-frequency-only=monthly]")).to_be_visible()
    page.select_option("#id_month_nth", "-1")
    page.select_option("#id_month_weekday", "4")
    expect(page.locator("#monthly-mode-weekday")).to_be_checked()
    expect(summary).to_contain_text("Chaque mois, le dernier vendredi")
    shoot(page, "form-monthly")

    page.click("label[for=id_frequency_0]")
    expect(summary).to_contain_text("Toutes les 2 semaines : lundi et jeudi")
    page.click("button:has-text('Créer la programmation')")
    page.wait_for_url(f"**/planning/sites/{site.pk}/schedules/")
    expect(page.locator("#messages")).to_contain_text("planifiée(s) jusqu'au")
    schedule = Schedule.objects.get()
    assert schedule.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"
    assert (schedule.start_time, schedule.duration_minutes) == (time(7, 30), 90)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_planning_tab_and_the_site_page(browser_page, planner):
    page = browser_page
    customer = CustomerFactory(name="Syndic Horizon Gestion")
    site = SiteFactory(customer=customer, name="Résidence Les Tilleuls")
    other = SiteFactory(customer=customer, name="Parking souterrain")
    today = timezone.localdate()
    lea = EmployeeFactory(first_name="Léa", last_name="Martin")
    weekly = schedule_create(
        site=site, by=planner, service=ServiceFactory(label="Entretien des parties communes"),
        employee=lea, rrule="FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH",
        start_date=today - timedelta(days=21), start_time=time(8, 30), duration_minutes=150,
    )  # fmt: skip
    schedule_create(
        site=other, by=planner, service=ServiceFactory(label="Lavage du sol"),
        rrule="FREQ=MONTHLY;INTERVAL=1;BYDAY=-1FR", start_date=today, start_time=time(18, 0),
        duration_minutes=60,
    )  # fmt: skip
    past = weekly.interventions.filter(start__lt=timezone.now()).order_by("-start")
    for index, visit in enumerate(past[:4]):
        status = Intervention.Status.MISSED if index == 1 else Intervention.Status.DONE
        intervention_update(intervention=visit, by=planner, status=status)
    site_closure_add(
        site=site, by=planner, start_date=today + timedelta(days=30),
        end_date=today + timedelta(days=44), reason="Travaux de ravalement",
    )  # fmt: skip

    browser_login(page, "planning")
    page.goto(f"{page.base_url}/customers/{customer.pk}/?tab=sites")
    page.click(f"a[href='/planning/sites/{site.pk}/schedules/']")
    page.wait_for_url(f"**/planning/sites/{site.pk}/schedules/")
    expect(page.locator("#closures")).to_contain_text("Travaux de ravalement")
    shoot(page, "site")

    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    page.click("a[data-record-tab]:has-text('Planning')")
    tab = page.locator("#planning-tab")
    expect(tab).to_contain_text("Chaque mois, le dernier vendredi")
    expect(tab).to_contain_text("Client absent")
    shoot(page, "tab")

    page.click(f"#planning-tab a[href='/planning/schedules/{weekly.pk}/'] >> nth=0")
    page.wait_for_url(f"**/planning/schedules/{weekly.pk}/")
    expect(page.locator(".alert-info")).to_contain_text("celles que vous avez déplacées")
    shoot(page, "edit")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Terminer')")
    page.wait_for_url(f"**/planning/sites/{site.pk}/schedules/")
    expect(page.locator("#messages")).to_contain_text("Programmation terminée")
    weekly.refresh_from_db()
    assert weekly.end_date == today
