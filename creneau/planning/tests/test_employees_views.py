"""Planning > Intervenants: the list, the record page and its sections, and who may do what
there (the office reads, direction and planning write, an intervenant gets 403)."""

from __future__ import annotations

import csv
import io
from datetime import time

import pytest
from django.contrib.auth.models import User
from django.test import Client

from creneau.core.models import AuditEvent
from creneau.core.roles import Role, role_given
from creneau.customers.services import customer_refresh_search
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning.models import Absence, Availability, Employee
from creneau.planning.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

LIST = "/planning/employees/"


def htmx(target: str = "") -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": target}


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def employee():
    return EmployeeFactory(
        first_name="Jeanne",
        last_name="Martin",
        phone="+33145678901",
        mobile="+33612345678",
        email="jeanne@example.fr",
        color="#e76f51",
    )


def write_routes(employee: Employee, absence: Absence, site_pk: int) -> list[tuple[str, str]]:
    base = f"{LIST}{employee.pk}"
    return [
        ("get", f"{LIST}new/"),
        ("post", f"{LIST}new/"),
        ("get", f"{base}/edit/"),
        ("post", f"{base}/edit/"),
        ("post", f"{base}/availability/"),
        ("post", f"{base}/absences/"),
        ("post", f"{base}/absences/{absence.pk}/delete/"),
        ("get", f"{base}/sites/search/?q=a"),
        ("post", f"{base}/sites/add/"),
        ("post", f"{base}/sites/{site_pk}/remove/"),
        ("post", f"{base}/login/link/"),
        ("post", f"{base}/login/create/"),
        ("post", f"{base}/login/unlink/"),
        ("post", f"{base}/ical/renew/"),
    ]


# Who may do what ------------------------------------------------------------------------


def test_the_office_reads_and_only_direction_and_planning_write(
    employee, direction, planner, rep, accountant, client_for
):
    site = SiteFactory()
    employee.incompatible_sites.add(site)
    absence = Absence.objects.create(
        employee=employee, start_date="2030-01-02", end_date="2030-01-03"
    )
    for reader in (rep, accountant):
        client = client_for(reader)
        assert client.get(LIST).status_code == 200
        assert client.get(f"{LIST}{employee.pk}/").status_code == 200
        assert client.get(f"{LIST}export.csv").status_code == 200
        for method, path in write_routes(employee, absence, site.pk):
            response = getattr(client, method)(path)
            assert response.status_code == 403, (reader.username, method, path)
    for writer in (direction, planner):
        client = client_for(writer)
        assert client.get(f"{LIST}new/").status_code == 200
        assert client.get(f"{LIST}{employee.pk}/edit/").status_code == 200
        assert client.get(f"{LIST}{employee.pk}/sites/search/?q=a").status_code == 200
    # Nothing changed through the refused writes.
    assert Absence.objects.filter(pk=absence.pk).exists()
    assert list(employee.incompatible_sites.all()) == [site]


def test_an_intervenant_gets_403_on_every_employee_page(employee, field_worker, client_for):
    client = client_for(field_worker)
    own = field_worker.employee
    absence = Absence.objects.create(employee=own, start_date="2030-01-02", end_date="2030-01-02")
    paths = [("get", LIST), ("get", f"{LIST}export.csv"), ("get", f"{LIST}{own.pk}/"),
             ("get", f"{LIST}{employee.pk}/"),
             *write_routes(own, absence, SiteFactory().pk)]  # fmt: skip
    for method, path in paths:
        assert getattr(client, method)(path).status_code == 403, (method, path)


