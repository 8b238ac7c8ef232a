"""API of the employees: fields, search, writes by direction and planning only, the
incompatible sites checked against what the caller sees, the calendar address."""

from __future__ import annotations

import pytest

from creneau.core.models import AuditEvent
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning.models import Employee
from creneau.planning.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/employees"
FIELDS = {"id", "first_name", "last_name", "email", "phone", "color", "is_active",
          "incompatible_site_ids", "ical_url"}  # fmt: skip


def errors(response) -> dict[str, str]:
    return {error["field"]: error["msg"] for error in response.json()["detail"]}


@pytest.fixture
def employee():
    return EmployeeFactory(
        first_name="Jeanne", last_name="Martin", phone="+33612345678", email="j@example.fr"
    )


def test_read_answers_exactly_the_issues_fields(employee, direction, api_for):
    site = SiteFactory()
    employee.incompatible_sites.add(site)
    body = api_for(direction).get(f"{URL}/{employee.pk}").json()
    assert set(body) == FIELDS
    assert body["phone"] == "+33612345678" and body["color"] == "#2a9d8f"
    assert body["incompatible_site_ids"] == [site.pk]
    assert body["ical_url"] == f"http://testserver/planning/ical/{employee.ical_token}.ics"


def test_the_list_searches_and_filters_on_activity(employee, accountant, api_for):
    EmployeeFactory(first_name="Paul", last_name="Durand", is_active=False)
    client = api_for(accountant)
    everyone = client.get(URL).json()
    assert everyone["count"] == 2
    assert [item["last_name"] for item in everyone["items"]] == ["Durand", "Martin"]
    assert client.get(URL, {"is_active": "true"}).json()["count"] == 1
    found = client.get(URL, {"q": "durand"}).json()["items"]
    assert [item["first_name"] for item in found] == ["Paul"]
    assert client.get(URL, {"q": "06 12 34"}).json()["count"] == 1
    assert client.get(URL, {"q": "x" * 201}).status_code == 422


def test_the_list_does_not_grow_its_queries_with_its_rows(
    direction, api_for, django_assert_max_num_queries
):
    client = api_for(direction)
    sites = SiteFactory.create_batch(3)
    for _index in range(3):
        EmployeeFactory().incompatible_sites.set(sites)
    client.get(URL)
    with django_assert_max_num_queries(8) as few:
        client.get(URL)
    for _index in range(40):
        EmployeeFactory().incompatible_sites.set(sites)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(URL, {"limit": 100}).json()
    assert body["count"] == 43 and all(
        len(item["incompatible_site_ids"]) == 3 for item in body["items"]
    )


def test_create_and_patch(planner, api_for):
    client = api_for(planner)
    site = SiteFactory()
    response = client.post(
        URL,
        {"first_name": "Léa", "last_name": "Petit", "phone": "06 12 34 56 78",
         "color": "#E76F51", "incompatible_site_ids": [site.pk, site.pk]},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["phone"], body["color"], body["is_active"]) == ("+33612345678", "#e76f51", True)
    assert body["incompatible_site_ids"] == [site.pk]
    employee = Employee.objects.get(pk=body["id"])

    patched = client.patch(
        f"{URL}/{employee.pk}", {"is_active": False, "incompatible_site_ids": []}
    )
    assert patched.status_code == 200
    assert patched.json()["is_active"] is False and patched.json()["incompatible_site_ids"] == []
    assert client.patch(f"{URL}/{employee.pk}", {}).json()["last_name"] == "Petit"
    actions = list(
        AuditEvent.objects.filter(object_type="employee").values_list("action", flat=True)
    )
    assert sorted(actions) == ["create", "update"]


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"color": "rouge"}, "color", "Format invalide."),
        ({"color": "#12345g"}, "color", "Format invalide."),
        ({"email": "pas-un-email"}, "email", "adresse de courriel valide"),
        ({"phone": "12"}, "phone", "téléphone"),
        ({"first_name": ""}, "first_name", "ne peut pas être vide"),
        ({"first_name": None}, "first_name", "Saisissez un texte."),
        ({"last_name": "x" * 101}, "last_name", "Texte trop long."),
        ({"incompatible_site_ids": [0]}, "incompatible_site_ids.0", "Valeur trop petite."),
        ({"incompatible_site_ids": [1] * 501}, "incompatible_site_ids", "500 éléments au plus"),
        ({"incompatible_site_ids": None}, "incompatible_site_ids", "Saisissez une liste."),
        ({"incompatible_site_ids": [999999]}, "incompatible_site_ids", "Sites introuvables"),
        ({"ical_url": "x"}, "ical_url", "Champ inconnu."),
        ({"mobile": "0612345678"}, "mobile", "Champ inconnu."),
    ],
)
def test_bad_input_answers_422_at_its_field_and_changes_nothing(
    employee, direction, api_for, body, field, message
):
    before = Employee.objects.values().get(pk=employee.pk)
    response = api_for(direction).patch(f"{URL}/{employee.pk}", body)
    assert response.status_code == 422, response.content
    assert message in errors(response)[field]
    assert Employee.objects.values().get(pk=employee.pk) == before
    assert not employee.incompatible_sites.exists()


