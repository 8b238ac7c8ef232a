"""API of the interventions: Paris times with their offset, a bounded list with its
filters and conflicts (in a fixed number of queries), one-off visits, moves and reports,
the refusals at their field, and who sees and changes what."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from creneau.catalog.tests.factories import ServiceFactory
from creneau.core.models import AuditEvent
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning.models import Absence, Intervention, SiteClosure
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/interventions"
PARIS = ZoneInfo("Europe/Paris")
FIELDS = {"id", "schedule_id", "site_id", "customer_id", "employee_id", "service_id",
          "start", "end", "status", "actual_start", "actual_end", "quantity", "notes",
          "conflicts"}  # fmt: skip


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def errors(response) -> dict[str, str]:
    return {error["field"]: error["msg"] for error in response.json()["detail"]}


@pytest.fixture
def world(rep):
    """A rep's customer with a site, another customer, an employee, a service, and a visit
    on Monday 29 March 2027 (summer time since the day before) at 08:30."""
    customer = CustomerFactory(sales_rep=rep, name="Syndic Horizon")
    site = SiteFactory(customer=customer, name="Les Tilleuls")
    other_site = SiteFactory(customer=CustomerFactory(name="Banque"), name="Agence")
    employee = EmployeeFactory(first_name="Jeanne", last_name="Martin")
    service = ServiceFactory(label="Entretien")
    visit = InterventionFactory(
        site=site,
        employee=employee,
        service=service,
        start=paris(2027, 3, 29, 8, 30),
        end=paris(2027, 3, 29, 10, 30),
    )
    return {"customer": customer, "site": site, "other_site": other_site,
            "employee": employee, "service": service, "visit": visit}  # fmt: skip


def row(visit: Intervention) -> dict:
    return Intervention.objects.values().get(pk=visit.pk)


# Reading --------------------------------------------------------------------------------


def test_a_visit_reads_with_paris_times_and_the_issues_fields(world, direction, api_for):
    visit = world["visit"]
    body = api_for(direction).get(f"{URL}/{visit.pk}").json()
    assert set(body) == FIELDS
    assert body["start"] == "2027-03-29T08:30:00+02:00"
    assert body["end"] == "2027-03-29T10:30:00+02:00"
    assert body["customer_id"] == world["customer"].pk and body["schedule_id"] is None
    assert (body["status"], body["quantity"], body["conflicts"]) == ("planned", "2.00", [])
    winter = InterventionFactory(site=world["site"], start=paris(2027, 1, 4, 8, 30),
                                 end=paris(2027, 1, 4, 9, 0))  # fmt: skip
    assert api_for(direction).get(f"{URL}/{winter.pk}").json()["start"].endswith("+01:00")


def test_the_list_takes_local_days_inclusive_and_its_filters(world, direction, api_for):
    client = api_for(direction)
    site, employee = world["site"], world["employee"]
    late = InterventionFactory(site=site, start=paris(2027, 3, 30, 23, 30),
                               end=paris(2027, 3, 31, 0, 30))  # fmt: skip
    other = InterventionFactory(site=world["other_site"], start=paris(2027, 3, 30, 9),
                                end=paris(2027, 3, 30, 10), status="cancelled")  # fmt: skip

    def ids(**params):
        response = client.get(URL, {"start": "2027-03-29", "end": "2027-03-30", **params})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["count"] == len(body["items"])
        return [item["id"] for item in body["items"]]

    assert ids() == [world["visit"].pk, other.pk, late.pk]
    assert ids(end="2027-03-29") == [world["visit"].pk]
    assert ids(employee_id=employee.pk) == [world["visit"].pk]
    assert ids(site_id=site.pk) == [world["visit"].pk, late.pk]
    assert ids(customer_id=world["customer"].pk) == [world["visit"].pk, late.pk]
    assert ids(status="cancelled") == [other.pk]
    assert ids(start="2027-03-31", end="2027-04-02") == []


def test_the_list_defaults_to_the_coming_days_and_is_bounded(world, direction, api_for):
    client = api_for(direction)
    today = timezone.localdate()
    soon = InterventionFactory(site=world["site"])  # tomorrow
    assert [item["id"] for item in client.get(URL).json()["items"]] == [soon.pk]
    far = today + timedelta(days=92)
    assert client.get(URL, {"start": str(today), "end": str(far)}).status_code == 200
    too_far = client.get(URL, {"start": str(today), "end": str(far + timedelta(days=1))})
    assert too_far.status_code == 422 and "93 jours au plus" in errors(too_far)["end"]
    backwards = client.get(URL, {"start": "2027-03-29", "end": "2027-03-28"})
    assert errors(backwards)["end"] == "La date de fin ne peut précéder la date de début."
    assert errors(client.get(URL, {"start": "9999-12-31"}))["start"].startswith("Date hors")
    assert errors(client.get(URL, {"start": "29/03/2027"}))["start"].startswith("Saisissez")
    assert errors(client.get(URL, {"status": "perdue"}))["status"] == "Valeur non autorisée."


def test_conflicts_come_with_each_visit(world, direction, api_for):
    visit, employee = world["visit"], world["employee"]
    overlap = InterventionFactory(
        site=world["other_site"],
        employee=employee,
        start=paris(2027, 3, 29, 9),
        end=paris(2027, 3, 29, 11),
    )
    Absence.objects.create(employee=employee, start_date=date(2027, 3, 29),
                           end_date=date(2027, 3, 29), reason="RTT")  # fmt: skip
    SiteClosure.objects.create(site=world["site"], start_date=date(2027, 3, 29),
                               end_date=date(2027, 3, 30))  # fmt: skip
    items = api_for(direction).get(URL, {"start": "2027-03-29", "end": "2027-03-29"}).json()
    by_id = {item["id"]: {c["code"] for c in item["conflicts"]} for item in items["items"]}
    assert by_id[visit.pk] == {"double_booking", "absence", "site_closure"}
    assert by_id[overlap.pk] == {"double_booking", "absence"}
    message = next(c["message"] for c in items["items"][0]["conflicts"])
    assert message.startswith("Intervenant déjà pris de 09:00 à 11:00")


def test_the_list_does_not_grow_its_queries_with_its_rows(
    world, direction, api_for, django_assert_max_num_queries
):
    client = api_for(direction)
    params = {"start": "2027-03-29", "end": "2027-04-04"}
    client.get(URL, params)
    with django_assert_max_num_queries(10) as few:
        client.get(URL, params)
    employees = EmployeeFactory.create_batch(5)
    for day in range(7):
        for index, employee in enumerate(employees):
            # Overlapping visits: conflicts to compute.
            start = paris(2027, 3, 29, 8 + index % 2) + timedelta(days=day)
            InterventionFactory(site=world["site"], employee=employee, start=start,
                                end=start + timedelta(hours=2))  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        body = client.get(URL, {**params, "limit": 500}).json()
    assert body["count"] == 36 and len(body["items"]) == 36
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        assert len(client.get(URL, {**params, "limit": 10, "offset": 10}).json()["items"]) == 10


# One-off visits -------------------------------------------------------------------------


def test_create_a_one_off_visit(world, planner, api_for):
    body = {"site_id": world["site"].pk, "service_id": world["service"].pk,
            "employee_id": world["employee"].pk, "start": "2027-04-01T14:00:00+02:00",
            "end": "2027-04-01T16:30:00+02:00", "notes": "Clé chez le gardien",
            "quantity": "2.5"}  # fmt: skip
    response = api_for(planner).post(URL, body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["start"] == "2027-04-01T14:00:00+02:00" and created["quantity"] == "2.50"
    assert created["schedule_id"] is None and created["status"] == "planned"
    visit = Intervention.objects.get(pk=created["id"])
    assert visit.start == datetime(2027, 4, 1, 12, 0, tzinfo=ZoneInfo("UTC"))
    assert visit.user_owned and visit.quantity == Decimal("2.5")
    event = AuditEvent.objects.get(object_type="intervention", action="create")
    assert event.customer_id == world["customer"].pk


def test_a_time_without_offset_is_a_paris_time(world, planner, api_for):
    body = {"site_id": world["site"].pk, "start": "2027-10-31T08:30:00",
            "end": "2027-10-31T09:30:00"}  # fmt: skip
    created = api_for(planner).post(URL, body).json()
    assert created["start"] == "2027-10-31T08:30:00+01:00"  # winter time since 03:00


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"end": "2027-04-01T13:00:00+02:00"}, "end", "La fin doit suivre le début."),
        ({"end": "2027-04-01T14:00:00+02:00"}, "end", "La fin doit suivre le début."),
        ({"end": "2027-04-02T14:01:00+02:00"}, "end", "24 heures au plus"),
        ({"start": "demain 14h"}, "start", "Saisissez une date et une heure"),
        ({"start": "1999-04-01T14:00:00+02:00"}, "start", "Date hors des limites"),
        ({"site_id": 999999}, "site_id", "Site introuvable."),
        ({"employee_id": 999999}, "employee_id", "Intervenant introuvable."),
        ({"service_id": 999999}, "service_id", "Prestation introuvable."),
        ({"quantity": 2.5}, "quantity", "nombre décimal en texte"),
        ({"quantity": "-1"}, "quantity", "nombre décimal en texte"),
        ({"notes": "x" * 5001}, "notes", "Texte trop long."),
        ({"status": "done"}, "status", "Champ inconnu."),
    ],
)
def test_bad_input_on_creation_answers_422_at_its_field(
    world, planner, api_for, change, field, message
):
    body = {"site_id": world["site"].pk, "employee_id": world["employee"].pk,
            "start": "2027-04-01T14:00:00+02:00", "end": "2027-04-01T16:00:00+02:00",
            **change}  # fmt: skip
    response = api_for(planner).post(URL, body)
    assert response.status_code == 422, response.content
    assert message in errors(response)[field]
    assert Intervention.objects.count() == 1


def test_an_employee_is_never_sent_to_an_incompatible_site(world, planner, api_for):
    world["employee"].incompatible_sites.add(world["site"])
    body = {"site_id": world["site"].pk, "employee_id": world["employee"].pk,
            "start": "2027-04-01T14:00:00+02:00", "end": "2027-04-01T16:00:00+02:00"}  # fmt: skip
    response = api_for(planner).post(URL, body)
    assert response.status_code == 422
    assert (
        "ne doit pas être envoyé(e) sur le site « Les Tilleuls »" in errors(response)["employee_id"]
    )
    other = EmployeeFactory()
    other.incompatible_sites.add(world["site"])
    moved = api_for(planner).patch(f"{URL}/{world['visit'].pk}", {"employee_id": other.pk})
    assert "employee_id" in errors(moved)
    assert row(world["visit"])["employee_id"] == world["employee"].pk


# Moves and reports ----------------------------------------------------------------------


def test_move_keeps_the_length_and_reassign(world, planner, api_for):
    client = api_for(planner)
    visit = world["visit"]
    other = EmployeeFactory()
    moved = client.patch(f"{URL}/{visit.pk}", {"start": "2027-03-31T07:00:00+02:00",
                                              "employee_id": other.pk})  # fmt: skip
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert (body["start"], body["end"]) == (
        "2027-03-31T07:00:00+02:00",
        "2027-03-31T09:00:00+02:00",
    )
    assert body["employee_id"] == other.pk
    unassigned = client.patch(f"{URL}/{visit.pk}", {"employee_id": None})
    assert unassigned.json()["employee_id"] is None
    visit.refresh_from_db()
    assert visit.user_owned and visit.sequence == 2


def test_mark_done_then_the_status_changes_that_make_no_sense(world, planner, api_for):
    client = api_for(planner)
    url = f"{URL}/{world['visit'].pk}"
    done = client.patch(url, {"status": "done", "quantity": "1.75", "notes": "RAS"}).json()
    assert (done["status"], done["quantity"], done["notes"]) == ("done", "1.75", "RAS")
    assert done["actual_start"] == "2027-03-29T08:30:00+02:00"  # the planned times by default
    back = client.patch(url, {"quantity": None}).json()
    assert back["quantity"] == "2.00"

    cancelled = client.patch(url, {"status": "cancelled"})
    assert cancelled.status_code == 422 and "rouvrez-la d'abord" in errors(cancelled)["status"]
    client.patch(url, {"status": "planned"})
    client.patch(url, {"status": "cancelled"})
    before = row(world["visit"])
    refused = client.patch(url, {"status": "done"})
    assert refused.status_code == 422 and "« Annulée »" in errors(refused)["status"]
    assert row(world["visit"]) == before


@pytest.mark.parametrize(
    "change, field",
    [
        ({"end": "2027-03-29T08:00:00+02:00"}, "end"),
        ({"start": "2027-03-29T08:30:00+02:00", "end": "2027-03-30T09:00:00+02:00"}, "end"),
        ({"actual_start": "2027-03-29T09:00:00+02:00", "actual_end": "2027-03-29T08:59:00+02:00"},
         "actual_end"),
        ({"start": None}, "start"),
        ({"status": None}, "status"),
        ({"site_id": 1}, "site_id"),
        ({"conflicts": []}, "conflicts"),
    ],
)  # fmt: skip
def test_bad_patches_answer_422_at_their_field_and_change_nothing(
    world, planner, api_for, change, field
):
    before = row(world["visit"])
    response = api_for(planner).patch(f"{URL}/{world['visit'].pk}", change)
    assert response.status_code == 422, response.content
    assert field in errors(response)
    assert row(world["visit"]) == before


# Who sees and changes what --------------------------------------------------------------


def test_a_rep_reads_its_own_customers_visits_only(world, rep, other_rep, accountant, api_for):
    visit = world["visit"]
    hidden = InterventionFactory(site=world["other_site"], start=paris(2027, 3, 29, 9),
                                 end=paris(2027, 3, 29, 10))  # fmt: skip
    client = api_for(rep)
    listed = client.get(URL, {"start": "2027-03-29", "end": "2027-03-29"}).json()
    assert [item["id"] for item in listed["items"]] == [visit.pk]
    assert client.get(f"{URL}/{hidden.pk}").status_code == 404
    assert client.patch(f"{URL}/{hidden.pk}", {"notes": "x"}).status_code == 404
    # Reading is not writing: 403 on its own customers' visits, as for accounting.
    for reader in (rep, accountant):
        refused = api_for(reader).patch(f"{URL}/{visit.pk}", {"notes": "x"})
        assert refused.status_code == 403 and "Votre rôle" in refused.json()["detail"]
        creation = {"site_id": world["site"].pk, "start": "2027-04-01T14:00:00+02:00",
                    "end": "2027-04-01T15:00:00+02:00"}  # fmt: skip
        assert api_for(reader).post(URL, creation).status_code == 403
    assert api_for(other_rep).get(f"{URL}/{visit.pk}").status_code == 404
    assert row(visit)["notes"] == "" and Intervention.objects.count() == 2


def test_an_intervenant_reports_its_own_visits_only(world, field_worker, api_for):
    own = InterventionFactory(site=world["site"], employee=field_worker.employee,
                              start=paris(2027, 3, 29, 14), end=paris(2027, 3, 29, 16))  # fmt: skip
    client = api_for(field_worker)
    listed = client.get(URL, {"start": "2027-03-29", "end": "2027-03-29"}).json()
    assert [item["id"] for item in listed["items"]] == [own.pk]
    assert client.get(f"{URL}/{world['visit'].pk}").status_code == 404
    assert client.patch(f"{URL}/{world['visit'].pk}", {"status": "done"}).status_code == 404

    report = {"status": "done", "actual_start": "2027-03-29T14:10:00+02:00",
              "actual_end": "2027-03-29T15:50:00+02:00", "notes": "Vitres faites"}  # fmt: skip
    done = client.patch(f"{URL}/{own.pk}", report)
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["quantity"]) == ("done", "1.67")
    for refused in ({"start": "2027-03-29T15:00:00+02:00"}, {"quantity": "3"},
                    {"employee_id": None}, {"status": "planned", "service_id": None}):  # fmt: skip
        assert client.patch(f"{URL}/{own.pk}", refused).status_code == 403, refused
    client.patch(f"{URL}/{own.pk}", {"status": "planned"})
    assert client.patch(f"{URL}/{own.pk}", {"status": "cancelled"}).status_code == 403
    assert client.patch(f"{URL}/{own.pk}", {"status": "missed"}).json()["status"] == "missed"
    creation = {"site_id": world["site"].pk, "start": "2027-04-01T14:00:00+02:00",
                "end": "2027-04-01T15:00:00+02:00"}  # fmt: skip
    assert client.post(URL, creation).status_code == 403


def test_anonymous_gets_401(client, world):
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/{world['visit'].pk}").status_code == 401
