"""Fixtures of core's tests: a throw-away private storage, image uploads, a valid identity."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


@pytest.fixture
def private_storage(settings, tmp_path):
    """The default (private) storage in a temporary folder, so tests leave no file behind."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }
    return tmp_path


def image_upload(
    name: str = "logo.png", size: tuple[int, int] = (240, 80), image_format: str = "PNG"
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (31, 42, 60)).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def noisy_png(side: int) -> SimpleUploadedFile:
    """A PNG of random pixels: it does not compress, so its weight is about 3 bytes a pixel."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


VALID_IDENTITY = {
    "legal_name": "Services Dupont",
    "legal_form": "SARL",
    "capital": "10000,00",
    "siret": "732 829 320 00074",
    "vat_number": "FR44 732 829 320",
    "sap_number": "SAP732829320",
    "street": "12 rue de la Paix",
    "postcode": "75002",
    "city": "Paris",
    "country": "FR",
    "phone": "01 42 68 53 00",
    "email": "contact@dupont-services.fr",
    "iban": "FR76 3000 6000 0112 3456 7890 189",
    "bic": "",
    "sepa_creditor_id": "FR72 ZZZ 123456",
}
