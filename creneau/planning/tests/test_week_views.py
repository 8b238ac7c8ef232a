"""The planner's views: the week by employee and by site, the month; their filters, who
sees what, and the number of queries whatever the number of visits."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from creneau.catalog.tests.factories import ServiceFactory
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning.models import Absence, Intervention
from creneau.planning.tests.factories import EmployeeFactory
from creneau.planning.tests.week_helpers import (
    MONDAY,
    WEEK,
    cell_html,
    row_html,
    row_ids,
    visit,
)

HTMX = {"HX-Request": "true", "HX-Target": "planning-results"}
TUESDAY, WEDNESDAY = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)


@pytest.fixture
def team():
    alice = EmployeeFactory(first_name="Alice", last_name="Martin", color="#e76f51")
    bruno = EmployeeFactory(first_name="Bruno", last_name="Durand", color="#2a9d8f")
    return alice, bruno


# The week by employee --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_week_has_a_row_to_staff_then_a_row_per_active_employee(planner, client_for, team):
    alice, bruno = team
    EmployeeFactory(first_name="Zoé", last_name="Ancienne", is_active=False)
    gone = EmployeeFactory(first_name="Yves", last_name="Parti", is_active=False)
    visit(employee=gone, day=TUESDAY)
    visit(employee=None, day=WEDNESDAY, site=SiteFactory(name="Résidence Les Tilleuls"))

    response = client_for(planner).get("/planning/", WEEK)
    html = response.content.decode()
    assert response.status_code == 200
    # Durand before Martin; an inactive employee only when it has a visit that week.
    assert row_ids(html) == [
        "row-unassigned",
        f"row-employee-{bruno.pk}",
        f"row-employee-{alice.pk}",
        f"row-employee-{gone.pk}",
    ]
    assert "Résidence Les Tilleuls" in cell_html(html, "row-unassigned", WEDNESDAY)
    assert f'data-color="{alice.color}"' in row_html(html, f"row-employee-{alice.pk}")
    assert "Semaine 23, du 7 au 13 juin 2027" in html
    # Monday to Sunday, whatever day of the week was asked for.
    assert 'data-day="2027-06-07"' in html and 'data-day="2027-06-13"' in html
    assert 'data-day="2027-06-14"' not in html


@pytest.mark.django_db
def test_a_visit_of_the_week_before_that_runs_into_monday_is_a_conflict(planner, client_for, team):
    """The week's own visits are read once for the conflicts; the others of its employees
    are read around the week, so a late Sunday visit still books Monday's first hour."""
    alice, _bruno = team
    visit(employee=alice, day=MONDAY - timedelta(days=1), hour=23, hours=2)
    visit(employee=alice, day=MONDAY, hour=0, hours=1)
    html = client_for(planner).get("/planning/", WEEK).content.decode()
    assert "has-conflict" in cell_html(html, f"row-employee-{alice.pk}", MONDAY)


@pytest.mark.django_db
def test_a_card_shows_time_site_service_status_and_its_conflicts(planner, client_for, team):
    alice, _bruno = team
    service = ServiceFactory(label="Entretien des parties communes")
    site = SiteFactory(name="Le Clos Fleuri")
    first = visit(employee=alice, site=site, service=service, hour=8)
    visit(employee=alice, hour=9, site=SiteFactory(name="Les Acacias"))
    visit(employee=alice, day=TUESDAY, status=Intervention.Status.DONE)
    visit(employee=alice, day=WEDNESDAY, status=Intervention.Status.CANCELLED)

    html = client_for(planner).get("/planning/", WEEK).content.decode()
    monday = cell_html(html, f"row-employee-{alice.pk}", MONDAY)
    assert f'href="/planning/visits/{first.pk}/"' in monday
    assert "08:00\u201310:00" in monday and "Le Clos Fleuri" in monday
    assert "Entretien des parties communes" in monday
    # Both visits overlap: flagged in red, with the reason for the eye and the ear.
    assert monday.count("has-conflict") == 2
    assert "bi-exclamation-triangle-fill" in monday
    assert "Intervenant déjà pris de 09:00 à 11:00 (Les Acacias)." in monday
    assert "Conflit :" in monday
    tuesday = cell_html(html, f"row-employee-{alice.pk}", TUESDAY)
    assert "is-done" in tuesday and "Réalisée" in tuesday
    wednesday = cell_html(html, f"row-employee-{alice.pk}", WEDNESDAY)
    assert "is-cancelled" in wednesday and "Annulée" in wednesday
    assert "has-conflict" not in tuesday + wednesday
    assert "2 en conflit" in html


