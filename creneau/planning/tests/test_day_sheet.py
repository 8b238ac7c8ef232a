"""The day sheet (feuille de route): its page, read on a phone, and its PDF."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from pypdf import PdfReader

from creneau.catalog.tests.factories import ServiceFactory
from creneau.core.models import Company
from creneau.customers.tests.factories import ContactFactory, CustomerFactory, SiteFactory
from creneau.planning.models import Intervention
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 30)  # a Monday, the day after the clock change
URL = "/planning/day/"
PDF_URL = "/planning/day/pdf/"
HOSTILE = '#read("/etc/passwd") *gras* $x$ <l> @ref \\ ]'


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def visit(employee, site, start: datetime, minutes: int = 120, **fields) -> Intervention:
    return InterventionFactory(
        employee=employee, site=site, start=start, end=start + timedelta(minutes=minutes), **fields
    )


@pytest.fixture
def company():
    company = Company.load()
    company.legal_name, company.siret = "Clair & Net Services", "73282932000074"
    company.save()
    return company


@pytest.fixture
def sheet(field_worker, rep, company):
    """Inès's Monday: two visits typed in the wrong order, one cancelled; others elsewhere."""
    employee = field_worker.employee
    customer = CustomerFactory(sales_rep=rep, name="Résidence Les Tilleuls", mobile="+33612345678")
    tilleuls = SiteFactory(
        customer=customer,
        name="Bâtiment B",
        street="14 rue du Calvaire",
        postcode="44000",
        city="Nantes",
        access_notes="Digicode 4521B\nClé chez la gardienne",
    )
    ContactFactory(customer=customer, site=tilleuls, name="Mme Gardienne", phone="+33240000001")
    ContactFactory(customer=customer, site=None, name="Siège", phone="+33140000000")
    other_customer = CustomerFactory(sales_rep=rep, name="Cabinet Martin", phone="+33145000000")
    martin = SiteFactory(customer=other_customer, name="Cabinet", city="Rezé", postcode="44400")
    vitres = ServiceFactory(label="Nettoyage des vitres")
    afternoon = visit(employee, martin, at(DAY, 14), 90, service=vitres, notes="Apporter l'échelle")
    morning = visit(employee, tilleuls, at(DAY, 8, 30), 150)
    cancelled = visit(employee, martin, at(DAY, 17), status=Intervention.Status.CANCELLED)
    elsewhere = CustomerFactory(name="Chez un autre")
    visit(EmployeeFactory(), SiteFactory(customer=elsewhere), at(DAY, 9))  # another employee
    visit(employee, SiteFactory(customer=elsewhere, name="Demain"), at(DAY + timedelta(1), 9))
    return {"employee": employee, "morning": morning, "afternoon": afternoon,
            "cancelled": cancelled, "tilleuls": tilleuls, "martin": martin}  # fmt: skip


