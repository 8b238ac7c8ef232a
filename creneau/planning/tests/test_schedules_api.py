"""API of the schedules: /api/v1/schedules."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from creneau.catalog.tests.factories import ServiceFactory
from creneau.core.models import AuditEvent
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning.models import Intervention, Schedule
from creneau.planning.services import intervention_update, schedule_create
from creneau.planning.tests.factories import EmployeeFactory, ScheduleFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/schedules"
FIELDS = {
    "id", "site_id", "service_id", "employee_id", "rrule", "start_date", "end_date",
    "start_time", "duration_minutes", "skip_public_holidays", "skip_site_closures", "notes",
    "billing_mode", "flat_amount",
}  # fmt: skip


@pytest.fixture
def site(rep):
    return SiteFactory(customer=CustomerFactory(sales_rep=rep))


def monday():
    day = timezone.localdate() + timedelta(days=1)
    return day + timedelta(days=-day.weekday() % 7)


def body(site, **overrides) -> dict:
    data = {
        "site_id": site.pk,
        "rrule": "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH",
        "start_date": monday().isoformat(),
        "start_time": "08:30",
        "duration_minutes": 120,
    }
    data.update(overrides)
    return data


def errors(response) -> dict[str, str]:
    return {error["field"]: error["msg"] for error in response.json()["detail"]}


def test_create_read_and_list(site, planner, api_for):
    client = api_for(planner)
    service, employee = ServiceFactory(), EmployeeFactory()
    response = client.post(
        URL,
        body(site, service_id=service.pk, employee_id=employee.pk, notes="Clés au gardien",
             skip_public_holidays=False),
    )  # fmt: skip
    assert response.status_code == 201, response.content
    created = response.json()
    assert set(created) == FIELDS
    assert created["start_time"] == "08:30"
    assert created["rrule"] == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH"
    assert (created["service_id"], created["employee_id"]) == (service.pk, employee.pk)
    assert created["skip_public_holidays"] is False and created["skip_site_closures"] is True
    assert created["end_date"] is None
    schedule = Schedule.objects.get(pk=created["id"])
    assert schedule.interventions.exists()
    assert AuditEvent.objects.filter(customer_id=site.customer_id, object_type="schedule").exists()
    assert client.get(f"{URL}/{schedule.pk}").json() == created
    listed = client.get(URL, {"site_id": site.pk}).json()
    assert listed["count"] == 1 and listed["items"] == [created]


def test_the_rule_is_stored_in_its_canonical_form(site, planner, api_for):
    response = api_for(planner).post(URL, body(site, rrule="freq=weekly;byday=th,mo"))
    assert response.json()["rrule"] == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH"


def test_the_list_filters_by_site_customer_and_employee(site, planner, api_for):
    employee = EmployeeFactory()
    mine = ScheduleFactory(site=site, employee=employee)
    other_site = SiteFactory(customer=site.customer)
    same_customer = ScheduleFactory(site=other_site)
    elsewhere = ScheduleFactory()
    client = api_for(planner)

    def ids(**params):
        return {item["id"] for item in client.get(URL, params).json()["items"]}

    assert ids() == {mine.pk, same_customer.pk, elsewhere.pk}
    assert ids(site_id=site.pk) == {mine.pk}
    assert ids(customer_id=site.customer_id) == {mine.pk, same_customer.pk}
    assert ids(employee_id=employee.pk) == {mine.pk}


def test_a_rep_lists_and_reads_its_own_customers_schedules_only(site, rep, other_rep, api_for):
    mine = ScheduleFactory(site=site)
    theirs = ScheduleFactory(site=SiteFactory(customer=CustomerFactory(sales_rep=other_rep)))
    client = api_for(rep)
    assert [item["id"] for item in client.get(URL).json()["items"]] == [mine.pk]
    assert client.get(f"{URL}/{mine.pk}").status_code == 200
    assert client.get(f"{URL}/{theirs.pk}").status_code == 404
    assert client.patch(f"{URL}/{theirs.pk}", {"notes": "x"}).status_code == 404
    assert client.delete(f"{URL}/{theirs.pk}").status_code == 404


def test_a_rep_writes_nothing(site, rep, api_for):
    schedule = ScheduleFactory(site=site)
    client = api_for(rep)
    assert client.post(URL, body(site)).status_code == 403
    assert client.patch(f"{URL}/{schedule.pk}", {"notes": "x"}).status_code == 403
    assert client.delete(f"{URL}/{schedule.pk}").status_code == 403
    assert Schedule.objects.count() == 1
    schedule.refresh_from_db()
    assert schedule.notes == "" and schedule.end_date is None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"rrule": "FREQ=WEEKLY;BYDAY=XX"}, "rrule", "Choisissez au moins un jour"),
        ({"rrule": "pas une règle"}, "rrule", "Règle de récurrence illisible"),
        ({"rrule": "FREQ=DAILY;INTERVAL=1"}, "rrule", "Fréquence non proposée"),
        ({"rrule": "FREQ=YEARLY;BYMONTH=3"}, "rrule", "non proposé"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=MO;UNTIL=20300101"}, "rrule", "non proposé"),
        ({"rrule": "FREQ=WEEKLY;INTERVAL=99;BYDAY=MO"}, "rrule", "L'intervalle va de 1 à 52"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=MO" + ",MO" * 200}, "rrule", "Texte trop long."),
        ({"duration_minutes": 0}, "duration_minutes", "Valeur trop petite."),
        ({"duration_minutes": -30}, "duration_minutes", "Valeur trop petite."),
        ({"duration_minutes": 1441}, "duration_minutes", "Valeur trop grande."),
        ({"start_time": "8h30"}, "start_time", "Format invalide."),
        ({"start_time": "24:00"}, "start_time", "Format invalide."),
        ({"site_id": 10**9}, "site_id", "Site introuvable."),
        ({"site_id": 2**63}, "site_id", "Valeur trop grande."),
        ({"employee_id": 10**9}, "employee_id", "Intervenant introuvable."),
        ({"service_id": 10**9}, "service_id", "Prestation introuvable."),
        ({"notes": "x" * 5001}, "notes", "Texte trop long."),
        ({"start_date": "2026-02-30"}, "start_date", "Saisissez une date valide"),
    ],
)
def test_bad_input_answers_422_at_its_field_and_saves_nothing(
    site, planner, api_for, overrides, field, message
):
    response = api_for(planner).post(URL, body(site, **overrides))
    assert response.status_code == 422, response.content
    assert message in errors(response)[field], errors(response)
    assert not Schedule.objects.exists()


def test_a_last_date_before_the_first_answers_422_at_end_date(site, planner, api_for):
    first = monday()
    response = api_for(planner).post(
        URL, body(site, start_date=first.isoformat(), end_date=str(first - timedelta(1)))
    )
    assert response.status_code == 422
    assert errors(response) == {"end_date": "La dernière date ne peut précéder la première date."}


def test_an_invisible_site_answers_422_for_a_rep(site, rep, other_rep, api_for):
    theirs = SiteFactory(customer=CustomerFactory(sales_rep=other_rep))
    response = api_for(rep).post(URL, body(theirs))
    assert response.status_code == 422
    assert errors(response) == {"site_id": "Site introuvable."}


def test_an_incompatible_site_answers_422_at_employee_id(site, planner, api_for):
    employee = EmployeeFactory(first_name="Paul", last_name="Durand")
    employee.incompatible_sites.add(site)
    response = api_for(planner).post(URL, body(site, employee_id=employee.pk))
    assert response.status_code == 422
    assert "Paul Durand ne doit pas être envoyé(e)" in errors(response)["employee_id"]
    schedule = ScheduleFactory(site=site)
    patched = api_for(planner).patch(f"{URL}/{schedule.pk}", {"employee_id": employee.pk})
    assert patched.status_code == 422 and "employee_id" in errors(patched)
    schedule.refresh_from_db()
    assert schedule.employee is None


def test_an_inactive_employee_or_service_is_not_given_anew(site, planner, api_for):
    employee = EmployeeFactory(is_active=False)
    service = ServiceFactory(is_active=False)
    response = api_for(planner).post(URL, body(site, employee_id=employee.pk))
    assert errors(response) == {"employee_id": "Cet intervenant n'est plus actif."}
    response = api_for(planner).post(URL, body(site, service_id=service.pk))
    assert errors(response) == {"service_id": "Cette prestation n'est plus active."}


def test_unknown_fields_and_the_site_are_refused_in_a_patch(site, planner, api_for):
    schedule = ScheduleFactory(site=site)
    client = api_for(planner)
    moved = client.patch(f"{URL}/{schedule.pk}", {"site_id": SiteFactory().pk})
    assert errors(moved) == {"site_id": "Champ inconnu."}
    null = client.patch(f"{URL}/{schedule.pk}", {"rrule": None, "duration_minutes": None})
    assert errors(null) == {
        "duration_minutes": "Ce champ ne peut pas être vide.",
        "rrule": "Ce champ ne peut pas être vide.",
    }


def test_a_patch_moves_the_untouched_future_visits_only(site, planner, api_for):
    schedule = schedule_create(
        site=site, by=planner, rrule="FREQ=WEEKLY;INTERVAL=1;BYDAY=MO", start_date=monday(),
        start_time=time(8, 30), duration_minutes=60,
    )  # fmt: skip
    first, second = schedule.interventions.order_by("start")[:2]
    intervention_update(intervention=first, by=planner, status=Intervention.Status.CANCELLED)
    employee = EmployeeFactory()
    response = api_for(planner).patch(
        f"{URL}/{schedule.pk}", {"start_time": "14:15", "employee_id": employee.pk}
    )
    assert response.status_code == 200, response.content
    assert response.json()["start_time"] == "14:15"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Intervention.Status.CANCELLED and first.employee is None
    assert timezone.localtime(second.start).time() == time(14, 15)
    assert second.employee == employee
    # Back to "à pourvoir", and no last date.
    cleared = api_for(planner).patch(f"{URL}/{schedule.pk}", {"employee_id": None})
    assert cleared.json()["employee_id"] is None


def test_delete_ends_the_schedule_and_keeps_what_was_done(site, planner, api_for):
    schedule = schedule_create(
        site=site, by=planner, rrule="FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TU,WE,TH,FR,SA,SU",
        start_date=timezone.localdate() - timedelta(days=7), start_time=time(8, 0),
        duration_minutes=60, skip_public_holidays=False,
    )  # fmt: skip
    past = schedule.interventions.filter(start__lt=timezone.now()).count()
    tomorrow_start = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    tomorrow_start += timedelta(days=1)
    kept = schedule.interventions.get(start=tomorrow_start)
    intervention_update(
        intervention=kept, by=planner, start=kept.start + timedelta(hours=1),
        end=kept.end + timedelta(hours=1),
    )  # fmt: skip
    response = api_for(planner).delete(f"{URL}/{schedule.pk}")
    assert response.status_code == 200
    assert response.json()["end_date"] == timezone.localdate().isoformat()
    after = schedule.interventions.filter(start__gt=timezone.localtime().replace(hour=23))
    assert set(after.values_list("status", flat=True)) == {
        Intervention.Status.CANCELLED,
        Intervention.Status.PLANNED,  # the one the user moved
    }
    assert after.filter(status=Intervention.Status.PLANNED).get() == kept
    assert schedule.interventions.filter(start__lt=timezone.now()).count() == past


def test_the_openapi_document_bounds_the_inputs(direction, api_for):
    document = api_for(direction).get("/api/v1/openapi.json").json()
    schema = document["components"]["schemas"]["ScheduleIn"]["properties"]
    assert schema["rrule"]["maxLength"] == 300
    assert (schema["duration_minutes"]["minimum"], schema["duration_minutes"]["maximum"]) == (
        1,
        1440,
    )
    assert schema["start_time"]["pattern"]


def test_a_schedule_begun_long_ago_is_still_edited(site, planner, api_for):
    old = ScheduleFactory(site=site, start_date=timezone.localdate() - timedelta(days=800))
    client = api_for(planner)
    response = client.patch(f"{URL}/{old.pk}", {"notes": "Toujours en cours"})
    assert response.status_code == 200, response.content
    moved = client.patch(f"{URL}/{old.pk}", {"start_date": str(old.start_date - timedelta(1))})
    assert "plus d'un an" in errors(moved)["start_date"]
    assert client.delete(f"{URL}/{old.pk}").status_code == 200