@pytest.mark.django_db
def test_an_absence_is_flagged_with_its_dates(planner, client_for, team):
    alice, _bruno = team
    Absence.objects.create(employee=alice, start_date=MONDAY, end_date=TUESDAY, reason="Congés")
    visit(employee=alice, day=TUESDAY)
    html = client_for(planner).get("/planning/", WEEK).content.decode()
    tuesday = cell_html(html, f"row-employee-{alice.pk}", TUESDAY)
    assert "Intervenant absent du 07/06/2027 au 08/06/2027 (Congés)." in tuesday


@pytest.mark.django_db
def test_any_day_opens_its_week_and_nonsense_opens_this_one(planner, client_for):
    client = client_for(planner)
    for value in ("2027-06-13", "2027-06-07"):
        assert client.get("/planning/", {"week": value}).context["monday"] == MONDAY
    for value in ("n'importe quoi", "2027-02-31", "0001-01-01", "9999-12-31", "²"):
        response = client.get("/planning/", {"week": value})
        assert response.status_code == 200
        assert response.context["monday"].year >= 2026
    html = client.get("/planning/", WEEK).content.decode()
    assert 'href="/planning/?week=2027-05-31"' in html  # the week before
    assert 'href="/planning/?week=2027-06-14"' in html  # the week after
    assert 'type="date" name="week" form="planning-filters" value="2027-06-07"' in html


# Filters -----------------------------------------------------------------------------------


@pytest.fixture
def filtered_week(team):
    alice, bruno = team
    horizon = CustomerFactory(name="Syndic Horizon")
    tilleuls = SiteFactory(customer=horizon, name="Les Tilleuls")
    acacias = SiteFactory(customer=horizon, name="Les Acacias")
    other = SiteFactory(name="Bureaux Vauban")
    windows = ServiceFactory(label="Vitres")
    visits = {
        "tilleuls": visit(employee=alice, site=tilleuls, service=windows),
        "acacias": visit(employee=bruno, site=acacias, day=TUESDAY),
        "vauban": visit(employee=None, site=other, status=Intervention.Status.DONE),
    }
    return {"horizon": horizon, "tilleuls": tilleuls, "windows": windows, **visits}


def shown(response) -> set[str]:
    html = response.content.decode()
    return {name for name in ("Les Tilleuls", "Les Acacias", "Bureaux Vauban") if name in html}


@pytest.mark.django_db
def test_the_filters_narrow_the_visits(planner, client_for, team, filtered_week):
    alice, _bruno = team
    client = client_for(planner)
    get = lambda **params: client.get("/planning/", {**WEEK, **params})  # noqa: E731
    assert shown(get()) == {"Les Tilleuls", "Les Acacias", "Bureaux Vauban"}
    assert shown(get(employee=alice.pk)) == {"Les Tilleuls"}
    assert row_ids(get(employee=alice.pk).content.decode()) == [f"row-employee-{alice.pk}"]
    assert shown(get(employee="none")) == {"Bureaux Vauban"}
    assert row_ids(get(employee="none").content.decode()) == ["row-unassigned"]
    assert shown(get(customer=filtered_week["horizon"].pk)) == {"Les Tilleuls", "Les Acacias"}
    assert shown(get(site=filtered_week["tilleuls"].site_id)) == {"Les Tilleuls"}
    assert shown(get(service=filtered_week["windows"].pk)) == {"Les Tilleuls"}
    assert shown(get(status="done")) == {"Bureaux Vauban"}
    # Every employee keeps its row (somewhere to drop a visit) under the other filters.
    assert len(row_ids(get(status="done").content.decode())) == 3
    # Nonsense is ignored, not a 500.
    assert shown(get(employee="x", customer="-1", site="1e9", status="gone")) == {
        "Les Tilleuls",
        "Les Acacias",
        "Bureaux Vauban",
    }


@pytest.mark.django_db
def test_the_filter_form_answers_htmx_with_the_results_only(planner, client_for, filtered_week):
    client = client_for(planner)
    page = client.get("/planning/", WEEK).content.decode()
    assert '<form id="planning-filters"' in page and 'hx-target="#planning-results"' in page
    assert 'hx-push-url="true"' in page
    customer = filtered_week["horizon"]
    response = client.get("/planning/", {**WEEK, "customer": customer.pk}, headers=HTMX)
    html = response.content.decode()
    assert "<html" not in html and "Les Tilleuls" in html and "Bureaux Vauban" not in html
    # The navigation and the other views keep the filter.
    assert f'href="/planning/?customer={customer.pk}&amp;week=2027-06-14"' in html
    assert f'href="/planning/sites/?customer={customer.pk}&amp;week=2027-06-07"' in html
    assert f'href="/planning/month/?customer={customer.pk}&amp;month=2027-06"' in html
    # The customer picked shows in its search box.
    page = client.get("/planning/", {**WEEK, "customer": customer.pk}).content.decode()
    assert f'name="customer" value="{customer.pk}"' in page
    assert 'value="Syndic Horizon"' in page