def test_anonymous_visitors_are_sent_to_the_login_page(employee):
    for path in (LIST, f"{LIST}{employee.pk}/", f"{LIST}{employee.pk}/edit/"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_an_unknown_employee_answers_404(direction, client_for):
    client = client_for(direction)
    assert client.get(f"{LIST}999999/").status_code == 404
    assert client.post(f"{LIST}999999/ical/renew/").status_code == 404


def test_the_menu_shows_intervenants_to_the_office_only(direction, rep, field_worker, client_for):
    assert 'href="/planning/employees/"' in text(client_for(direction).get("/customers/"))
    assert 'href="/planning/employees/"' in text(client_for(rep).get("/customers/"))
    page = client_for(field_worker).get("/account/")
    assert 'href="/planning/employees/"' not in text(page)


# The list -------------------------------------------------------------------------------


def test_the_list_shows_colour_phones_and_filters_as_you_type(employee, direction, client_for):
    EmployeeFactory(first_name="Paul", last_name="Durand", is_active=False)
    client = client_for(direction)
    page = text(client.get(LIST))
    assert "Martin Jeanne" in page and "Durand" not in page  # active ones by default
    assert 'fill="#e76f51"' in page
    assert "01 45 67 89 01" in page and "06 12 34 56 78" in page
    assert 'hx-target="#employee-results"' in page

    found = client.get(LIST, {"q": "durand", "active": "all"}, headers=htmx("employee-results"))
    html = text(found)
    assert "<html" not in html and "Durand Paul" in html and "Martin" not in html
    assert "1 intervenant" in html
    assert 'href="/planning/employees/export.csv?q=durand&amp;active=all"' in html
    inactive = text(client.get(LIST, {"active": "0"}))
    assert "Durand" in inactive and "Martin Jeanne" not in inactive
    # A national phone number finds the stored international one.
    assert "Martin Jeanne" in text(client.get(LIST, {"q": "06 12 34"}))
    assert "Martin Jeanne" in text(client.get(LIST, {"q": "JEANNE@example"}))


def test_the_list_does_not_grow_its_queries_with_its_rows(
    direction, client_for, django_assert_max_num_queries
):
    client = client_for(direction)
    EmployeeFactory.create_batch(3)
    client.get(LIST)
    with django_assert_max_num_queries(8) as few:
        client.get(LIST)
    for index in range(30):
        user = User.objects.create_user(f"agent{index}")
        EmployeeFactory(user=user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert text(response).count("employee-chip") == 33


def test_the_export_follows_the_filter_and_neutralises_formulas(direction, client_for):
    EmployeeFactory(first_name="=1+1", last_name="Zorro", phone="+33145678901")
    EmployeeFactory(first_name="Ana", last_name="Inactive", is_active=False)
    response = client_for(direction).get(f"{LIST}export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0][:3] == ["Nom", "Prénom", "Téléphone"]
    assert rows[1][:3] == ["Zorro", "'=1+1", "01 45 67 89 01"]
    assert len(rows) == 2  # the inactive one is not in the default filter


# Identity -------------------------------------------------------------------------------


def test_create_then_edit_an_employee(planner, client_for):
    client = client_for(planner)
    response = client.post(
        f"{LIST}new/",
        {
            "first_name": "Léa",
            "last_name": "Petit",
            "phone": "01 45 67 89 01",
            "mobile": "",
            "email": "lea@example.fr",
            "color": "#2A9D8F",
            "is_active": "on",
        },
    )
    employee = Employee.objects.get(last_name="Petit")
    assert response["Location"] == f"{LIST}{employee.pk}/"
    assert (employee.phone, employee.color, employee.is_active) == ("+33145678901", "#2a9d8f", True)
    assert AuditEvent.objects.filter(object_type="employee", action="create").count() == 1

    page = text(client.get(f"{LIST}{employee.pk}/edit/"))
    assert 'type="color"' in page and 'value="01 45 67 89 01"' in page
    client.post(
        f"{LIST}{employee.pk}/edit/",
        {"first_name": "Léa", "last_name": "Petit-Durand", "phone": "01 45 67 89 01",
         "email": "lea@example.fr", "color": "#2a9d8f"},
    )  # fmt: skip
    employee.refresh_from_db()
    assert employee.last_name == "Petit-Durand" and employee.is_active is False
    update = AuditEvent.objects.get(object_type="employee", action="update")
    assert update.changes["last_name"] == ["Petit", "Petit-Durand"]


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("first_name", "", "Ce champ est obligatoire."),
        ("last_name", "x" * 101, "au plus 100 caractères"),
        ("color", "rouge", "Une couleur s'écrit #rrvvbb"),
        ("email", "pas-un-email", "adresse de courriel valide"),
        ("phone", "12", "téléphone"),
    ],
)
def test_a_bad_value_is_refused_at_its_field_and_nothing_is_saved(
    direction, client_for, field, value, message
):
    data = {"first_name": "Léa", "last_name": "Petit", "color": "#2a9d8f", field: value}
    response = client_for(direction).post(f"{LIST}new/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field] and message in " ".join(errors[field])
    assert not Employee.objects.exists()


# Availability ---------------------------------------------------------------------------


def test_the_weekly_grid_saves_the_ranges_of_each_day(employee, planner, client_for):
    client = client_for(planner)
    page = text(client.get(f"{LIST}{employee.pk}/"))
    assert 'name="day0_0_start"' in page and 'name="day6_1_end"' in page
    response = client.post(
        f"{LIST}{employee.pk}/availability/",
        {"day0_0_start": "08:00", "day0_0_end": "12:00", "day0_1_start": "13:30",
         "day0_1_end": "17:00", "day4_0_start": "09:00", "day4_0_end": "12:00"},
        headers=htmx("employee-availability"),
    )  # fmt: skip
    html = text(response)
    assert html.startswith('<section class="app-card app-form-section employee-section" id="')
    assert "Disponibilités enregistrées." in html and 'hx-swap-oob="true"' in html
    slots = [(s.weekday, s.start_time, s.end_time) for s in employee.availabilities.all()]
    assert slots == [(0, time(8), time(12)), (0, time(13, 30), time(17)), (4, time(9), time(12))]
    assert AuditEvent.objects.filter(object_type="employee", action="update").exists()
    # Shown again in the grid, and read as text by a reader.
    assert 'value="13:30"' in text(client.get(f"{LIST}{employee.pk}/"))


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"day1_0_start": "12:00", "day1_0_end": "08:00"}, "day1_0_end", "doit suivre"),
        ({"day1_0_start": "08:00"}, "day1_0_end", "Indiquez l'heure de fin."),
        ({"day1_0_end": "08:00"}, "day1_0_start", "Indiquez l'heure de début."),
        (
            {"day1_0_start": "08:00", "day1_0_end": "12:00",
             "day1_1_start": "11:00", "day1_1_end": "15:00"},
            "day1_1_start",
            "chevauche",
        ),
        ({"day1_0_start": "25:00", "day1_0_end": "26:00"}, "day1_0_start", "heure valide"),
    ],
)  # fmt: skip
def test_a_bad_range_is_refused_at_its_field(employee, planner, client_for, data, field, message):
    Availability.objects.create(employee=employee, weekday=2, start_time=time(8), end_time=time(9))
    response = client_for(planner).post(f"{LIST}{employee.pk}/availability/", data)
    assert response.status_code == 200
    errors = response.context["availability_form"].errors
    assert message in " ".join(errors[field])
    assert [slot.weekday for slot in employee.availabilities.all()] == [2]


