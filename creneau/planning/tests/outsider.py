"""The planning's URLs of customer data, for the outsider test (creneau/tests/test_outsider.py):
each part of the planning builds its objects and lists its URLs in its own block below."""

from datetime import timedelta

from django.utils import timezone

from creneau.customers.tests.factories import SiteFactory
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory


def build(customer, owner) -> dict:
    objects = {"customer": customer}
    # Day sheet: a visit on the customer's site (reported from the day sheet).
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    objects["visit"] = InterventionFactory(
        site=SiteFactory(customer=customer),
        employee=EmployeeFactory(),
        start=start,
        end=start + timedelta(hours=2),
    )
    return objects


def pages(objects) -> list[tuple[str, str]]:
    paths = []
    # Day sheet: reporting a visit.
    paths += [("post", f"/planning/day/visits/{objects['visit'].pk}/report/")]
    return paths


def api(objects) -> list[tuple[str, str]]:
    return []