def page_of(client, **query) -> str:
    response = client.get(URL, query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_intervenant_reads_its_day_in_order_with_address_access_and_phones(
    sheet, field_worker, client_for
):
    page = page_of(client_for(field_worker), date=DAY.isoformat())
    # In order of time, whatever the order they were typed in.
    assert page.index("Bâtiment B") < page.index("Cabinet Martin") < page.index("17:00")
    for expected in [
        "Lundi 30 mars 2026", "08:30 \u2013 11:00", "14:00 \u2013 15:30", "14 rue du Calvaire",
        "44000 Nantes", "Digicode 4521B\nClé chez la gardienne", "Nettoyage des vitres",
        "Apporter l&#x27;échelle", "2 passages", "4\u00a0h prévues",
        # The site's contact; the other site has none: the customer's own phone.
        "Mme Gardienne", 'href="tel:+33240000001"', "02 40 00 00 01",
        'href="tel:+33145000000"', "01 45 00 00 00",
    ]:  # fmt: skip
        assert expected in page, expected
    assert "Siège" not in page  # a contact of no site is not the site's contact
    assert "Chez un autre" not in page and "Demain" not in page
    assert "Annulée" in page and "day-visit-cancelled" in page


def test_today_is_the_default_and_the_days_around_are_linked(sheet, field_worker, client_for):
    today = timezone.localdate()
    visit(sheet["employee"], sheet["tilleuls"], at(today, 10), 60)
    page = page_of(client_for(field_worker))
    employee = sheet["employee"].pk
    assert "10:00 \u2013 11:00" in page
    yesterday, tomorrow = today - timedelta(1), today + timedelta(1)
    assert f'href="/planning/day/?employee={employee}&amp;date={yesterday}"' in page
    assert f'href="/planning/day/?employee={employee}&amp;date={tomorrow}"' in page
    assert f'href="/planning/day/pdf/?employee={employee}&amp;date={today}"' in page


def test_an_office_user_picks_the_employee_and_the_day(sheet, planner, client_for):
    client = client_for(planner)
    page = page_of(client)
    assert "Choisissez un intervenant" in page and "Bâtiment B" not in page
    assert "Choisissez un intervenant" in page_of(client, employee="", date=DAY.isoformat())
    page = page_of(client, employee=sheet["employee"].pk, date=DAY.isoformat())
    assert "Bâtiment B" in page and "Inès Intervenante" in page
    assert f'<option value="{sheet["employee"].pk}" selected>' in page


def test_a_sales_rep_sees_only_its_customers_visits(sheet, other_rep, client_for):
    mine = CustomerFactory(sales_rep=other_rep, name="Client d'Olivier")
    visit(sheet["employee"], SiteFactory(customer=mine, name="Chez Olivier"), at(DAY, 12))
    page = page_of(client_for(other_rep), employee=sheet["employee"].pk, date=DAY.isoformat())
    assert "Chez Olivier" in page
    assert "Bâtiment B" not in page and "Digicode" not in page and "Cabinet Martin" not in page
    # Reading is not reporting: a sales rep gets no form.
    assert "day-report" not in page


def test_an_intervenant_never_reads_another_employees_sheet(sheet, field_worker, client_for):
    other = EmployeeFactory()
    client = client_for(field_worker)
    for query in [{"employee": other.pk}, {"employee": "x"}, {"employee": "99999999999999999999"}]:
        assert client.get(URL, query).status_code == 404
        assert client.get(PDF_URL, query).status_code == 404


def test_an_unknown_employee_answers_404(planner, client_for):
    assert client_for(planner).get(URL, {"employee": 987654}).status_code == 404


@pytest.mark.parametrize("typed", ["2026-02-31", "demain", "9999-12-31", "0001-01-01", "3" * 40])
def test_a_date_that_cannot_be_read_shows_today_with_a_message(typed, field_worker, client_for):
    page = page_of(client_for(field_worker), date=typed)
    assert "Date illisible" in page
    assert timezone.localdate().strftime("%Y-%m-%d") in page
    assert client_for(field_worker).get(PDF_URL, {"date": typed}).status_code == 404


def test_an_intervenant_without_an_employee_record_is_told_so(make_user, client_for):
    from creneau.core.roles import Role

    lost = make_user("perdu", Role.EMPLOYEE)
    assert "aucun intervenant" in page_of(client_for(lost))
    assert client_for(lost).get(PDF_URL).status_code == 404


def test_the_forms_are_only_on_visits_still_to_report(sheet, field_worker, client_for):
    page = page_of(client_for(field_worker), date=DAY.isoformat())
    assert f'id="id_visit-{sheet["morning"].pk}-actual_start"' in page
    assert 'value="08:30"' in page and 'value="11:00"' in page  # planned times to start from
    assert f"/planning/day/visits/{sheet['cancelled'].pk}/report/" not in page


def count_queries(client, **query) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, query).status_code == 200
    return len(queries)


def test_the_page_reads_the_same_queries_for_3_or_13_visits(sheet, field_worker, client_for):
    client = client_for(field_worker)
    few = count_queries(client, date=DAY.isoformat())
    for hour in range(10):
        site = SiteFactory(customer=CustomerFactory(mobile="+33611111111"))
        ContactFactory(customer=site.customer, site=site, mobile="+33622222222")
        visit(sheet["employee"], site, at(DAY, 6) + timedelta(minutes=hour))
    assert count_queries(client, date=DAY.isoformat()) == few


# The PDF ----------------------------------------------------------------------------------


