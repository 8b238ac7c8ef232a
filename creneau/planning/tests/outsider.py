"""The planning's URLs of customer data, for the outsider test (creneau/tests/test_outsider.py):
each part of the planning lists its URLs in its own block below.

The Intervenants pages and the employees API are not customer data (planning/employees/,
api/v1/employees/ in NOT_CUSTOMER_DATA there): their permissions are tested in
test_employees_views.py and test_employees_api.py.
"""

from datetime import date, timedelta

from django.utils import timezone

from creneau.customers.tests.factories import SiteFactory
from creneau.planning.models import SiteClosure
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory, ScheduleFactory


def build(customer, owner) -> dict:
    site = SiteFactory(customer=customer)
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    visit = InterventionFactory(
        site=site, employee=EmployeeFactory(), start=start, end=start + timedelta(hours=2)
    )
    closure = SiteClosure.objects.create(
        site=site, start_date=date(2030, 8, 1), end_date=date(2030, 8, 31)
    )
    return {
        "customer": customer,
        "site": site,
        "intervention": visit,
        "schedule": ScheduleFactory(site=site),
        "closure": closure,
    }


def pages(objects) -> list[tuple[str, str]]:
    visit = objects["intervention"].pk
    customer, site = objects["customer"].pk, objects["site"].pk
    schedule, closure = objects["schedule"].pk, objects["closure"].pk
    paths = []
    # Day sheet: reporting a visit.
    paths += [("post", f"/planning/day/visits/{visit}/report/")]
    # The planner's views and visits (views/week.py, views/visits.py).
    paths += [
        ("get", f"/planning/visits/{visit}/"),
        ("post", f"/planning/visits/{visit}/"),
        ("post", f"/planning/visits/{visit}/move/"),
        ("post", f"/planning/visits/{visit}/status/"),
    ]
    # Schedules, site closures, the customer record's Planning tab. A sales rep reads the
    # planning but does not write it: the forms are POSTs here.
    paths += [
        ("get", f"/planning/customer/{customer}/"),
        ("get", f"/planning/sites/{site}/schedules/"),
        ("post", f"/planning/sites/{site}/schedules/new/"),
        ("post", f"/planning/sites/{site}/closures/"),
        ("post", f"/planning/closures/{closure}/delete/"),
        ("get", f"/planning/schedules/{schedule}/"),
        ("post", f"/planning/schedules/{schedule}/"),
        ("post", f"/planning/schedules/{schedule}/end/"),
    ]
    return paths


def api(objects) -> list[tuple[str, str]]:
    visit = f"/api/v1/interventions/{objects['intervention'].pk}"
    schedule = f"/api/v1/schedules/{objects['schedule'].pk}"
    return [
        ("get", visit),
        ("patch", visit),
        ("get", schedule),
        ("patch", schedule),
        ("delete", schedule),
    ]
