import pytest

from creneau.catalog.models import Service
from creneau.quotes.demo import QUOTES, demo_quotes
from creneau.quotes.models import Quote


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


@pytest.mark.django_db
def test_demo_quotes_makes_a_catalogue_and_quotes_in_every_status_once(direction):
    assert demo_quotes() == len(QUOTES)
    assert demo_quotes() == 0
    codes = set(Service.objects.values_list("code", flat=True))
    assert {"NET-BUR", "VIT-STD", "MNT-CLIM", "JAR-TON", "AD-MEN"} <= codes
    assert Service.objects.filter(is_personal_service=True).count() >= 3
    assert all(service.images.exists() for service in Service.objects.all())
    statuses = {quote.effective_status for quote in Quote.objects.all()}
    assert statuses == set(Quote.Status.values)
    assert Quote.objects.filter(status=Quote.Status.EXPIRED).exists()
    assert all(quote.total_gross > 0 for quote in Quote.objects.all())
