"""Demo data: a RIB (PDF, laid out by Typst) and a photo of a site (JPEG, drawn with
Pillow) attached to some customers, through the same service as a real upload.

Called by `manage.py demo` as demo_documents(customers). It runs again without
duplicating: a customer that already has its demo RIB is left alone.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw
from schwifty import IBAN

from creneau.core.pdf import render_pdf
from creneau.customers.documents.services import document_upload
from creneau.customers.models import Customer, Document

# One customer in EVERY gets documents, at most LIMIT of them: enough to show the tab.
EVERY = 7
LIMIT = 12
RIB_NAME = "RIB.pdf"
PHOTO_NAME = "Photo du site.jpg"


def _iban(customer: Customer) -> IBAN:
    if customer.iban:
        return IBAN(customer.iban)
    return IBAN.generate(
        "FR", bank_code="30004", branch_code="00001", account_code=f"{customer.pk:011d}"
    )


def rib_pdf(customer: Customer) -> bytes:
    """A one-page French RIB (relevé d'identité bancaire) for the customer."""
    iban = _iban(customer)
    data = {
        "title": f"RIB {customer.name}",
        "holder": customer.name,
        "address_lines": customer.address_lines,
        "rows": [
            ("IBAN", iban.formatted),
            ("BIC", str(iban.bic or customer.bic or "")),
            ("Domiciliation", "Banque de démonstration, agence Paris Centre"),
        ],
    }
    return render_pdf(template="customers/rib.typ", data=data)


def site_photo(seed: int) -> bytes:
    """A 1200x800 JPEG drawing of a building front, coloured by `seed`."""
    width, height = 1200, 800
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):  # sky, lighter towards the horizon
        shade = int(150 + 90 * y / height)
        draw.line([(0, y), (width, y)], fill=(shade - 60, shade - 20, 255))
    wall = [(225, 200, 170), (200, 170, 150), (235, 225, 200), (190, 200, 210)][seed % 4]
    draw.rectangle([200, 220, 1000, 760], fill=wall, outline=(90, 80, 70), width=4)
    draw.polygon([(180, 220), (600, 90), (1020, 220)], fill=(150, 70, 50))
    for row in range(3):
        for column in range(5):
            x, y = 250 + column * 150, 270 + row * 140
            draw.rectangle([x, y, x + 80, y + 90], fill=(120, 170, 210), outline=(255, 255, 255))
    draw.rectangle([560, 660, 640, 760], fill=(110, 70, 40))
    draw.rectangle([0, 760, width, height], fill=(110, 130, 90))
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=82)
    return output.getvalue()


def demo_documents(customers: Iterable[Customer]) -> int:
    """Attach a RIB to some customers, and a photo to the first site of those that have one.
    Returns how many documents were added (0 when it has already run)."""
    chosen = sorted(customers, key=lambda customer: customer.pk)[::EVERY][:LIMIT]
    already = set(
        Document.objects.filter(customer__in=chosen, name=RIB_NAME).values_list(
            "customer_id", flat=True
        )
    )
    added = 0
    for customer in chosen:
        if customer.pk in already:
            continue
        document_upload(
            customer=customer,
            by=customer.sales_rep,
            file=ContentFile(rib_pdf(customer), name=RIB_NAME),
            kind=Document.Kind.RIB,
        )
        added += 1
        site = customer.sites.order_by("pk").first()
        if site is not None:
            document_upload(
                customer=customer,
                by=customer.sales_rep,
                file=ContentFile(site_photo(customer.pk), name=PHOTO_NAME),
                kind=Document.Kind.PHOTO,
                site=site,
                note="Façade, photo prise lors de la première visite.",
            )
            added += 1
    return added


def load_documents(*, context) -> str:
    """Demo loader (creneau.core.demo): a RIB and a site photo on some customers."""
    added = demo_documents(Customer.objects.filter(is_active=True))
    return f"Documents : {added} ajouté(s)."