def test_a_reader_sees_the_availability_as_text(employee, rep, client_for):
    Availability.objects.create(employee=employee, weekday=0, start_time=time(8), end_time=time(12))
    page = text(client_for(rep).get(f"{LIST}{employee.pk}/"))
    assert "08:00-12:00" in page and 'name="day0_0_start"' not in page


# Absences -------------------------------------------------------------------------------


def test_absences_are_added_listed_and_deleted(employee, planner, client_for):
    client = client_for(planner)
    url = f"{LIST}{employee.pk}/absences/"
    response = client.post(
        url,
        {"start_date": "2030-08-01", "end_date": "2030-08-15", "reason": "Congés"},
        headers=htmx("employee-absences"),
    )
    assert "Absence ajoutée." in text(response)
    assert "01/08/2030" in text(response) and "Congés" in text(response)
    absence = employee.absences.get()
    refused = client.post(url, {"start_date": "2030-09-10", "end_date": "2030-09-01"})
    assert "ne peut précéder" in " ".join(refused.context["absence_form"].errors["end_date"])
    assert client.post(url, {"start_date": "", "end_date": ""}).status_code == 200
    assert employee.absences.count() == 1

    page = text(client.get(f"{LIST}{employee.pk}/"))
    assert 'hx-confirm="Supprimer cette absence ?"' in page
    deleted = client.post(f"{url}{absence.pk}/delete/")
    assert deleted.status_code == 302 and deleted["Location"].endswith("#employee-absences")
    assert not employee.absences.exists()
    actions = set(AuditEvent.objects.filter(object_type="absence").values_list("action", flat=True))
    assert actions == {"create", "delete"}


