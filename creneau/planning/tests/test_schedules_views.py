"""The schedule pages: the form (weekly, monthly), its live summary, editing and ending a
schedule, a site's schedules and closures, "Nouvelle programmation", who may do what."""

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone

from creneau.catalog.tests.factories import ServiceFactory
from creneau.core.models import AuditEvent
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning.models import Intervention, Schedule, SiteClosure
from creneau.planning.services import intervention_update, schedule_create, site_closure_add
from creneau.planning.tests.factories import EmployeeFactory, ScheduleFactory

pytestmark = pytest.mark.django_db

Status = Intervention.Status


def next_weekday(weekday: int, after_days: int = 1):
    day = timezone.localdate() + timedelta(days=after_days)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


@pytest.fixture
def customer(rep):
    return CustomerFactory(sales_rep=rep, name="Résidence Les Tilleuls")


@pytest.fixture
def site(customer):
    return SiteFactory(customer=customer, name="Bâtiment A")


def form_data(**overrides) -> dict:
    data = {
        "service": "",
        "employee": "",
        "start_time": "08:30",
        "duration_hours": "2",
        "duration_extra_minutes": "0",
        "start_date": next_weekday(0).isoformat(),
        "end_date": "",
        "frequency": "weekly",
        "weekdays": ["0", "3"],
        "week_interval": "1",
        "monthly_mode": "day",
        "month_day": "15",
        "month_nth": "1",
        "month_weekday": "0",
        "month_interval": "1",
        "skip_public_holidays": "on",
        "skip_site_closures": "on",
        "notes": "",
    }
    data.update(overrides)
    return data


def field_errors(response) -> dict[str, list[str]]:
    """The errors shown under each field (by the id of the field's block)."""
    html = response.content.decode()
    return re.findall(r'invalid-feedback d-block[^"]*">([^<]+)<', html)


