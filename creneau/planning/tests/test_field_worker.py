"""The intervenant's login: its own day sheet and week, the reporting of its own visits, its
account; and nothing else of the project, walked URL by URL, pages and API alike."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from conftest import ApiClient
from creneau.core.models import AuditEvent
from creneau.core.roles import INTERVENANT_URL_NAMES
from creneau.core.tests.test_csv_export import all_routes
from creneau.customers.tests.factories import ContactFactory, CustomerFactory, SiteFactory
from creneau.planning.models import Intervention
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory
from creneau.tests.test_outsider import outsider_modules

pytestmark = pytest.mark.django_db
DAY = date(2026, 10, 26)  # a Monday, the day after the clock change
Status = Intervention.Status
# What another customer's pages would show, and an intervenant must never read.
SECRETS = ["CLIENT-SECRET", "Digicode-secret-9876", "06 99 88 77 66", "Site-secret"]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def own_visit(field_worker):
    site = SiteFactory(customer=CustomerFactory(name="Client de la tournée"), name="Mon site")
    return InterventionFactory(
        employee=field_worker.employee, site=site, start=at(DAY, 8, 30), end=at(DAY, 10, 30)
    )


@pytest.fixture
def others_visit():
    return InterventionFactory(
        employee=EmployeeFactory(), site=SiteFactory(), start=at(DAY, 8), end=at(DAY, 9)
    )


def report(client, visit, outcome: str, **fields) -> object:
    data = {f"visit-{visit.pk}-outcome": outcome}
    data.update({f"visit-{visit.pk}-{name}": value for name, value in fields.items()})
    return client.post(f"/planning/day/visits/{visit.pk}/report/", data)


# Where the login leads, and what the menu shows -------------------------------------------


def test_logging_in_opens_the_day_sheet(field_worker):
    client = Client()
    response = client.post("/login/", {"username": "intervenant", "password": "secret-pass-1"})
    assert response.status_code == 302 and response.url == "/planning/day/"
    assert client.get("/").url == "/planning/day/"


def test_the_office_starts_on_its_home(rep, planner, client_for):
    # Logging in opens "/" (LOGIN_REDIRECT_URL): a sales rep's own dashboard
    # (creneau.dashboard), the customers for the planner.
    credentials = {"username": "commercial1", "password": "secret-pass-1"}
    assert Client().post("/login/", credentials).url == "/"
    assert client_for(rep).get("/").status_code == 200
    assert client_for(planner).get("/").url == "/customers/"


def test_the_menu_shows_only_my_day_and_my_week(field_worker, client_for, own_visit):
    response = client_for(field_worker).get("/planning/day/")
    assert [item["label"] for item in response.context["menu_daily"]] == [
        "Ma journée",
        "Mon planning",
    ]
    assert response.context["menu_settings"] == []
    page = response.content.decode()
    assert "global-search" not in page and "/customers/" not in page


def test_the_office_menu_keeps_its_entries_and_not_the_intervenants(planner, client_for):
    menu = client_for(planner).get("/customers/").context["menu_daily"]
    labels = [item["label"] for item in menu]
    assert "Clients" in labels and "Prévu / réalisé" in labels
    assert "Ma journée" not in labels and "Mon planning" not in labels


def test_the_allowed_pages_open(field_worker, client_for, own_visit):
    client = client_for(field_worker)
    for path in ["/planning/day/", "/planning/me/", "/account/"]:
        assert client.get(path).status_code == 200, path
    assert client.get("/planning/day/pdf/", {"date": DAY.isoformat()}).status_code == 200
    assert client.post("/i18n/setlang/", {"language": "fr", "next": "/"}).status_code == 302
    assert client.post("/logout/").status_code == 302


# Nothing else: every URL of the project, walked ------------------------------------------


@pytest.fixture
def secret_customer(rep):
    """Another customer, with every kind of object the apps list for the outsider test."""
    customer = CustomerFactory(sales_rep=rep, name="CLIENT-SECRET", mobile="+33699887766")
    site = SiteFactory(customer=customer, name="Site-secret", access_notes="Digicode-secret-9876")
    ContactFactory(customer=customer, site=site, mobile="+33699887766")
    pages, api = [], []
    for module in outsider_modules():
        objects = module.build(customer, rep)
        pages += module.pages(objects)
        api += module.api(objects)
    return {"pages": pages, "api": api}


def sample_path(route: str) -> str | None:
    """A concrete path for a route: each parameter set to 1 (the objects above have other
    ids too, walked from the apps' outsider lists). Regular-expression routes (the admin's
    app index, static files) are walked by hand below."""
    if "^" in route:
        return None
    return "/" + re.sub(r"<[^>]+>", "1", route)


def view_name(path: str) -> str | None:
    try:
        match = resolve(path.split("?")[0])
    except Resolver404:
        return None
    if not getattr(match.func, "login_required", True):
        return "public"
    return match.view_name


def assert_nothing_secret(response, where: str) -> None:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8", errors="replace")
    for secret in SECRETS:
        assert secret not in text, (where, secret)


def test_every_page_but_its_own_answers_403(field_worker, client_for, secret_customer, own_visit):
    client = client_for(field_worker)
    paths = {sample_path(route) for route in all_routes() if not route.startswith("api/")}
    paths |= {path for _method, path in secret_customer["pages"]}
    paths |= {"/admin/customers/", "/static/css/creneau.css"}
    paths.discard(None)
    paths.discard("/logout/")  # walked last, by the test above
    opened = set()
    for path in sorted(paths):
        name = view_name(path)
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            assert response.status_code != 500, (method, path)
            assert_nothing_secret(response, f"{method} {path}")
            if path.startswith("/portail/"):
                # The client portal: another door, whose login a staff session is not.
                public = getattr(resolve(path).func, "portal_public", False)
                assert public or response.status_code in (302, 403, 404, 405, 410), (
                    method,
                    path,
                    response.status_code,
                )
                if response.status_code == 302:
                    assert response["Location"].startswith("/portail/"), (method, path)
            elif name in INTERVENANT_URL_NAMES or name in ("public", None):
                if response.status_code == 200:
                    opened.add(name)
            else:
                assert response.status_code == 403, (method, path, response.status_code)
    # What did open is the intervenant's own: its day, its week, its account, the login page.
    assert opened - {"public"} <= INTERVENANT_URL_NAMES
    assert {"planning:day_sheet", "planning:my_week", "account"} <= opened


def test_every_api_route_but_its_visits_and_record_answers_403(field_worker, secret_customer):
    api = ApiClient(field_worker)
    paths = {sample_path(route) for route in all_routes() if route.startswith("api/")}
    paths |= {path for _method, path in secret_customer["api"]}
    paths -= {"/api/v1/"}  # the API's root: no route, 404 for everyone
    for path in sorted(paths):
        statuses = set()
        for method in ("get", "post", "patch", "delete"):
            response = getattr(api, method)(path, {} if method != "get" else None)
            assert_nothing_secret(response, f"{method} {path}")
            statuses.add(response.status_code)
        if path.startswith(("/api/v1/interventions", "/api/v1/employees")):
            # Its own visits and its own record (employees_visible_to: itself only); the
            # writes it may not make answer 403 there, from the routes themselves.
            continue
        else:
            # 405: a method the route does not have, refused before anything is read.
            assert 403 in statuses and statuses <= {403, 405}, (path, statuses)


def test_the_api_docs_are_closed_to_an_intervenants_session_and_token(field_worker, client_for):
    assert client_for(field_worker).get("/api/v1/openapi.json").status_code == 403
    token = ApiClient(field_worker)
    for path in ["/api/v1/openapi.json", "/api/v1/docs"]:
        response = token.get(path)
        assert response.status_code == 403 and "interventions" in response.json()["detail"]


def test_the_office_is_not_held_by_the_allowlist(planner, client_for, api_for):
    assert client_for(planner).get("/customers/").status_code == 200
    assert api_for(planner).get("/api/v1/customers").status_code == 200


# Reporting its own visits ----------------------------------------------------------------


def test_it_marks_its_visit_done_with_the_real_times(field_worker, client_for, own_visit):
    response = report(
        client_for(field_worker), own_visit, "done", actual_start="08:40", actual_end="10:55"
    )
    assert response.status_code == 302
    assert response.url == f"/planning/day/?employee={field_worker.employee.pk}&date={DAY}"
    own_visit.refresh_from_db()
    assert own_visit.status == Status.DONE and own_visit.user_owned
    assert timezone.localtime(own_visit.actual_start) == at(DAY, 8, 40)
    assert timezone.localtime(own_visit.actual_end) == at(DAY, 10, 55)
    assert own_visit.hours == pytest.approx(2.25)
    event = AuditEvent.objects.filter(object_id=str(own_visit.pk)).last()
    assert event.actor == field_worker and event.customer_id == own_visit.site.customer_id


def test_htmx_gets_the_visit_card_back(field_worker, client_for, own_visit):
    client = client_for(field_worker)
    response = client.post(
        f"/planning/day/visits/{own_visit.pk}/report/",
        {f"visit-{own_visit.pk}-outcome": "missed"},
        headers={"HX-Request": "true", "HX-Target": f"visit-{own_visit.pk}"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="visit-{own_visit.pk}"' in page and "Client absent" in page
    assert 'hx-swap-oob="true"' in page and "Passage enregistré" in page
    own_visit.refresh_from_db()
    assert own_visit.status == Status.MISSED and own_visit.actual_start is None


def test_a_done_visit_gets_its_hours_corrected(field_worker, client_for, own_visit):
    client = client_for(field_worker)
    report(client, own_visit, "done", actual_start="08:30", actual_end="10:30")
    report(client, own_visit, "done", actual_start="09:00", actual_end="10:00")
    own_visit.refresh_from_db()
    assert own_visit.status == Status.DONE
    assert timezone.localtime(own_visit.actual_start) == at(DAY, 9)
    assert "Corriger les heures" in client.get("/planning/day/", {"date": DAY}).content.decode()


def test_a_night_visit_ends_the_next_day(field_worker, client_for):
    visit = InterventionFactory(
        employee=field_worker.employee, site=SiteFactory(), start=at(DAY, 22), end=at(DAY, 23, 59)
    )
    visit.end = at(DAY + timedelta(1), 2)
    visit.save()
    report(client_for(field_worker), visit, "done", actual_start="22:15", actual_end="01:45")
    visit.refresh_from_db()
    assert timezone.localtime(visit.actual_end) == at(DAY + timedelta(1), 1, 45)


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"actual_start": "10:00", "actual_end": "09:00"}, "actual_end", "La fin réelle doit"),
        ({"actual_start": "", "actual_end": "09:00"}, "actual_start", "Indiquez l"),
        ({"actual_start": "25:99", "actual_end": "09:00"}, "actual_start", "heure valide"),
        ({"actual_start": "x" * 500, "actual_end": "\u00b2"}, "actual_end", "heure valide"),
    ],
)
def test_bad_times_are_refused_at_the_field_and_change_nothing(
    field_worker, client_for, own_visit, fields, field, message
):
    response = report(client_for(field_worker), own_visit, "done", **fields)
    assert response.status_code == 200
    form = response.context["items"][0]["form"]
    assert message in " ".join(form.errors[field])
    assert message in response.content.decode().replace("&#x27;", "'")
    own_visit.refresh_from_db()
    assert own_visit.status == Status.PLANNED and own_visit.actual_start is None


def test_a_cancelled_visit_cannot_be_marked_done(field_worker, client_for, own_visit):
    Intervention.objects.filter(pk=own_visit.pk).update(status=Status.CANCELLED)
    response = report(
        client_for(field_worker), own_visit, "done", actual_start="08:30", actual_end="10:30"
    )
    assert response.status_code == 200
    assert "rouvrez-la d" in response.content.decode().replace("&#x27;", "'")
    own_visit.refresh_from_db()
    assert own_visit.status == Status.CANCELLED and own_visit.actual_start is None


def test_an_unknown_outcome_is_refused(field_worker, client_for, own_visit):
    for outcome in ["cancelled", "planned", "", "x" * 300]:
        assert report(client_for(field_worker), own_visit, outcome).status_code == 200
    own_visit.refresh_from_db()
    assert own_visit.status == Status.PLANNED


def test_nothing_but_the_status_and_real_times_changes(field_worker, client_for, own_visit):
    before = Intervention.objects.values().get(pk=own_visit.pk)
    other = EmployeeFactory()
    report(client_for(field_worker), own_visit, "done", actual_start="08:30",
           actual_end="10:30", start="2030-01-01T08:00", end="2030-01-01T09:00",
           employee=other.pk, quantity="99", notes="changé")  # fmt: skip
    client_for(field_worker).post(
        f"/planning/day/visits/{own_visit.pk}/report/",
        {f"visit-{own_visit.pk}-outcome": "done", f"visit-{own_visit.pk}-actual_start": "08:30",
         f"visit-{own_visit.pk}-actual_end": "10:30", "employee": other.pk, "quantity": "99",
         "notes": "changé", "start": "2030-01-01T08:00"},
    )  # fmt: skip
    after = Intervention.objects.values().get(pk=own_visit.pk)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"status", "actual_start", "actual_end", "sequence", "updated_at"}


def test_another_employees_visit_answers_404(field_worker, client_for, others_visit):
    response = report(client_for(field_worker), others_visit, "missed")
    assert response.status_code == 404
    others_visit.refresh_from_db()
    assert others_visit.status == Status.PLANNED


def test_a_sales_rep_reads_but_does_not_report(rep, client_for):
    visit = InterventionFactory(site=SiteFactory(customer=CustomerFactory(sales_rep=rep)))
    assert report(client_for(rep), visit, "missed").status_code == 403
    visit.refresh_from_db()
    assert visit.status == Status.PLANNED


def test_a_planner_reports_any_visit(planner, client_for, others_visit):
    report(client_for(planner), others_visit, "done", actual_start="08:05", actual_end="09:00")
    others_visit.refresh_from_db()
    assert others_visit.status == Status.DONE


def test_reporting_takes_a_post_only(field_worker, client_for, own_visit):
    assert client_for(field_worker).get(
        f"/planning/day/visits/{own_visit.pk}/report/"
    ).status_code == 405  # fmt: skip


# Mon planning -----------------------------------------------------------------------------


def test_my_week_lists_my_visits_day_by_day(field_worker, client_for, own_visit, others_visit):
    for day, hour in [(DAY + timedelta(3), 14), (DAY + timedelta(7), 9)]:
        InterventionFactory(
            employee=field_worker.employee, site=own_visit.site, start=at(day, hour),
            end=at(day, hour + 1),
        )  # fmt: skip
    page = client_for(field_worker).get("/planning/me/", {"week": "2026-10-28"}).content.decode()
    assert "Du lundi 26 octobre au dimanche 1 novembre 2026" in page
    assert page.count("Mon site") == 2  # Monday and Thursday, not the next Monday
    assert page.index("Lundi 26 octobre") < page.index("08:30") < page.index("Jeudi 29 octobre")
    assert page.index("Jeudi 29 octobre") < page.index("14:00")
    assert f'href="/planning/day/?date={DAY}"' in page
    assert "?week=2026-10-19" in page and "?week=2026-11-02" in page
    assert others_visit.site.name not in page


@pytest.mark.parametrize("typed", ["2026-13-01", "x", "9999-12-31", "0001-01-01"])
def test_my_week_with_a_date_it_cannot_read(field_worker, client_for, typed):
    response = client_for(field_worker).get("/planning/me/", {"week": typed})
    assert response.status_code == 200 and "Date illisible" in response.content.decode()


def test_an_office_user_without_an_employee_record_has_no_week(planner, client_for):
    assert "aucun intervenant" in client_for(planner).get("/planning/me/").content.decode()