@pytest.mark.django_db
def test_the_pickers_search_visible_customers_and_sites(rep, client_for):
    mine = CustomerFactory(name="Syndic Horizon", sales_rep=rep)
    SiteFactory(customer=mine, name="Les Tilleuls")
    theirs = CustomerFactory(name="Horizon Immobilier")
    SiteFactory(customer=theirs, name="Le Phare")
    client = client_for(rep)
    customers = client.get("/planning/search/customers/", {"customer_q": "horizon"})
    assert "Syndic Horizon" in customers.content.decode()
    assert "Horizon Immobilier" not in customers.content.decode()
    sites = client.get("/planning/search/sites/", {"site_q": "horizon"}).content.decode()
    assert "Syndic Horizon \u2013 Les Tilleuls" in sites and "Le Phare" not in sites
    assert (
        "Aucun site ne correspond."
        in client.get("/planning/search/sites/", {"site_q": "zzz"}).content.decode()
    )
    # A query of a thousand words is cut, not a 500.
    assert client.get("/planning/search/sites/", {"site_q": "abc " * 1000}).status_code == 200
    long_query = {"customer_q": "a " * 2000}
    assert client.get("/planning/search/customers/", long_query).status_code == 200


# Who sees what -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_rep_sees_its_customers_visits_and_their_employees_only(rep, other_rep, client_for, team):
    alice, bruno = team
    mine = SiteFactory(customer=CustomerFactory(sales_rep=rep), name="Chez mon client")
    theirs = SiteFactory(customer=CustomerFactory(sales_rep=other_rep), name="Chez un autre")
    visit(employee=alice, site=mine, hour=9)
    visit(employee=alice, site=theirs, hour=10)
    visit(employee=bruno, site=theirs, day=TUESDAY)

    html = client_for(rep).get("/planning/", WEEK).content.decode()
    assert row_ids(html) == ["row-unassigned", f"row-employee-{alice.pk}"]
    assert "Chez mon client" in html and "Chez un autre" not in html
    # The double booking is told, but not where the other rep's visit is.
    assert "Intervenant déjà pris de 10:00 à 12:00." in html
    assert "data-move-url" not in html  # read-only: nothing to drag

    outsider = client_for(other_rep).get("/planning/", WEEK).content.decode()
    assert "Chez mon client" not in outsider and "Chez un autre" in outsider
    sites = client_for(other_rep).get("/planning/sites/", WEEK).content.decode()
    assert "Chez mon client" not in sites
    month = client_for(other_rep).get("/planning/month/", {"month": "2027-06"}).content.decode()
    assert "Chez mon client" not in month


@pytest.mark.django_db
def test_read_only_roles_see_the_views_but_may_change_nothing(rep, accountant, client_for, team):
    alice, _bruno = team
    own = visit(employee=alice, site=SiteFactory(customer=CustomerFactory(sales_rep=rep)))
    for user in (rep, accountant):
        client = client_for(user)
        for path in ("/planning/", "/planning/sites/", "/planning/month/"):
            response = client.get(path, WEEK)
            assert response.status_code == 200, (user, path)
            assert "data-move-url" not in response.content.decode()
            assert "Nouvelle intervention" not in response.content.decode()
        page = client.get(f"/planning/visits/{own.pk}/")
        assert page.status_code == 200 and 'name="start_time"' not in page.content.decode()
        path = f"/planning/visits/{own.pk}/"
        day = {"day": "2027-06-08", "employee": ""}
        assert client.post(f"{path}move/", day).status_code == 403
        assert client.post(path, {"day": "2027-06-08"}).status_code == 403
        assert client.post(f"{path}status/", {"status": "done"}).status_code == 403
        assert client.get("/planning/visits/new/").status_code == 403
    own.refresh_from_db()
    assert own.status == Intervention.Status.PLANNED and own.start.day == 7


@pytest.mark.django_db
def test_an_intervenant_has_no_planner_views(field_worker, client_for):
    client = client_for(field_worker)
    for path in ("/planning/", "/planning/sites/", "/planning/month/"):
        assert client.get(path).status_code == 403
    own = visit(employee=field_worker.employee)
    assert client.get(f"/planning/visits/{own.pk}/").status_code == 403
    assert client.get("/planning/search/customers/", {"customer_q": "a"}).status_code == 403