def test_another_employees_absence_answers_404(employee, planner, client_for):
    other = EmployeeFactory()
    absence = Absence.objects.create(employee=other, start_date="2030-01-02", end_date="2030-01-02")
    response = client_for(planner).post(f"{LIST}{employee.pk}/absences/{absence.pk}/delete/")
    assert response.status_code == 404 and Absence.objects.filter(pk=absence.pk).exists()


# Incompatible sites ---------------------------------------------------------------------


@pytest.fixture
def sites():
    horizon = CustomerFactory(name="Syndic Horizon")
    found = {
        "hall": SiteFactory(customer=horizon, name="Résidence Les Érables"),
        "parking": SiteFactory(customer=horizon, name="Parking Nord"),
        "other": SiteFactory(customer=CustomerFactory(name="Banque Populaire"), name="Agence"),
    }
    for site in found.values():  # as site_create does: the search text holds the sites
        customer_refresh_search(customer=site.customer)
    return found


def test_sites_are_searched_by_customer_or_site_name_and_added_as_chips(
    employee, planner, client_for, sites
):
    client = client_for(planner)
    search = f"{LIST}{employee.pk}/sites/search/"
    by_customer = text(client.get(search, {"q": "horizon"}, headers=htmx()))
    assert "Les Érables" in by_customer and "Parking Nord" in by_customer
    assert "Agence" not in by_customer
    by_site = text(client.get(search, {"q": "erables hor"}, headers=htmx()))
    assert "Les Érables" in by_site and "Parking Nord" not in by_site

    added = client.post(
        f"{LIST}{employee.pk}/sites/add/", {"site": sites["hall"].pk}, headers=htmx()
    )
    assert "employee-site-chip" in text(added) and "Les Érables" in text(added)
    assert list(employee.incompatible_sites.all()) == [sites["hall"]]
    # A chosen site is not offered again.
    assert "Les Érables" not in text(client.get(search, {"q": "horizon"}, headers=htmx()))
    event = AuditEvent.objects.get(object_type="employee", action="update")
    assert event.changes["incompatible_sites"] == [[], [sites["hall"].pk]]

    client.post(f"{LIST}{employee.pk}/sites/{sites['hall'].pk}/remove/", headers=htmx())
    assert not employee.incompatible_sites.exists()


def test_the_site_search_is_bounded_and_works_without_javascript(
    employee, planner, client_for, sites
):
    client = client_for(planner)
    search = f"{LIST}{employee.pk}/sites/search/"
    too_long = client.get(search, {"q": "a" * 5000}, headers=htmx())
    assert too_long.status_code == 200 and "Les Érables" not in text(too_long)
    page = client.get(search, {"q": "banque"})
    assert "<html" in text(page) and "Agence" in text(page)
    assert client.post(f"{LIST}{employee.pk}/sites/add/", {"site": "abc"}).status_code == 404


def test_a_rep_sees_only_its_own_customers_incompatible_sites(employee, rep, client_for, sites):
    mine = SiteFactory(customer=CustomerFactory(sales_rep=rep), name="Chez mon client")
    employee.incompatible_sites.add(mine, sites["other"])
    page = text(client_for(rep).get(f"{LIST}{employee.pk}/"))
    assert "Chez mon client" in page and "Agence" not in page


# Login ----------------------------------------------------------------------------------


