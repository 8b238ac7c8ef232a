"""A quote at the largest values the bounds allow (settings, quotes/bounds.py) prints every
figure whole and inside its column: 999,999,999 x 100 € once ran over its neighbours."""

import io
import json
from decimal import Decimal

import pytest
from django.utils import translation
from PIL import Image
from pypdf import PdfReader

from creneau.catalog.tests.factories import vat_rate
from creneau.core.models import Company
from creneau.core.pdf import company_print_data, pdf_renderer, printable
from creneau.customers.tests.factories import CustomerFactory
from creneau.quotes.documents import quote_pdf
from creneau.quotes.print.quote import quote_print_data
from creneau.quotes.services import quote_create, quote_line_add

pytestmark = pytest.mark.django_db
NNBSP, NBSP = "\u202f", "\u00a0"
PPI = 144
PAGE_HEIGHT_PT = 841.89
LEFT_MARGIN_MM, TEXT_WIDTH_MM = 18, 176
# The columns of quotes/print/quote.typ for a quote with a discount and no image.
COLUMNS_MM = [None, 18, 15, 22, 14, 11, 26]


def page_image(quote) -> Image.Image:
    """The quote's first page laid out as the PDF is (same template, data, fonts), as PNG."""
    company = Company.load()
    data = quote_print_data(quote=quote, company_name=company.legal_name)
    with translation.override("fr"):
        document = printable({**data, "company": company_print_data(company)})
    renderer = pdf_renderer()
    pages = renderer.compiler.compile(
        input=b'#include "/quotes/quote.typ"',
        root=str(renderer.root.path),
        sys_inputs={"data": json.dumps(document, default=str)},
        format="png",
        ppi=PPI,
    )
    page = pages[0] if isinstance(pages, list) else pages
    return Image.open(io.BytesIO(page)).convert("L")


def baselines(pdf: bytes) -> dict[str, float]:
    """The baseline (points from the bottom) of each piece of text on the first page."""
    found: dict[str, float] = {}

    def visit(text, matrix, text_matrix, font, size):
        if text.strip():
            found.setdefault(text.strip(), matrix[5])

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return found


def column_edges_with_ink(image: Image.Image, top_pt: float, bottom_pt: float) -> list[int]:
    """The edges between the lines' columns (mm from the page's left) that some text
    crosses, between two heights: a figure wider than its cell runs over an edge."""
    pixels_per_mm, pixels_per_pt = PPI / 25.4, PPI / 72
    widths = [TEXT_WIDTH_MM - sum(COLUMNS_MM[1:]), *COLUMNS_MM[1:]]
    edges, x = [], LEFT_MARGIN_MM
    for width in widths[:-1]:
        x += width
        edges.append(x)
    top = round((PAGE_HEIGHT_PT - top_pt) * pixels_per_pt)
    bottom = round((PAGE_HEIGHT_PT - bottom_pt) * pixels_per_pt)
    crossed = []
    for edge in edges:
        column = round(edge * pixels_per_mm)
        if image.crop((column, top, column + 1, bottom)).getextrema()[0] < 200:
            crossed.append(edge)
    return crossed


def widest_quote(rep):
    """The widest figures the bounds allow, a discount column included."""
    quote = quote_create(customer=CustomerFactory(sales_rep=rep), by=rep)
    quote_line_add(quote=quote, by=rep, line_type="free", description="Marché pluriannuel",
                   quantity=Decimal("9.99"), unit_price=Decimal("999999.99"),
                   vat_rate=vat_rate("0"))  # fmt: skip
    quote_line_add(quote=quote, by=rep, line_type="free", description="Fournitures",
                   quantity=Decimal("99998.999"), unit_price=Decimal("0.0001"),
                   discount_percent=Decimal("99.99"), vat_rate=vat_rate("20"))  # fmt: skip
    quote_line_add(quote=quote, by=rep, line_type="free", description="Étude",
                   quantity=Decimal("0.001"), unit_price=Decimal("999998.9999"),
                   vat_rate=vat_rate("20"))  # fmt: skip
    return quote


def test_the_largest_amounts_print_whole_within_their_columns(rep):
    quote = widest_quote(rep)
    pdf = quote_pdf(quote=quote)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for figure in ("9 989 999,90 €", "999 999,99 €", "999 998,9999 €", "99 998,999"):
        assert figure.replace(" ", NNBSP).replace(NNBSP + "€", NBSP + "€") in text, figure
    image, rows = page_image(quote), baselines(pdf)
    for label in ("Marché pluriannuel", "Fournitures", "Étude"):
        # From the digits' top to just under the baseline: the rules between rows stay out.
        crossed = column_edges_with_ink(image, rows[label] + 7, rows[label] - 1)
        assert crossed == [], label


def test_a_word_without_end_breaks_at_the_margin(rep):
    """2,000 characters without a space (the longest description) wrap inside the page,
    rather than run past its right edge."""
    quote = quote_create(customer=CustomerFactory(sales_rep=rep), by=rep)
    quote_line_add(quote=quote, by=rep, line_type="free", description="W" * 2000,
                   quantity=Decimal(1), unit_price=Decimal(1), vat_rate=vat_rate("20"))  # fmt: skip
    image = page_image(quote)
    pixels_per_mm = PPI / 25.4
    right_margin = image.crop(
        (round((LEFT_MARGIN_MM + TEXT_WIDTH_MM + 1) * pixels_per_mm), 0, image.width, image.height)
    )
    assert right_margin.getextrema()[0] > 200  # no ink right of the text's width