def pdf_of(client, **query) -> bytes:
    response = client.get(PDF_URL, query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_prints_the_day_the_french_way(sheet, field_worker, client_for):
    text = text_of(pdf_of(client_for(field_worker), date=DAY.isoformat()))
    for expected in [
        "Feuille de route", "lundi 30 mars 2026", "Inès Intervenante", "Passages : 2",
        "Durée prévue : 4\u00a0h", "08:30 \u2013 11:00", "2\u00a0h\u00a030", "14:00 \u2013 15:30",
        "Bâtiment B", "14 rue du Calvaire, 44000 Nantes", "Digicode 4521B",
        "Clé chez la gardienne", "Mme Gardienne : 02 40 00 00 01",
        "Cabinet Martin : 01 45 00 00 00", "Nettoyage des", "Apporter l",
        "Arrivée :", "Départ :", "Annulée", "SIRET 732 829 320 00074", "Page 1 / 1",
    ]:  # fmt: skip
        assert expected in text, expected
    assert text.index("Bâtiment B") < text.index("Nettoyage des") < text.index("Annulée")
    assert "Chez un autre" not in text and "Demain" not in text


def test_a_done_visit_prints_its_real_times(sheet, field_worker, client_for):
    morning = sheet["morning"]
    Intervention.objects.filter(pk=morning.pk).update(
        status="done", actual_start=at(DAY, 8, 40), actual_end=at(DAY, 10, 55)
    )
    text = text_of(pdf_of(client_for(field_worker), date=DAY.isoformat()))
    assert "Réalisée\n08:40 \u2013 10:55" in text


def test_the_pdf_is_pdf_a_3b_with_its_title(sheet, field_worker, client_for):
    reader = PdfReader(io.BytesIO(pdf_of(client_for(field_worker), date=DAY.isoformat())))
    xmp = reader.xmp_metadata.stream.get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part>" in xmp
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert reader.trailer["/Root"]["/OutputIntents"]
    assert reader.metadata.title == (
        "Feuille de route 30/03/2026 \u2013 Inès Intervenante \u2013 Clair & Net Services"
    )


def test_the_pdf_is_french_in_an_english_interface(sheet, field_worker, client_for):
    with translation.override("en"):
        from creneau.planning.print.day_sheet import day_sheet_print_data
        from creneau.planning.selectors import day_sheet_visits

        visits = day_sheet_visits(user=field_worker, employee=sheet["employee"], day=DAY)
        data = day_sheet_print_data(
            employee=sheet["employee"], day=DAY, visits=visits, company_name="X"
        )
    assert data["meta"][0] == ("Date :", "lundi 30 mars 2026")
    assert [row["status"] for row in data["visits"]] == ["Planifiée", "Planifiée", "Annulée"]


def test_user_text_is_printed_verbatim_never_evaluated(field_worker, client_for, company):
    site = SiteFactory(name=HOSTILE, access_notes="#sys.exit() $ maths $", street="*gras*")
    visit(field_worker.employee, site, at(DAY, 9), notes='#panic("x")')
    text = text_of(pdf_of(client_for(field_worker), date=DAY.isoformat()))
    assert HOSTILE in text
    assert "#sys.exit() $ maths $" in text and '#panic("x")' in text and "*gras*" in text
    assert "root:" not in text


def test_a_long_day_prints_on_several_pages_with_its_reference(field_worker, client_for, company):
    for hour in range(30):
        site = SiteFactory(access_notes="Code 1234, badge à l'accueil, monter au 3e étage.")
        visit(field_worker.employee, site, at(DAY, 0) + timedelta(minutes=30 * hour), 20)
    reader = PdfReader(io.BytesIO(pdf_of(client_for(field_worker), date=DAY.isoformat())))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) > 1
    assert all("Feuille de route · Inès Intervenante · 30/03/2026" in text for text in pages[1:])


def test_an_empty_day_prints_so(field_worker, client_for, company):
    assert "Aucun passage prévu ce jour." in text_of(
        pdf_of(client_for(field_worker), date=DAY.isoformat())
    )


def test_an_office_user_must_choose_the_employee_of_a_pdf(planner, client_for, sheet):
    assert client_for(planner).get(PDF_URL).status_code == 404
    pdf = pdf_of(client_for(planner), employee=sheet["employee"].pk, date=DAY.isoformat())
    assert "Bâtiment B" in text_of(pdf)
