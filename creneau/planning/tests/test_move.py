"""Moving a visit: a drop on the week grid (answered with the rows it touched, conflicts
included), its edit form (the keyboard's way), its status buttons, and a new one-off visit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from creneau.catalog.tests.factories import ServiceFactory
from creneau.core.models import AuditEvent
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning.models import Intervention
from creneau.planning.tests.factories import EmployeeFactory
from creneau.planning.tests.week_helpers import MONDAY, WEEK, at, cell_html, row_html, visit

TUESDAY = MONDAY + timedelta(days=1)
HTMX = {"HX-Request": "true"}


@pytest.fixture
def team():
    alice = EmployeeFactory(first_name="Alice", last_name="Martin", color="#e76f51")
    bruno = EmployeeFactory(first_name="Bruno", last_name="Durand", color="#2a9d8f")
    return alice, bruno


def move(client, pk: int, *, day, employee="", view="week", query=None):
    query = query or WEEK
    path = f"/planning/visits/{pk}/move/?" + "&".join(f"{k}={v}" for k, v in query.items())
    data = {"day": day.isoformat() if hasattr(day, "isoformat") else day, "employee": employee}
    return client.post(path, {**data, "view": view}, headers=HTMX)


# Drag and drop ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_drop_moves_the_visit_and_answers_both_rows_with_the_conflict(planner, client_for, team):
    alice, bruno = team
    moved = visit(employee=alice, hour=9, site=SiteFactory(name="Les Tilleuls"))
    visit(employee=bruno, day=TUESDAY, hour=10, site=SiteFactory(name="Le Clos Fleuri"))
    carl = EmployeeFactory(first_name="Carl", last_name="Petit")  # a row the move leaves alone
    visit(employee=carl, day=TUESDAY, hour=8)
    visit(employee=carl, day=TUESDAY, hour=9)

    response = move(client_for(planner), moved.pk, day=TUESDAY, employee=bruno.pk)
    assert response.status_code == 200
    moved.refresh_from_db()
    assert moved.employee == bruno and moved.user_owned and moved.sequence == 1
    local = timezone.localtime(moved.start)
    assert (local.date(), local.hour, moved.end - moved.start) == (TUESDAY, 9, timedelta(hours=2))
    html = response.content.decode()
    # The two rows, out of band, and nothing else of the grid but the week's counts.
    assert html.count('hx-swap-oob="true"') == 4  # two rows, the counts and the messages
    # The header counts the whole week, the rows not redrawn included (Carl's two).
    counts = html[html.index('<span id="planning-count"') :]
    assert "4 interventions" in counts and "4 en conflit" in counts
    assert f"row-employee-{carl.pk}" not in html
    assert f'<tr id="row-employee-{alice.pk}"' in html
    assert "row-unassigned" not in html
    target = cell_html(html, f"row-employee-{bruno.pk}", TUESDAY)
    assert target.count("has-conflict") == 2
    assert "Intervenant déjà pris de 10:00 à 12:00 (Le Clos Fleuri)." in target
    assert "Les Tilleuls" not in cell_html(html, f"row-employee-{alice.pk}", MONDAY)
    event = AuditEvent.objects.filter(customer_id=moved.site.customer_id).latest("id")
    assert event.action == "update" and "employee" in event.changes


@pytest.mark.django_db
def test_a_drop_on_the_row_to_staff_unassigns_the_visit(planner, client_for, team):
    alice, _bruno = team
    moved = visit(employee=alice)
    html = move(client_for(planner), moved.pk, day=MONDAY, employee="").content.decode()
    moved.refresh_from_db()
    assert moved.employee is None
    assert f"/planning/visits/{moved.pk}/" in cell_html(html, "row-unassigned", MONDAY)


@pytest.mark.django_db
def test_an_incompatible_site_is_refused_and_the_card_goes_back(planner, client_for, team):
    alice, bruno = team
    site = SiteFactory(name="Résidence Interdite")
    bruno.incompatible_sites.add(site)
    moved = visit(employee=alice, site=site)

    response = move(client_for(planner), moved.pk, day=TUESDAY, employee=bruno.pk)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Bruno Durand ne doit pas être envoyé(e) sur le site « Résidence Interdite »." in html
    assert 'class="alert alert-danger' in html
    moved.refresh_from_db()
    assert moved.employee == alice and timezone.localdate(moved.start) == MONDAY
    assert "Résidence Interdite" in cell_html(html, f"row-employee-{alice.pk}", MONDAY)
    assert "Résidence Interdite" not in row_html(html, f"row-employee-{bruno.pk}")


@pytest.mark.django_db
def test_a_drop_that_cannot_be_read_changes_nothing(planner, client_for, team):
    alice, _bruno = team
    moved = visit(employee=alice)
    client = client_for(planner)
    for day, employee in (("demain", ""), ("2027-02-31", ""), (TUESDAY, "999999"), (TUESDAY, "x")):
        response = move(client, moved.pk, day=day, employee=employee)
        assert response.status_code == 200
        assert 'class="alert alert-danger' in response.content.decode()
    moved.refresh_from_db()
    assert moved.employee == alice and timezone.localdate(moved.start) == MONDAY


@pytest.mark.django_db
def test_a_drop_in_the_week_by_site_keeps_the_employee_and_redraws_the_grid(
    planner, client_for, team
):
    alice, _bruno = team
    moved = visit(employee=alice, site=SiteFactory(name="Les Tilleuls"))
    client = client_for(planner)
    response = move(client, moved.pk, day=TUESDAY, employee=alice.pk, view="week_sites")
    html = response.content.decode()
    assert '<table class="planning-grid planning-by-site" id="planning-grid"' in html
    assert 'hx-swap-oob="true"' in html
    assert "Alice Martin" in cell_html(html, f"row-site-{moved.site_id}", TUESDAY)
    moved.refresh_from_db()
    assert moved.employee == alice and timezone.localdate(moved.start) == TUESDAY


@pytest.mark.django_db
def test_only_planners_move_and_an_outsider_finds_nothing(
    rep, other_rep, direction, client_for, team
):
    alice, bruno = team
    moved = visit(employee=alice, site=SiteFactory(customer=CustomerFactory(sales_rep=rep)))
    assert move(client_for(rep), moved.pk, day=TUESDAY).status_code == 403
    assert move(client_for(other_rep), moved.pk, day=TUESDAY).status_code == 404
    assert client_for(direction).get(f"/planning/visits/{moved.pk}/move/").status_code == 405
    assert move(client_for(direction), moved.pk, day=TUESDAY, employee=bruno.pk).status_code == 200
    moved.refresh_from_db()
    assert moved.employee == bruno


# The edit form ------------------------------------------------------------------------------


def form_data(visit_: Intervention, **changes) -> dict:
    start, end = timezone.localtime(visit_.start), timezone.localtime(visit_.end)
    data = {
        "day": start.date().isoformat(),
        "start_time": f"{start:%H:%M}",
        "end_time": f"{end:%H:%M}",
        "employee": visit_.employee_id or "",
        "service": visit_.service_id or "",
        "status": visit_.status,
        "actual_start_time": "",
        "actual_end_time": "",
        "quantity": "",
        "notes": visit_.notes,
    }
    return {**data, **changes}


@pytest.mark.django_db
def test_the_edit_form_moves_a_visit_and_goes_back_to_the_grid(planner, client_for, team):
    alice, bruno = team
    edited = visit(employee=alice, service=ServiceFactory(label="Vitres"))
    client = client_for(planner)
    page = client.get(f"/planning/visits/{edited.pk}/", {"next": "/planning/?week=2027-06-07"})
    html = page.content.decode()
    assert 'value="2027-06-07"' in html and 'value="09:00"' in html and 'value="11:00"' in html
    assert "Marquer réalisée" in html and "Rouvrir" not in html

    data = form_data(edited, day="2027-06-10", start_time="14:30", end_time="16:00")
    data["employee"] = bruno.pk
    data["next"] = "/planning/?week=2027-06-07&employee=" + str(bruno.pk)
    response = client.post(f"/planning/visits/{edited.pk}/", data)
    assert response.status_code == 302
    # Back on the grid it came from, its filter kept, on the week the visit is in now.
    assert response["Location"] == f"/planning/?week=2027-06-10&employee={bruno.pk}"
    edited.refresh_from_db()
    assert edited.employee == bruno
    assert timezone.localtime(edited.start) == at(MONDAY + timedelta(days=3), 14, 30)
    assert timezone.localtime(edited.end) == at(MONDAY + timedelta(days=3), 16)


@pytest.mark.django_db
def test_the_edit_form_says_what_is_wrong_at_the_field(planner, client_for, team):
    alice, bruno = team
    site = SiteFactory(name="Résidence Interdite")
    bruno.incompatible_sites.add(site)
    edited = visit(employee=alice, site=site)
    client = client_for(planner)
    cases = [
        ({"end_time": "08:00"}, "end_time", "L'heure de fin doit suivre l'heure de début."),
        ({"day": "2027-02-31"}, "day", None),
        ({"employee": bruno.pk}, "employee", "ne doit pas être envoyé(e)"),
        ({"employee": "999999"}, "employee", "Cet intervenant n'est pas dans la liste."),
        ({"quantity": "-1"}, "quantity", None),
        ({"quantity": "abc"}, "quantity", None),
        (
            {"status": "done", "actual_start_time": "10:00", "actual_end_time": "09:00"},
            "actual_end_time",
            "La fin réelle doit suivre le début réel.",
        ),
        ({"notes": "x" * 20_000}, "notes", None),
    ]
    for changes, field, message in cases:
        response = client.post(f"/planning/visits/{edited.pk}/", form_data(edited, **changes))
        assert response.status_code == 200, changes
        errors = response.context["form"].errors
        assert field in errors, (changes, errors)
        if message:
            assert message in " ".join(errors[field]), errors
    edited.refresh_from_db()
    assert edited.employee == alice and edited.status == "planned" and edited.sequence == 0


@pytest.mark.django_db
def test_the_edit_form_marks_done_with_real_times_then_a_status_change_that_makes_no_sense(
    planner, client_for, team
):
    alice, _bruno = team
    edited = visit(employee=alice)
    client = client_for(planner)
    data = form_data(edited, status="done", actual_start_time="09:10", actual_end_time="11:40")
    data["quantity"] = "2,5"
    assert client.post(f"/planning/visits/{edited.pk}/", data).status_code == 302
    edited.refresh_from_db()
    assert edited.status == "done" and str(edited.quantity) == "2.50"
    assert timezone.localtime(edited.actual_start) == at(MONDAY, 9, 10)
    # Done, then cancelled without reopening: refused at the status.
    response = client.post(f"/planning/visits/{edited.pk}/", form_data(edited, status="cancelled"))
    assert "rouvrez-la d'abord" in " ".join(response.context["form"].errors["status"])


@pytest.mark.django_db
def test_the_status_buttons_mark_done_cancel_and_reopen(planner, client_for, team):
    alice, _bruno = team
    edited = visit(employee=alice)
    client = client_for(planner)
    path = f"/planning/visits/{edited.pk}/status/"
    response = client.post(path, {"status": "done", "next": "/planning/sites/?status=done"})
    assert response["Location"] == "/planning/sites/?status=done&week=2027-06-07"
    edited.refresh_from_db()
    assert edited.status == "done" and edited.actual_start == edited.start
    page = client.get(f"/planning/visits/{edited.pk}/").content.decode()
    assert "Rouvrir" in page and "Marquer réalisée" not in page
    # Not from "done" straight to "cancelled"; reopened first.
    response = client.post(path, {"status": "cancelled"}, follow=True)
    assert "rouvrez-la d&#x27;abord" in response.content.decode()
    client.post(path, {"status": "planned"})
    client.post(path, {"status": "cancelled"})
    edited.refresh_from_db()
    assert edited.status == "cancelled" and edited.actual_start is None
    response = client.post(path, {"status": "whatever"}, follow=True)
    assert "Statut inconnu." in response.content.decode()
    # A link elsewhere is not followed back.
    response = client.post(path, {"status": "planned", "next": "https://evil.example/"})
    assert response["Location"] == "/planning/?week=2027-06-07"


# A new one-off visit ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_visit_is_made_on_a_searched_site(planner, client_for, team):
    alice, _bruno = team
    site = SiteFactory(name="Les Tilleuls")
    service = ServiceFactory(label="Vitres")
    client = client_for(planner)
    page = client.get("/planning/visits/new/", {"day": "2027-06-08"}).content.decode()
    assert 'value="2027-06-08"' in page and 'id="visit-site"' in page
    data = {
        "site": site.pk,
        "service": service.pk,
        "employee": alice.pk,
        "day": "2027-06-08",
        "start_time": "08:30",
        "end_time": "10:00",
        "notes": "Clés chez le gardien",
    }
    response = client.post("/planning/visits/new/", data)
    created = Intervention.objects.get()
    assert response["Location"] == "/planning/?week=2027-06-08"
    assert (created.site, created.service, created.employee) == (site, service, alice)
    assert timezone.localtime(created.start) == at(TUESDAY, 8, 30)
    assert created.schedule is None and created.user_owned and created.notes
    assert AuditEvent.objects.filter(customer_id=site.customer_id, action="create").exists()


@pytest.mark.django_db
def test_a_new_visit_refused_shows_why_at_the_field_and_keeps_the_site(planner, client_for, team):
    _alice, bruno = team
    site = SiteFactory(name="Résidence Interdite", customer=CustomerFactory(name="Syndic"))
    bruno.incompatible_sites.add(site)
    client = client_for(planner)
    data = {"site": site.pk, "employee": bruno.pk, "day": "2027-06-08"}
    data |= {"start_time": "08:30", "end_time": "10:00"}
    response = client.post("/planning/visits/new/", data)
    form = response.context["form"]
    assert "ne doit pas être envoyé(e)" in " ".join(form.errors["employee"])
    html = response.content.decode()
    assert f'name="site" value="{site.pk}"' in html and "Syndic \u2013 Résidence Interdite" in html
    response = client.post("/planning/visits/new/", {**data, "site": "", "employee": ""})
    assert "Choisissez le site de l'intervention." in response.context["form"].errors["site"]
    response = client.post("/planning/visits/new/", {**data, "site": "99999", "employee": ""})
    assert "site" in response.context["form"].errors
    assert not Intervention.objects.exists()


@pytest.mark.django_db
def test_a_rep_cannot_plan_on_another_reps_site(rep, other_rep, direction, client_for):
    theirs = SiteFactory(customer=CustomerFactory(sales_rep=other_rep))
    assert client_for(rep).get("/planning/visits/new/").status_code == 403
    data = {"site": theirs.pk, "day": "2027-06-08", "start_time": "08:00", "end_time": "09:00"}
    # Direction sees every site; the form would refuse an invisible one as unknown.
    assert client_for(direction).post("/planning/visits/new/", data).status_code == 302