def test_link_an_existing_intervenant_login_then_unlink_it(
    employee, planner, make_user, client_for
):
    login = make_user("jeanne.m", Role.EMPLOYEE)
    make_user("vendeur", Role.SALES)
    client = client_for(planner)
    page = text(client.get(f"{LIST}{employee.pk}/"))
    assert "jeanne.m" in page and "vendeur" not in page  # only intervenant logins offered
    client.post(f"{LIST}{employee.pk}/login/link/", {"user": login.pk})
    employee.refresh_from_db()
    assert employee.user == login
    assert "<code>jeanne.m</code>" in text(client.get(f"{LIST}{employee.pk}/"))
    event = AuditEvent.objects.get(object_type="employee", action="update")
    assert event.changes == {"user": [None, "jeanne.m"]}

    client.post(f"{LIST}{employee.pk}/login/unlink/")
    employee.refresh_from_db()
    assert employee.user is None and User.objects.filter(username="jeanne.m").exists()


def test_a_login_of_another_role_or_employee_is_refused(employee, planner, make_user, client_for):
    client = client_for(planner)
    seller = make_user("vendeur", Role.SALES)
    taken = make_user("pris", Role.EMPLOYEE)
    EmployeeFactory(user=taken)
    for user in (seller, taken):
        response = client.post(f"{LIST}{employee.pk}/login/link/", {"user": user.pk})
        assert "user" in response.context["link_form"].errors
    employee.refresh_from_db()
    assert employee.user is None


def test_create_a_login_with_the_intervenant_role(employee, planner, client_for):
    client = client_for(planner)
    url = f"{LIST}{employee.pk}/login/create/"
    weak = client.post(url, {"username": "jmartin", "password1": "123", "password2": "123"})
    assert weak.context["create_form"].errors["password1"]
    clash = client.post(url, {"username": "planning", "password1": "x", "password2": "y"})
    assert "ne correspondent pas" in " ".join(clash.context["create_form"].errors["password2"])
    assert not User.objects.filter(username="jmartin").exists()

    password = "tournée-du-matin-42"
    taken = client.post(url, {"username": "PLANNING", "password1": password, "password2": password})
    assert "déjà pris" in " ".join(taken.context["create_form"].errors["username"])
    response = client.post(
        url, {"username": "jmartin", "password1": password, "password2": password}, headers=htmx()
    )
    assert "Identifiant créé." in text(response)
    employee.refresh_from_db()
    user = employee.user
    assert user.username == "jmartin" and role_given(user) == Role.EMPLOYEE
    assert (user.first_name, user.last_name) == ("Jeanne", "Martin")
    assert user.email == "jeanne@example.fr"
    assert user.check_password(password)
    # The new login sees no employee page.
    assert client_for(user).get(LIST).status_code == 403


# Calendar -------------------------------------------------------------------------------


def test_the_calendar_address_is_absolute_copyable_and_renewable(employee, planner, client_for):
    client = client_for(planner)
    old = employee.ical_token
    page = text(client.get(f"{LIST}{employee.pk}/"))
    assert f'value="http://testserver/planning/ical/{old}.ics"' in page
    assert 'data-copy="#employee-ical-url"' in page and "js/copy.js" in page
    response = client.post(f"{LIST}{employee.pk}/ical/renew/", headers=htmx())
    employee.refresh_from_db()
    assert employee.ical_token != old and f"/planning/ical/{employee.ical_token}.ics" in text(
        response
    )
    assert "l&#x27;ancienne ne fonctionne plus" in text(response)
    assert AuditEvent.objects.filter(object_type="employee", action="other").exists()


def test_the_calendar_address_over_https(employee, planner, client_for):
    page = text(client_for(planner).get(f"{LIST}{employee.pk}/", secure=True))
    assert f'value="https://testserver/planning/ical/{employee.ical_token}.ics"' in page


def test_readers_do_not_see_the_secret_address_nor_the_login(employee, rep, accountant, client_for):
    for reader in (rep, accountant):
        page = text(client_for(reader).get(f"{LIST}{employee.pk}/"))
        assert employee.ical_token not in page and "employee-login" not in page
