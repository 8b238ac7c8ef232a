"""The catalogue: VAT rates, services and their images, site prices; pages and API."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from creneau.catalog.models import Service, ServiceImage, SitePrice, VatRate
from creneau.catalog.services import (
    service_create,
    service_image_add,
    service_update,
    site_price_set,
    vat_rate_create,
    vat_rate_update,
)
from creneau.catalog.tests.factories import ServiceFactory, SitePriceFactory, vat_rate
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.quotes.services import quote_create, quote_line_add

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def png(size=(1200, 600), color=(30, 120, 200)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return SimpleUploadedFile("vitres.png", buffer.getvalue(), content_type="image/png")


def test_the_migration_creates_the_french_rates_with_the_exemption_wording():
    rates = {rate.rate: rate for rate in VatRate.objects.all()}
    assert set(rates) >= {Decimal(r) for r in ("20", "10", "5.5", "2.1", "0")}
    assert rates[Decimal("0")].exemption_wording == "TVA non applicable, art. 293 B du CGI"
    assert rates[Decimal("5.5")].rate_display == "5,5\u00a0%"


def test_a_zero_rate_needs_its_wording_and_a_used_rate_keeps_its_percentage(direction, rep):
    with pytest.raises(ValidationError) as excinfo:
        vat_rate_create(by=direction, label="Exonéré", rate=Decimal(0), exemption_wording="")
    assert "mention d'exonération" in excinfo.value.message_dict["exemption_wording"][0]
    rate = vat_rate_create(by=direction, label="Test 8,5 %", rate=Decimal("8.5"))
    vat_rate_update(vat_rate=rate, by=direction, rate=Decimal("8.6"))  # unused: allowed
    quote = quote_create(customer=CustomerFactory(), by=rep)
    quote_line_add(quote=quote, by=rep, line_type="free", description="x", quantity=1,
                   unit_price=Decimal(1), vat_rate=rate)  # fmt: skip
    with pytest.raises(ValidationError, match="déjà utilisé"):
        vat_rate_update(vat_rate=rate, by=direction, rate=Decimal("9"))
    vat_rate_update(vat_rate=rate, by=direction, is_active=False)
    assert not VatRate.objects.get(pk=rate.pk).is_active


def test_service_code_is_upper_case_unique_and_an_inactive_rate_is_refused(direction):
    service = service_create(by=direction, code="vit-01", label="Vitres", unit="m2",
                             unit_price=Decimal("2.35"), vat_rate=vat_rate("20"))  # fmt: skip
    assert service.code == "VIT-01" and service.get_unit_display() == "m²"
    with pytest.raises(ValidationError) as excinfo:
        service_create(by=direction, code="Vit-01", label="Doublon", unit="m2",
                       unit_price=Decimal(1), vat_rate=vat_rate("20"))  # fmt: skip
    assert "code" in excinfo.value.message_dict
    inactive = vat_rate("2.1")
    vat_rate_update(vat_rate=inactive, by=direction, is_active=False)
    with pytest.raises(ValidationError, match="plus actif"):
        service_update(service=service, by=direction, vat_rate=inactive)


def test_unit_labels_are_french():
    assert [label for _value, label in Service.Unit.choices] == [
        "heure", "passage", "m²", "forfait", "pièce",
    ]  # fmt: skip


def test_images_are_checked_by_content_and_shrunk(direction, settings):
    service = ServiceFactory()
    image = service_image_add(service=service, upload=png(), by=direction)
    assert (image.width, image.height) == (800, 400)
    assert image.image.name.endswith(".jpg")
    fake = SimpleUploadedFile("photo.png", b"%PDF-1.4 not an image", content_type="image/png")
    with pytest.raises(ValidationError, match="n'est pas une image"):
        service_image_add(service=service, upload=fake, by=direction)
    settings.CATALOG_IMAGE_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="trop lourde"):
        service_image_add(service=service, upload=png(), by=direction)


def test_catalogue_pages_for_direction_and_read_only_for_others(client_for, direction, rep):
    service = ServiceFactory(code="NET-01", label="Nettoyage bureaux")
    client = client_for(direction)
    assert "Nettoyage bureaux" in client.get(reverse("catalog:list")).content.decode()
    response = client.post(
        reverse("catalog:new"),
        {"code": "jar-01", "label": "Tonte", "description": "", "unit": "hour",
         "unit_price": "32,50", "vat_rate": vat_rate("10").pk, "is_active": "on"},
    )  # fmt: skip
    created = Service.objects.get(code="JAR-01")
    assert response["Location"] == reverse("catalog:detail", args=[created.pk])
    assert created.unit_price == Decimal("32.5")
    client.post(reverse("catalog:image_upload", args=[service.pk]), {"image": png()})
    image = ServiceImage.objects.get()
    served = client.get(reverse("catalog:image", args=[image.pk]))
    assert served.status_code == 200 and served["Cache-Control"].startswith("private")
    reader = client_for(rep)
    sheet = reader.get(reverse("catalog:detail", args=[service.pk])).content.decode()
    assert "Nettoyage bureaux" in sheet and '<form method="post">' not in sheet
    assert reader.get(reverse("catalog:image", args=[image.pk])).status_code == 200
    assert reader.get(reverse("catalog:new")).status_code == 403
    assert reader.post(reverse("catalog:detail", args=[service.pk]), {}).status_code == 403
    assert reader.post(reverse("catalog:vat_rates"), {}).status_code == 403
    csv = b"".join(client.get(reverse("catalog:export")).streaming_content).decode("utf-8-sig")
    assert "JAR-01;Tonte;heure;32,5000;10,00" in csv


def test_vat_rate_pages(client_for, direction):
    client = client_for(direction)
    page = client.get(reverse("catalog:vat_rates")).content.decode()
    assert "TVA non applicable, art. 293 B du CGI" in page
    response = client.post(reverse("catalog:vat_rates"),
                           {"label": "Autoliquidation", "rate": "0", "exemption_wording": "",
                            "position": 9})  # fmt: skip
    assert "mention d&#x27;exonération" in response.content.decode()
    client.post(reverse("catalog:vat_rates"),
                {"label": "Autoliquidation", "rate": "0", "position": 9, "is_active": "on",
                 "exemption_wording": "Autoliquidation, art. 283-2 du CGI"})  # fmt: skip
    assert VatRate.objects.filter(exemption_wording__startswith="Autoliquidation").exists()


def test_site_prices_page_and_visibility(client_for, rep, other_rep, planner):
    site = SiteFactory(customer=CustomerFactory(sales_rep=rep))
    service = ServiceFactory(label="Vitrerie", unit_price=Decimal("3"))
    client = client_for(rep)
    url = reverse("catalog:site_prices", args=[site.pk])
    response = client.post(url, {"service": service.pk, "unit_price": "2,75"})
    assert response.status_code == 302
    price = SitePrice.objects.get()
    assert price.unit_price == Decimal("2.75")
    client.post(url, {"service": service.pk, "unit_price": "2,80"})  # the same pair: changed
    assert SitePrice.objects.get().unit_price == Decimal("2.8")
    assert "Vitrerie" in client.get(url).content.decode()
    assert client_for(other_rep).get(url).status_code == 404
    assert client_for(planner).get(url).status_code == 200
    assert client_for(planner).post(url, {}).status_code == 403
    client.post(reverse("catalog:site_price_delete", args=[site.pk, price.pk]))
    assert not SitePrice.objects.exists()


def test_services_api(api_for, direction, rep):
    api = api_for(direction)
    response = api.post(
        "/api/v1/services",
        {"code": "men-01", "label": "Ménage", "unit": "hour", "unit_price": "27.5",
         "vat_rate": "10", "is_personal_service": True},
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["code"], data["unit_price"], data["vat_rate"], data["unit_label"]) == (
        "MEN-01", "27.5000", "10.00", "heure",
    )  # fmt: skip
    bad = api.patch(f"/api/v1/services/{data['id']}", {"vat_rate": "19.6"})
    assert bad.status_code == 422 and "Taux de TVA inconnu" in bad.json()["detail"][0]["msg"]
    bad = api.patch(f"/api/v1/services/{data['id']}", {"unit": "litre"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["msg"] == "Valeur non autorisée."
    found = api_for(rep).get("/api/v1/services", {"q": "ménage"}).json()
    assert (found["count"], found["items"][0]["code"]) == (1, "MEN-01")
    new = {"code": "X", "label": "X", "unit_price": "1", "vat_rate": "20"}
    assert api_for(rep).post("/api/v1/services", new).status_code == 403
    rates = api_for(rep).get("/api/v1/vat-rates").json()
    assert {rate["rate"] for rate in rates} >= {"20.00", "10.00", "5.50", "2.10", "0.00"}


def test_site_prices_api_applies_visibility(api_for, rep, other_rep):
    site = SiteFactory(customer=CustomerFactory(sales_rep=rep))
    service = ServiceFactory(unit_price=Decimal("30"))
    api = api_for(rep)
    response = api.post(
        "/api/v1/site-prices", {"site": site.pk, "service": service.pk, "unit_price": "25"}
    )
    assert response.status_code == 201
    price = response.json()
    assert (price["unit_price"], price["catalogue_price"]) == ("25.0000", "30.0000")
    assert api.patch(f"/api/v1/site-prices/{price['id']}", {"unit_price": "-2"}).status_code == 422
    assert api.get("/api/v1/site-prices", {"site": site.pk}).json()["items"][0]["id"] == price["id"]
    outsider = api_for(other_rep)
    assert outsider.get("/api/v1/site-prices").json() == {"items": [], "count": 0}
    assert (
        outsider.post(
            "/api/v1/site-prices", {"site": site.pk, "service": service.pk, "unit_price": "1"}
        ).status_code
        == 404
    )
    assert api.delete(f"/api/v1/site-prices/{price['id']}").status_code == 204


def test_the_site_price_factory_builds_one_per_site():
    price = SitePriceFactory()
    with pytest.raises(ValidationError, match="déjà un prix"):
        SitePrice(site=price.site, service=price.service, unit_price=1).full_clean()
    site_price_set(site=price.site, service=price.service, unit_price=Decimal(5), by=None)
    assert SitePrice.objects.get().unit_price == Decimal(5)