def test_a_weekly_schedule_is_created_with_its_visits(site, planner, client_for):
    service = ServiceFactory(label="Ménage des parties communes")
    employee = EmployeeFactory(first_name="Léa", last_name="Martin")
    client = client_for(planner)
    response = client.post(
        f"/planning/sites/{site.pk}/schedules/new/",
        form_data(service=service.pk, employee=employee.pk, week_interval="2"),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/planning/sites/{site.pk}/schedules/"
    schedule = Schedule.objects.get()
    assert schedule.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"
    assert (schedule.site, schedule.service, schedule.employee) == (site, service, employee)
    assert (schedule.start_time, schedule.duration_minutes) == (time(8, 30), 120)
    assert schedule.skip_public_holidays and schedule.skip_site_closures
    assert schedule.interventions.exists()
    assert AuditEvent.objects.filter(
        customer_id=site.customer_id, object_type="schedule", action="create"
    ).exists()
    page = client.get(response["Location"]).content.decode()
    assert "intervention(s) planifiée(s) jusqu&#x27;au" in page
    assert "Ménage des parties communes" in page and "Léa Martin" in page
    assert "Toutes les 2 semaines : lundi et jeudi" in page


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"frequency": "monthly", "monthly_mode": "day", "month_day": "15"},
         "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=15"),
        ({"frequency": "monthly", "monthly_mode": "weekday", "month_nth": "-1",
          "month_weekday": "4", "month_interval": "2"},
         "FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR"),
        ({"frequency": "monthly", "monthly_mode": "weekday", "month_nth": "2",
          "month_weekday": "1"},
         "FREQ=MONTHLY;INTERVAL=1;BYDAY=2TU"),
    ],
)  # fmt: skip
def test_a_monthly_schedule_is_built_from_the_choices(site, direction, client_for, overrides, rule):
    response = client_for(direction).post(
        f"/planning/sites/{site.pk}/schedules/new/", form_data(weekdays=[], **overrides)
    )
    assert response.status_code == 302, field_errors(response)
    assert Schedule.objects.get().rrule == rule


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"weekdays": []}, "Cochez au moins un jour de la semaine."),
        ({"duration_hours": "0", "duration_extra_minutes": "0"}, "La durée va de 1 minute"),
        ({"duration_hours": "24", "duration_extra_minutes": "30"}, "La durée va de 1 minute"),
        ({"duration_hours": "25"}, "inférieure ou égale à 24"),
        ({"frequency": "monthly", "month_day": "32"}, "inférieure ou égale à 31"),
        ({"frequency": "monthly", "month_day": ""}, "Indiquez le jour du mois"),
        ({"week_interval": "53"}, "inférieure ou égale à 52"),
        ({"start_time": "25:00"}, "Saisissez une heure valide"),
        ({"start_date": ""}, "Ce champ est obligatoire"),
        ({"frequency": "daily"}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_input_is_refused_at_its_field_and_saves_nothing(
    site, planner, client_for, overrides, message
):
    response = client_for(planner).post(
        f"/planning/sites/{site.pk}/schedules/new/", form_data(**overrides)
    )
    assert response.status_code == 200
    assert any(message in error for error in field_errors(response)), field_errors(response)
    assert not Schedule.objects.exists()


def test_a_last_date_before_the_first_is_said_at_the_last_date(site, planner, client_for):
    first = next_weekday(0)
    response = client_for(planner).post(
        f"/planning/sites/{site.pk}/schedules/new/",
        form_data(start_date=first.isoformat(), end_date=(first - timedelta(1)).isoformat()),
    )
    html = response.content.decode()
    end_field = html[html.index('id="id_end_date"') :]
    assert "La dernière date ne peut précéder la première date." in end_field[:600]
    assert not Schedule.objects.exists()


def test_a_first_date_over_a_year_ago_is_refused(site, planner, client_for):
    old = timezone.localdate() - timedelta(days=400)
    response = client_for(planner).post(
        f"/planning/sites/{site.pk}/schedules/new/", form_data(start_date=old.isoformat())
    )
    assert any("plus d&#x27;un an" in error for error in field_errors(response))
    assert not Schedule.objects.exists()


def test_an_incompatible_site_is_refused_at_the_employee(site, planner, client_for):
    employee = EmployeeFactory(first_name="Paul", last_name="Durand")
    employee.incompatible_sites.add(site)
    response = client_for(planner).post(
        f"/planning/sites/{site.pk}/schedules/new/", form_data(employee=employee.pk)
    )
    html = response.content.decode()
    employee_field = html[html.index('id="id_employee"') :]
    assert "ne doit pas être envoyé(e) sur le site" in employee_field[:3000]
    assert not Schedule.objects.exists()


def test_the_form_offers_active_services_and_employees_only(site, planner, client_for):
    ServiceFactory(label="Vitres")
    ServiceFactory(label="Ancienne prestation", is_active=False)
    EmployeeFactory(first_name="Ancien", last_name="Salarié", is_active=False)
    html = client_for(planner).get(f"/planning/sites/{site.pk}/schedules/new/").content.decode()
    assert "Vitres" in html and "Ancienne prestation" not in html
    assert "Ancien Salarié" not in html
    assert "À pourvoir (aucun intervenant)" in html
    assert "Sauter les jours fériés" in html and "Sauter les fermetures du site" in html


def test_the_live_summary_says_the_rule_and_its_next_dates(planner, client_for):
    client = client_for(planner)
    monday = next_weekday(0)
    weekly = client.get(
        "/planning/schedules/describe/",
        {"frequency": "weekly", "weekdays": ["0", "3"], "week_interval": "1",
         "start_date": monday.isoformat()},
    ).content.decode()  # fmt: skip
    assert "Chaque semaine : lundi et jeudi" in weekly
    assert "Prochaines dates" in weekly
    monthly = client.get(
        "/planning/schedules/describe/",
        {"frequency": "monthly", "monthly_mode": "weekday", "month_nth": "-1",
         "month_weekday": "4", "month_interval": "1"},
    ).content.decode()  # fmt: skip
    assert "Chaque mois, le dernier vendredi" in monthly
    missing = client.get("/planning/schedules/describe/", {"frequency": "weekly"})
    assert "Cochez au moins un jour de la semaine." in missing.content.decode()
    nonsense = client.get("/planning/schedules/describe/", {"start_date": "9999-12-31"})
    assert nonsense.status_code == 200


def test_the_live_summary_is_wired_with_htmx_and_no_inline_script(site, planner, client_for):
    html = client_for(planner).get(f"/planning/sites/{site.pk}/schedules/new/").content.decode()
    assert 'hx-get="/planning/schedules/describe/"' in html
    assert 'id="schedule-summary"' in html
    assert "<script>" not in html and "hx-on" not in html and "style=" not in html
    assert "js/schedule_form.js" in html


def test_editing_moves_the_untouched_future_visits_and_keeps_the_moved_ones(
    site, planner, client_for
):
    schedule = schedule_create(
        site=site, by=planner, rrule="FREQ=WEEKLY;INTERVAL=1;BYDAY=MO", start_date=next_weekday(0),
        start_time=time(8, 30), duration_minutes=60,
    )  # fmt: skip
    first, second = schedule.interventions.order_by("start")[:2]
    moved_start = first.start + timedelta(hours=3)
    intervention_update(
        intervention=first, by=planner, start=moved_start, end=moved_start + timedelta(hours=1)
    )
    client = client_for(planner)
    page = client.get(f"/planning/schedules/{schedule.pk}/").content.decode()
    assert (
        "Les interventions futures non modifiées suivront ; celles que vous avez déplacées "
        "restent telles quelles." in page
    )
    response = client.post(
        f"/planning/schedules/{schedule.pk}/",
        form_data(start_date=schedule.start_date.isoformat(), weekdays=["0"], start_time="14:00",
                  duration_hours="1"),
    )  # fmt: skip
    assert response.status_code == 302, field_errors(response)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.start == moved_start
    assert timezone.localtime(second.start).time() == time(14, 0)


def test_a_stored_monthly_rule_opens_in_the_form(site, planner, client_for):
    schedule = ScheduleFactory(site=site, rrule="FREQ=MONTHLY;INTERVAL=3;BYDAY=-1FR")
    html = client_for(planner).get(f"/planning/schedules/{schedule.pk}/").content.decode()
    assert 'value="monthly" class="btn-check"' in html and "checked" in html
    assert "Tous les 3 mois, le dernier vendredi" in html


def test_terminer_ends_the_schedule_and_cancels_its_untouched_future_visits(
    site, planner, client_for
):
    schedule = schedule_create(
        site=site, by=planner, rrule="FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TU,WE,TH,FR,SA,SU",
        start_date=timezone.localdate() + timedelta(days=1), start_time=time(8, 0),
        duration_minutes=60, skip_public_holidays=False,
    )  # fmt: skip
    last = timezone.localdate() + timedelta(days=3)
    client = client_for(planner)
    page = client.get(f"/planning/schedules/{schedule.pk}/").content.decode()
    assert "Terminer la programmation" in page and "data-confirm=" in page
    response = client.post(f"/planning/schedules/{schedule.pk}/end/", {"last_date": last})
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.end_date == last
    planned = schedule.interventions.filter(status=Status.PLANNED)
    assert [timezone.localtime(v.start).date() for v in planned] == [
        last - timedelta(days=2),
        last - timedelta(days=1),
        last,
    ]
    assert schedule.interventions.filter(status=Status.CANCELLED).exists()


def test_ending_a_schedule_before_its_first_date_leaves_nothing_planned(site, planner, client_for):
    schedule = schedule_create(
        site=site, by=planner, rrule="FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TU,WE,TH,FR,SA,SU",
        start_date=timezone.localdate() + timedelta(days=10), start_time=time(8, 0),
        duration_minutes=60,
    )  # fmt: skip
    response = client_for(planner).post(
        f"/planning/schedules/{schedule.pk}/end/", {"last_date": timezone.localdate()}
    )
    assert response.status_code == 302
    assert not schedule.interventions.filter(status=Status.PLANNED).exists()
    schedule.refresh_from_db()
    assert schedule.end_date == schedule.start_date  # a last date may not precede the first


def test_a_bad_end_date_changes_nothing(site, planner, client_for):
    schedule = ScheduleFactory(site=site)
    response = client_for(planner).post(f"/planning/schedules/{schedule.pk}/end/", {})
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.end_date is None


def test_a_sales_rep_reads_its_customers_schedules_but_writes_none(site, rep, client_for):
    schedule = ScheduleFactory(site=site)
    client = client_for(rep)
    assert client.get(f"/planning/sites/{site.pk}/schedules/").status_code == 200
    page = client.get(f"/planning/schedules/{schedule.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "disabled" in html and "Créer la programmation" not in html
    assert "Terminer la programmation" not in html
    assert client.get(f"/planning/sites/{site.pk}/schedules/new/").status_code == 403
    assert client.post(f"/planning/schedules/{schedule.pk}/", form_data()).status_code == 403
    assert client.post(f"/planning/schedules/{schedule.pk}/end/").status_code == 403
    assert client.get("/planning/schedules/new/").status_code == 403
    schedule.refresh_from_db()
    assert schedule.end_date is None


def test_an_other_rep_gets_404(site, other_rep, client_for):
    schedule = ScheduleFactory(site=site)
    client = client_for(other_rep)
    assert client.get(f"/planning/sites/{site.pk}/schedules/").status_code == 404
    assert client.get(f"/planning/schedules/{schedule.pk}/").status_code == 404


def test_an_intervenant_sees_no_customer_schedule(site, field_worker, client_for):
    schedule = ScheduleFactory(site=site)
    # Refused before the page is read: an intervenant reaches only its own pages.
    assert client_for(field_worker).get(f"/planning/schedules/{schedule.pk}/").status_code == 403


# Nouvelle programmation: pick the site first ---------------------------------------------


def test_nouvelle_programmation_searches_the_sites(site, planner, client_for):
    client = client_for(planner)
    page = client.get("/planning/schedules/new/").content.decode()
    assert 'hx-get="/planning/schedules/new/sites/"' in page
    found = client.get("/planning/schedules/new/sites/", {"q": "tilleuls"}).content.decode()
    assert "Bâtiment A" in found
    assert f"/planning/sites/{site.pk}/schedules/new/" in found
    none = client.get("/planning/schedules/new/sites/", {"q": "zzzz"}).content.decode()
    assert "Aucun site ne correspond." in none


def test_nouvelle_programmation_for_a_customer_lists_its_sites(customer, site, planner, client_for):
    client = client_for(planner)
    one = client.get("/planning/schedules/new/", {"customer": customer.pk})
    assert one["Location"] == f"/planning/sites/{site.pk}/schedules/new/"
    SiteFactory(customer=customer, name="Bâtiment B")
    two = client.get("/planning/schedules/new/", {"customer": customer.pk}).content.decode()
    assert "Bâtiment A" in two and "Bâtiment B" in two


def test_the_site_search_keeps_to_the_visible_customers(site, other_rep, direction, client_for):
    hidden = client_for(other_rep).get("/planning/schedules/new/sites/", {"q": "a"})
    assert "Bâtiment A" not in hidden.content.decode()
    client = client_for(direction)
    assert "Bâtiment A" in client.get("/planning/schedules/new/sites/", {"q": "a"}).content.decode()
    missing = client.get("/planning/schedules/new/", {"customer": site.customer_id + 1000})
    assert missing.status_code == 404


def test_the_sites_tab_links_each_site_to_its_schedules(customer, site, rep, client_for):
    html = client_for(rep).get(f"/customers/{customer.pk}/sites/").content.decode()
    assert f'href="/planning/sites/{site.pk}/schedules/"' in html


# Site closures -----------------------------------------------------------------------------


def test_a_closure_is_added_and_cancels_the_visits_then(site, planner, client_for):
    schedule = schedule_create(
        site=site, by=planner, rrule="FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TU,WE,TH,FR,SA,SU",
        start_date=timezone.localdate() + timedelta(days=1), start_time=time(8, 0),
        duration_minutes=60, skip_public_holidays=False,
    )  # fmt: skip
    start = timezone.localdate() + timedelta(days=5)
    end = start + timedelta(days=2)
    client = client_for(planner)
    response = client.post(
        f"/planning/sites/{site.pk}/closures/",
        {"start_date": start, "end_date": end, "reason": "Travaux"},
    )
    assert response.status_code == 302
    closure = SiteClosure.objects.get()
    assert (closure.start_date, closure.end_date, closure.reason) == (start, end, "Travaux")
    cancelled = schedule.interventions.filter(status=Status.CANCELLED)
    assert sorted(v.occurrence_date for v in cancelled) == [start, start + timedelta(1), end]
    page = client.get(f"/planning/sites/{site.pk}/schedules/").content.decode()
    assert "Travaux" in page and "Supprimer la fermeture du" in page


def test_a_closure_ending_before_it_starts_is_refused_at_the_field(site, planner, client_for):
    start = timezone.localdate() + timedelta(days=5)
    response = client_for(planner).post(
        f"/planning/sites/{site.pk}/closures/",
        {"start_date": start, "end_date": start - timedelta(days=1)},
    )
    assert response.status_code == 200
    assert "La date de fin ne peut précéder la date de début." in response.content.decode()
    assert not SiteClosure.objects.exists()


def test_a_closure_is_deleted_and_only_by_a_planner(site, planner, rep, client_for):
    start = timezone.localdate() + timedelta(days=5)
    closure = site_closure_add(site=site, by=planner, start_date=start, end_date=start)
    assert client_for(rep).post(f"/planning/closures/{closure.pk}/delete/").status_code == 403
    assert client_for(rep).post(f"/planning/sites/{site.pk}/closures/", {}).status_code == 403
    response = client_for(planner).post(f"/planning/closures/{closure.pk}/delete/")
    assert response.status_code == 302
    assert not SiteClosure.objects.exists()
    assert AuditEvent.objects.filter(
        customer_id=site.customer_id, object_type="siteclosure", action="delete"
    ).exists()


def test_the_site_page_keeps_its_queries_few(
    site, planner, client_for, django_assert_max_num_queries
):
    for _ in range(10):
        ScheduleFactory(site=site, service=ServiceFactory(), employee=EmployeeFactory())
    client = client_for(planner)
    with django_assert_max_num_queries(6):
        assert client.get(f"/planning/sites/{site.pk}/schedules/").status_code == 200
