"""Quote pages: list, record tab, editor (typed lines, totals), actions, sending, PDF."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from creneau.catalog.tests.factories import ServiceFactory, vat_rate
from creneau.core.models import AuditEvent, OutboxEmail
from creneau.customers.tests.factories import ContactFactory, CustomerFactory, SiteFactory
from creneau.quotes.models import Quote, QuoteLine
from creneau.quotes.services import quote_create, quote_finalize, quote_line_add

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture
def customer(rep):
    return CustomerFactory(sales_rep=rep, name="Résidence Les Tilleuls", email="syndic@example.fr")


@pytest.fixture
def quote(customer, rep):
    quote = quote_create(customer=customer, by=rep)
    for _ in range(4):
        quote_line_add(
            quote=quote,
            by=rep,
            line_type="free",
            description="Petite fourniture",
            quantity=Decimal(1),
            unit_price=Decimal("0.13"),
            vat_rate=vat_rate("20"),
        )
    return quote


def make_quotes(customer, rep, count):
    for _ in range(count):
        quote = quote_create(customer=customer, by=rep)
        quote_line_add(
            quote=quote,
            by=rep,
            line_type="free",
            description="Ligne",
            quantity=1,
            unit_price=Decimal("10"),
            vat_rate=vat_rate("10"),
        )


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_list_shows_the_reps_quotes_only_and_filters(client_for, rep, other_rep, customer, quote):
    other_customer = CustomerFactory(sales_rep=other_rep, name="Banque Lointaine")
    quote_create(customer=other_customer, by=other_rep)
    response = client_for(rep).get(reverse("quotes:list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Résidence Les Tilleuls" in page and "Banque Lointaine" not in page
    assert f"0,62{NBSP}€" in page
    response = client_for(rep).get(reverse("quotes:list"), {"status": "sent"})
    assert "Résidence Les Tilleuls" not in response.content.decode()
    response = client_for(rep).get(reverse("quotes:list"), {"q": "tilleuls", "sort": "-total"})
    assert "Résidence Les Tilleuls" in response.content.decode()


def test_list_csv_export_follows_the_filter(client_for, direction, customer, quote, rep):
    sent = quote_create(customer=customer, by=rep)
    quote_line_add(
        quote=sent,
        by=rep,
        line_type="free",
        description="x",
        quantity=2,
        unit_price=Decimal("100"),
        vat_rate=vat_rate("5.5"),
    )
    quote_finalize(quote=sent, by=rep)
    response = client_for(direction).get(reverse("quotes:export"), {"status": "finalised"})
    rows = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert rows[0].startswith("Numéro;Statut;Date")
    assert len(rows) == 2
    assert rows[1].startswith(f"{sent.number};Finalisé;")
    assert rows[1].endswith("200,00;11,00;211,00")


def test_list_query_count_does_not_grow_with_the_quotes(client_for, direction, customer, rep):
    client = client_for(direction)
    make_quotes(customer, rep, 2)
    client.get(reverse("quotes:list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("quotes:list"))
    make_quotes(CustomerFactory(sales_rep=rep), rep, 10)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("quotes:list"))
    assert len(many) == len(few) <= 8


def test_editor_query_count_does_not_grow_with_the_lines(client_for, rep, quote):
    client = client_for(rep)
    url = reverse("quotes:detail", args=[quote.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(10):
        quote_line_add(quote=quote, by=rep, line_type="service", service=ServiceFactory())
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few) <= 14


def test_record_tab_is_a_partial_for_htmx_and_a_page_otherwise(client_for, rep, customer, quote):
    url = reverse("quotes:tab_customer", args=[customer.pk])
    partial = client_for(rep).get(url, headers=HTMX).content.decode()
    assert 'id="quote-tab"' in partial and "<html" not in partial
    assert "Brouillon" in partial
    page = client_for(rep).get(url).content.decode()
    assert "<html" in page and 'id="quote-tab"' in page


def test_typing_a_quantity_saves_the_line_and_answers_the_totals(client_for, rep, quote):
    line = quote.lines.first()
    response = client_for(rep).post(
        reverse("quotes:line_update", args=[line.pk]),
        {
            "description": "Petite fourniture",
            "quantity": "2,5",
            "unit": "",
            "unit_price": "0,13",
            "vat_rate": vat_rate("20").pk,
            "discount_percent": "",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    line.refresh_from_db()
    assert line.quantity == Decimal("2.5") and line.net == Decimal("0.33")
    assert f'id="line-{line.pk}-net" hx-swap-oob="true">0,33{NBSP}€' in body
    assert 'id="quote-totals"' in body and 'hx-swap-oob="true"' in body
    assert f"0,72{NBSP}€" in body  # net 0.33 + 3 x 0.13
    assert f"0,14{NBSP}€" in body  # VAT on 0.72


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantity", "-2", "La quantité ne peut pas être négative"),
        ("description", "", "Une ligne doit avoir un libellé."),
        ("quantity", "abc", "Saisissez un nombre."),
        ("discount_percent", "150", "La remise est un pourcentage entre 0 et 100."),
    ],
)
def test_a_bad_value_is_refused_at_its_field(client_for, rep, quote, field, value, message):
    line = quote.lines.first()
    data = {
        "description": "Petite fourniture",
        "quantity": "1",
        "unit": "",
        "unit_price": "0,13",
        "vat_rate": vat_rate("20").pk,
        "discount_percent": "",
    }
    data[field] = value
    body = (
        client_for(rep)
        .post(reverse("quotes:line_update", args=[line.pk]), data, headers=HTMX)
        .content.decode()
    )
    error_div = body.split(f'id="line-{line.pk}-error-{field}"', 1)[1].split("</div>", 1)[0]
    assert message in error_div
    line.refresh_from_db()
    assert line.quantity == 1 and line.description == "Petite fourniture"


def test_a_vat_rate_not_in_the_list_is_refused(client_for, rep, quote):
    line = quote.lines.first()
    body = (
        client_for(rep)
        .post(
            reverse("quotes:line_update", args=[line.pk]),
            {"description": "x", "quantity": "1", "unit_price": "1", "vat_rate": "999999"},
            headers=HTMX,
        )
        .content.decode()
    )
    assert "Ce taux de TVA n&#x27;est pas dans la liste." in body


def test_add_lines_from_the_catalogue_free_text_section_and_reorder(client_for, rep, customer):
    site = SiteFactory(customer=customer)
    quote = quote_create(customer=customer, site=site, by=rep)
    service = ServiceFactory(label="Lavage de vitres", unit_price=Decimal("3.2"), unit="m2")
    client = client_for(rep)
    search = client.get(reverse("quotes:service_search", args=[quote.pk]), {"q": "vitres"})
    assert "Lavage de vitres" in search.content.decode()
    add = reverse("quotes:line_add", args=[quote.pk])
    client.post(add, {"line_type": "section"}, headers=HTMX)
    response = client.post(add, {"line_type": "service", "service": service.pk}, headers=HTMX)
    assert "Lavage de vitres" in response.content.decode()
    client.post(add, {"line_type": "free"}, headers=HTMX)
    lines = list(quote.lines.order_by("position"))
    assert [line.line_type for line in lines] == ["section", "service", "free"]
    client.post(reverse("quotes:line_move", args=[lines[2].pk]), {"direction": "up"}, headers=HTMX)
    assert [line.line_type for line in quote.lines.order_by("position")] == [
        "section",
        "free",
        "service",
    ]
    client.post(reverse("quotes:line_delete", args=[lines[0].pk]), headers=HTMX)
    assert quote.lines.count() == 2


def test_a_sent_quote_is_shown_read_only_and_edits_are_refused(client_for, rep, quote):
    quote_finalize(quote=quote, by=rep)
    client = client_for(rep)
    page = client.get(reverse("quotes:detail", args=[quote.pk])).content.decode()
    assert "ne peut plus être modifié" in page
    assert 'name="quantity"' not in page
    line = quote.lines.first()
    body = client.post(
        reverse("quotes:line_update", args=[line.pk]),
        {"description": "x", "quantity": "9", "unit_price": "1", "vat_rate": vat_rate("20").pk},
        headers=HTMX,
    ).content.decode()
    assert "ne peut plus être modifié" in body
    line.refresh_from_db()
    assert line.quantity == 1


def test_finalize_duplicate_accept_refuse_from_the_page(client_for, rep, quote):
    client = client_for(rep)
    client.post(reverse("quotes:finalize", args=[quote.pk]))
    quote.refresh_from_db()
    assert quote.number and quote.status == Quote.Status.FINALISED
    response = client.post(reverse("quotes:duplicate", args=[quote.pk]))
    copy = Quote.objects.exclude(pk=quote.pk).get()
    assert response["Location"] == reverse("quotes:detail", args=[copy.pk])
    client.post(reverse("quotes:accept", args=[quote.pk]))
    quote.refresh_from_db()
    assert quote.status == Quote.Status.ACCEPTED
    response = client.post(reverse("quotes:refuse", args=[quote.pk]), follow=True)
    assert "Seul un devis finalisé ou envoyé peut être refusé." in response.content.decode()


def test_planner_reads_quotes_but_cannot_write(client_for, planner, quote):
    client = client_for(planner)
    assert client.get(reverse("quotes:detail", args=[quote.pk])).status_code == 200
    assert client.post(reverse("quotes:finalize", args=[quote.pk])).status_code == 403
    assert client.get(reverse("quotes:new")).status_code == 403


def test_new_quote_for_a_customer_found_by_search(client_for, rep, customer):
    client = client_for(rep)
    found = client.get(reverse("quotes:customer_search"), {"q": "tilleuls"}).content.decode()
    assert "Résidence Les Tilleuls" in found
    site = SiteFactory(customer=customer, name="Bâtiment B")
    page = client.get(reverse("quotes:new"), {"customer": customer.pk}).content.decode()
    assert "Bâtiment B" in page
    response = client.post(
        reverse("quotes:new"),
        {"customer": customer.pk, "site": site.pk, "validity_date": "2099-01-31", "notes": ""},
    )
    quote = Quote.objects.get()
    assert response["Location"] == reverse("quotes:detail", args=[quote.pk])
    assert quote.site == site and quote.created_by == rep


def test_send_page_offers_the_contacts_and_queues_the_email(client_for, rep, customer, quote):
    ContactFactory(customer=customer, name="Paul Gestion", email="paul@example.fr")
    client = client_for(rep)
    page = client.get(reverse("quotes:send", args=[quote.pk])).content.decode()
    assert "syndic@example.fr" in page and "paul@example.fr" in page
    assert "[n° du devis]" in page
    response = client.post(
        reverse("quotes:send", args=[quote.pk]),
        {
            "recipients": ["paul@example.fr"],
            "other": "copie@example.fr",
            "subject": "Devis [n° du devis] - test",
            "message": "Bonjour,\nvoici le devis [n° du devis].",
        },
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    email = OutboxEmail.objects.get()
    assert email.to == ["paul@example.fr", "copie@example.fr"]
    assert email.subject == f"Devis {quote.number} - test"
    assert quote.number in email.body
    assert email.attachments.get().filename.endswith(".pdf")
    history = client.get(reverse("quotes:detail", args=[quote.pk])).content.decode()
    assert "E-mail mis en file d&#x27;envoi pour paul@example.fr, copie@example.fr" in history
    assert "en attente" in history


def test_send_refuses_a_bad_address_and_no_recipient(client_for, rep, quote):
    client = client_for(rep)
    url = reverse("quotes:send", args=[quote.pk])
    data = {"subject": "Devis", "message": "Bonjour"}
    body = client.post(url, {**data, "other": "pas-une-adresse"}).content.decode()
    assert "n&#x27;est pas une adresse e-mail valide" in body
    body = client.post(url, data).content.decode()
    assert "Indiquez au moins un destinataire." in body
    quote.refresh_from_db()
    assert quote.number is None and not OutboxEmail.objects.exists()


def test_the_same_totals_on_screen_and_in_the_pdf(client_for, rep, quote, customer):
    service = ServiceFactory(
        label="Entretien espaces verts", unit_price=Decimal("1234.5"), vat_rate=vat_rate("10")
    )
    quote_line_add(quote=quote, by=rep, line_type="service", service=service)
    quote_line_add(
        quote=quote,
        by=rep,
        line_type="free",
        description="Prestation exonérée",
        quantity=1,
        unit_price=Decimal("50"),
        vat_rate=vat_rate("0"),
    )
    quote_finalize(quote=quote, by=rep)
    client = client_for(rep)
    screen = client.get(reverse("quotes:detail", args=[quote.pk])).content.decode()
    response = client.get(reverse("quotes:pdf", args=[quote.pk]), {"download": "1"})
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = pdf_text(response.content)
    quote.refresh_from_db()
    # 0.52 at 20 % (VAT 0.10), 1 234.50 at 10 % (VAT 123.45), 50 exempt.
    for amount in ("1 285,02", "123,55", "1 408,57", "123,45", "0,10"):
        assert amount.replace(" ", NNBSP) + NBSP + "€" in screen, amount
        assert amount in text.replace(NNBSP, " ").replace(NBSP, " "), amount
    assert quote.number in text
    assert "TVA non applicable, art. 293 B du CGI" in text
    assert "BON POUR ACCORD" in text and "Lu et approuvé" in text
    assert quote.date.strftime("%d/%m/%Y") in text


def test_line_types_render_in_the_editor(client_for, rep, quote):
    quote_line_add(quote=quote, by=rep, line_type="section", description="Parties communes")
    quote_line_add(quote=quote, by=rep, line_type="comment", description="Produits fournis")
    page = client_for(rep).get(reverse("quotes:detail", args=[quote.pk])).content.decode()
    assert 'value="Parties communes"' in page and "Produits fournis</textarea>" in page
    assert QuoteLine.objects.filter(quote=quote).count() == 6


def test_a_refused_line_addition_says_why_in_the_page_messages(client_for, rep, quote):
    retired = ServiceFactory(label="Ancienne prestation", is_active=False)
    body = (
        client_for(rep)
        .post(
            reverse("quotes:line_add", args=[quote.pk]),
            {"line_type": "service", "service": retired.pk},
            headers=HTMX,
        )
        .content.decode()
    )
    assert 'id="messages" hx-swap-oob="true"' in body
    assert "Cette prestation n&#x27;est plus au catalogue." in body


REORDER_REFUSED = "Donnez chaque ligne du devis une fois, et elles seules."


@pytest.fixture
def three_lines(customer, rep):
    """A draft with a section title, a priced line and a comment, in that order."""
    quote = quote_create(customer=customer, by=rep)
    quote_line_add(quote=quote, by=rep, line_type="section", description="Parties communes")
    quote_line_add(
        quote=quote,
        by=rep,
        line_type="free",
        description="Lavage des vitres",
        quantity=Decimal(2),
        unit_price=Decimal("30"),
        vat_rate=vat_rate("20"),
    )
    quote_line_add(quote=quote, by=rep, line_type="comment", description="Produits fournis")
    return quote


def line_order(quote) -> list[int]:
    return list(quote.lines.order_by("position", "id").values_list("id", flat=True))


def post_order(client, quote, ids):
    url = reverse("quotes:lines_reorder", args=[quote.pk])
    return client.post(url, {"line": [str(line_id) for line_id in ids]}, headers=HTMX)


def test_dropped_lines_are_saved_in_their_new_order(client_for, rep, three_lines):
    section, priced, comment = line_order(three_lines)
    response = post_order(client_for(rep), three_lines, [comment, section, priced])
    assert response.status_code == 200
    assert line_order(three_lines) == [comment, section, priced]
    assert list(three_lines.lines.order_by("position").values_list("position", flat=True)) == [
        0,
        1,
        2,
    ]
    body = response.content.decode()
    rows = [body.index(f'id="line-{line_id}"') for line_id in (comment, section, priced)]
    assert rows == sorted(rows)  # the partial shows the new order
    assert f"72,00{NBSP}€" in body and 'id="quote-totals"' in body
    assert REORDER_REFUSED not in body
    assert AuditEvent.objects.filter(
        object_type="quote", object_id=str(three_lines.pk), message="Lignes réordonnées."
    ).exists()


def test_dropping_a_line_where_it_was_changes_and_records_nothing(client_for, rep, three_lines):
    order = line_order(three_lines)
    assert post_order(client_for(rep), three_lines, order).status_code == 200
    assert line_order(three_lines) == order
    assert not AuditEvent.objects.filter(message="Lignes réordonnées.").exists()


@pytest.mark.parametrize(
    "order",
    [
        pytest.param(lambda ids, foreign: ids[:2], id="partial list"),
        pytest.param(lambda ids, foreign: [], id="no line"),
        pytest.param(lambda ids, foreign: [ids[2], ids[0], ids[0]], id="twice the same"),
        pytest.param(lambda ids, foreign: [ids[2], ids[0], 99999999], id="unknown id"),
        pytest.param(lambda ids, foreign: [ids[2], ids[0], ids[1], foreign], id="foreign id"),
        pytest.param(lambda ids, foreign: [ids[2], ids[0], foreign], id="foreign in place"),
        pytest.param(lambda ids, foreign: [ids[2], "abc", ids[1]], id="not a number"),
        pytest.param(lambda ids, foreign: [ids[2], ids[0], "99999999999999999999"], id="huge"),
        pytest.param(lambda ids, foreign: [ids[2], ids[0], ""], id="empty"),
    ],
)
def test_an_order_that_is_not_every_line_once_is_refused(
    client_for, rep, customer, three_lines, order
):
    before = line_order(three_lines)
    other = quote_create(customer=customer, by=rep)
    foreign = quote_line_add(quote=other, by=rep, line_type="comment", description="Ailleurs")
    response = post_order(client_for(rep), three_lines, order(before, foreign.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="messages" hx-swap-oob="true"' in body and REORDER_REFUSED in body
    assert line_order(three_lines) == before
    assert line_order(other) == [foreign.pk]


def test_reordering_is_refused_to_the_planner_role(client_for, planner, three_lines):
    before = line_order(three_lines)
    response = post_order(client_for(planner), three_lines, list(reversed(before)))
    assert response.status_code == 403
    assert line_order(three_lines) == before


def test_reordering_a_sent_quote_is_refused(client_for, rep, three_lines):
    quote_finalize(quote=three_lines, by=rep)
    before = line_order(three_lines)
    response = post_order(client_for(rep), three_lines, list(reversed(before)))
    assert response.status_code == 200
    body = response.content.decode()
    assert "ne peut plus être modifié" in body
    assert "data-sortable-lines" not in body  # the lines answer read-only
    assert line_order(three_lines) == before


def test_reordering_answers_in_the_same_queries_however_many_lines(client_for, rep, three_lines):
    client = client_for(rep)
    client.get(reverse("quotes:detail", args=[three_lines.pk]))
    reversed_order = list(reversed(line_order(three_lines)))
    with CaptureQueriesContext(connection) as few:
        post_order(client, three_lines, reversed_order)
    for _ in range(10):
        quote_line_add(quote=three_lines, by=rep, line_type="service", service=ServiceFactory())
    wanted = list(reversed(line_order(three_lines)))
    with CaptureQueriesContext(connection) as many:
        post_order(client, three_lines, wanted)
    assert line_order(three_lines) == wanted
    assert len(many) == len(few) <= 14


def test_the_drag_handle_and_its_script_come_with_an_editable_draft_only(
    client_for, rep, planner, three_lines
):
    page = client_for(rep).get(reverse("quotes:detail", args=[three_lines.pk])).content.decode()
    reorder_url = reverse("quotes:lines_reorder", args=[three_lines.pk])
    assert f'data-reorder-url="{reorder_url}"' in page
    assert page.count("bi-grip-vertical") == 3 and "Glisser pour déplacer" in page
    assert "sortablejs/Sortable.min.js" in page and "js/quote_lines.js" in page
    for line_id in line_order(three_lines):
        assert f'data-line-id="{line_id}"' in page
    read_only = client_for(planner).get(reverse("quotes:detail", args=[three_lines.pk]))
    assert "bi-grip-vertical" not in read_only.content.decode()
    assert "Sortable.min.js" not in read_only.content.decode()
