"""The planning's URLs of customer data, for the outsider test (creneau/tests/test_outsider.py):
each part of the planning lists its URLs in its own block below.

The Intervenants pages and the employees API are not customer data (planning/employees/,
api/v1/employees/ in NOT_CUSTOMER_DATA there): their permissions are tested in
test_employees_views.py and test_employees_api.py.
"""

from datetime import timedelta

from django.utils import timezone

from creneau.customers.tests.factories import SiteFactory
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory


def build(customer, owner) -> dict:
    site = SiteFactory(customer=customer)
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    visit = InterventionFactory(
        site=site, employee=EmployeeFactory(), start=start, end=start + timedelta(hours=2)
    )
    return {"customer": customer, "site": site, "intervention": visit}


def pages(objects) -> list[tuple[str, str]]:
    visit = objects["intervention"].pk
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
    return paths


def api(objects) -> list[tuple[str, str]]:
    visit = f"/api/v1/interventions/{objects['intervention'].pk}"
    return [("get", visit), ("patch", visit)]
