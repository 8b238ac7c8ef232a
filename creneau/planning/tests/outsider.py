"""Planning's URLs of customer data, for the outsider test (creneau/tests/test_outsider.py).

Each part of the planning adds its objects, pages and API routes in its own block below.
"""

from datetime import date

from creneau.customers.tests.factories import SiteFactory
from creneau.planning.models import SiteClosure
from creneau.planning.tests.factories import ScheduleFactory


def build(customer, owner) -> dict:
    objects: dict = {"customer": customer}
    objects.update(_schedules_build(customer))
    return objects


def pages(objects) -> list[tuple[str, str]]:
    return [*_schedules_pages(objects)]


def api(objects) -> list[tuple[str, str]]:
    return [*_schedules_api(objects)]


# Schedules, site closures, the customer record's Planning tab ----------------------------


def _schedules_build(customer) -> dict:
    site = SiteFactory(customer=customer)
    closure = SiteClosure.objects.create(
        site=site, start_date=date(2030, 8, 1), end_date=date(2030, 8, 31)
    )
    return {"site": site, "schedule": ScheduleFactory(site=site), "closure": closure}


def _schedules_pages(objects) -> list[tuple[str, str]]:
    customer, site = objects["customer"], objects["site"]
    schedule, closure = objects["schedule"], objects["closure"]
    return [
        ("get", f"/planning/customer/{customer.pk}/"),
        ("get", f"/planning/sites/{site.pk}/schedules/"),
        # A sales rep reads the planning but does not write it: the form is a POST here.
        ("post", f"/planning/sites/{site.pk}/schedules/new/"),
        ("post", f"/planning/sites/{site.pk}/closures/"),
        ("post", f"/planning/closures/{closure.pk}/delete/"),
        ("get", f"/planning/schedules/{schedule.pk}/"),
        ("post", f"/planning/schedules/{schedule.pk}/"),
        ("post", f"/planning/schedules/{schedule.pk}/end/"),
    ]


def _schedules_api(objects) -> list[tuple[str, str]]:
    schedule = objects["schedule"]
    return [
        ("get", f"/api/v1/schedules/{schedule.pk}"),
        ("patch", f"/api/v1/schedules/{schedule.pk}"),
        ("delete", f"/api/v1/schedules/{schedule.pk}"),
    ]