def test_a_site_the_caller_cannot_see_is_refused(direction, rep, api_for):
    """Planners see every site; the rule still holds if a role seeing fewer ever writes."""
    from creneau.planning.api_employees import visible_sites

    mine = SiteFactory(customer=CustomerFactory(sales_rep=rep))
    other = SiteFactory()

    class Request:
        auth = rep

    assert visible_sites(Request(), [mine.pk]) == [mine]
    with pytest.raises(Exception) as refused:
        visible_sites(Request(), [mine.pk, other.pk])
    assert str(other.pk) in str(refused.value)


def test_a_new_calendar_address(employee, planner, api_for):
    client = api_for(planner)
    old = employee.ical_token
    response = client.post(f"{URL}/{employee.pk}/ical-token")
    assert response.status_code == 200
    employee.refresh_from_db()
    assert employee.ical_token != old
    assert response.json()["ical_url"].endswith(f"/planning/ical/{employee.ical_token}.ics")
    assert old not in response.json()["ical_url"]


# Permissions ----------------------------------------------------------------------------


def test_readers_get_403_on_every_write_and_no_calendar_address(employee, rep, accountant, api_for):
    mine = SiteFactory(customer=CustomerFactory(sales_rep=rep))
    other = SiteFactory()
    employee.incompatible_sites.add(mine, other)
    for reader in (rep, accountant):
        client = api_for(reader)
        body = client.get(f"{URL}/{employee.pk}").json()
        assert body["ical_url"] is None
        writes = [
            client.post(URL, {"first_name": "A", "last_name": "B"}),
            client.patch(f"{URL}/{employee.pk}", {"first_name": "Autre"}),
            client.post(f"{URL}/{employee.pk}/ical-token"),
        ]
        assert [response.status_code for response in writes] == [403, 403, 403]
        assert "Votre rôle" in writes[0].json()["detail"]
    # A rep sees only its own customers' sites among the incompatible ones.
    assert api_for(rep).get(f"{URL}/{employee.pk}").json()["incompatible_site_ids"] == [mine.pk]
    employee.refresh_from_db()
    assert employee.first_name == "Jeanne" and Employee.objects.count() == 1


def test_an_intervenant_reads_only_itself(employee, field_worker, api_for):
    client = api_for(field_worker)
    own = field_worker.employee
    listed = client.get(URL).json()
    assert [item["id"] for item in listed["items"]] == [own.pk]
    assert client.get(f"{URL}/{employee.pk}").status_code == 404
    me = client.get(f"{URL}/{own.pk}").json()
    assert me["ical_url"].endswith(f"/planning/ical/{own.ical_token}.ics")
    assert client.patch(f"{URL}/{own.pk}", {"first_name": "Moi"}).status_code == 403
    assert client.post(f"{URL}/{own.pk}/ical-token").status_code == 403
    assert client.post(URL, {"first_name": "A", "last_name": "B"}).status_code == 403


def test_unknown_employee_answers_404(direction, api_for):
    client = api_for(direction)
    assert client.get(f"{URL}/999999").status_code == 404
    assert client.patch(f"{URL}/999999", {}).status_code == 404
    assert client.post(f"{URL}/999999/ical-token").status_code == 404


def test_anonymous_gets_401(client, employee):
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/{employee.pk}").status_code == 401