@pytest.mark.django_db
def test_the_menu_offers_planning_to_office_roles_only(
    direction, rep, planner, accountant, field_worker, client_for
):
    for user in (direction, rep, planner, accountant):
        html = client_for(user).get("/customers/").content.decode()
        assert 'href="/planning/"' in html and "bi-calendar-week" in html, user
        assert html.index('href="/customers/"') < html.index('href="/planning/"')
    # An intervenant's own pages are elsewhere; the customer list is not for it either.
    response = client_for(field_worker).get("/planning/", follow=False)
    assert response.status_code == 403
    assert 'href="/planning/"' not in response.content.decode()


@pytest.mark.django_db
def test_anonymous_is_sent_to_the_login_page(client):
    for path in ("/planning/", "/planning/sites/", "/planning/month/", "/planning/visits/new/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


# The week by site and the month -------------------------------------------------------------


@pytest.mark.django_db
def test_the_week_by_site_has_a_row_per_site_with_visits(planner, client_for, team):
    alice, _bruno = team
    horizon = CustomerFactory(name="Syndic Horizon")
    tilleuls = SiteFactory(customer=horizon, name="Les Tilleuls")
    SiteFactory(customer=horizon, name="Sans visite")
    visit(employee=alice, site=tilleuls)
    visit(employee=None, site=tilleuls, day=TUESDAY)
    html = client_for(planner).get("/planning/sites/", WEEK).content.decode()
    assert row_ids(html) == [f"row-site-{tilleuls.pk}"]
    row = row_html(html, f"row-site-{tilleuls.pk}")
    assert "Syndic Horizon" in row and "Les Tilleuls" in row
    assert "Alice Martin" in cell_html(html, f"row-site-{tilleuls.pk}", MONDAY)
    assert f'data-color="{alice.color}"' in row
    assert "À pourvoir" in cell_html(html, f"row-site-{tilleuls.pk}", TUESDAY)
    assert "Sans visite" not in html
    empty = client_for(planner).get("/planning/sites/", {"week": "2027-07-07"})
    assert "Aucune intervention cette semaine" in empty.content.decode()


@pytest.mark.django_db
def test_the_month_counts_each_days_visits_and_names_the_first(planner, client_for, team):
    alice, _bruno = team
    site = SiteFactory(name="Le Clos Fleuri")
    for hour in (7, 9, 11, 13, 15):
        visit(employee=alice, site=site, hour=hour)
    visit(employee=None, day=TUESDAY, site=site)
    response = client_for(planner).get("/planning/month/", {"month": "2027-06"})
    html = response.content.decode()
    assert "Juin 2027" in html
    assert "5 interventions" in html and "et 2 autres" in html
    assert "07:00 Le Clos Fleuri" in html and "13:00 Le Clos Fleuri" not in html
    assert "1 intervention" in html and "1 à pourvoir" in html
    assert 'href="/planning/?week=2027-06-07"' in html
    weeks = response.context["calendar"]
    assert weeks[0][0].day == date(2027, 5, 31) and weeks[-1][-1].day == date(2027, 7, 4)
    for value in ("2027-13", "junk", "0000-01"):
        assert client_for(planner).get("/planning/month/", {"month": value}).status_code == 200


# Queries -------------------------------------------------------------------------------------


def fill_week(employees: int, visits_each: int, rep) -> None:
    """Visits of every employee, a seventh of them to staff, on sites of the rep's customers
    and others', each employee absent on Monday (conflicts to find)."""
    service = ServiceFactory()
    sites = [SiteFactory(customer=CustomerFactory(sales_rep=rep)) for _ in range(2)]
    sites += [SiteFactory() for _ in range(3)]
    for _index in range(employees):
        employee = EmployeeFactory()
        Absence.objects.create(employee=employee, start_date=MONDAY, end_date=MONDAY)
        for number in range(visits_each):
            visit(
                employee=employee if number % 7 else None,
                site=sites[number % 5],
                service=service,
                day=MONDAY + timedelta(days=number % 7),
                hour=6 + number % 12,
            )


@pytest.mark.parametrize("employees, visits_each", [(2, 3), (20, 30)])
@pytest.mark.django_db
def test_the_week_takes_the_same_few_queries_whatever_its_size(
    employees, visits_each, planner, rep, client_for, django_assert_max_num_queries
):
    fill_week(employees, visits_each, rep)
    for user in (planner, rep):
        client = client_for(user)
        client.get("/planning/", WEEK)  # the session and the role, read once
        params = {**WEEK, "customer": "1", "site": "1", "service": "1"}
        for path in ("/planning/", "/planning/sites/"):
            with django_assert_max_num_queries(15):
                response = client.get(path, WEEK)
            assert response.status_code == 200
            with django_assert_max_num_queries(15):
                client.get(path, params)
        with django_assert_max_num_queries(12):
            client.get("/planning/month/", {"month": "2027-06"})
