"""The planning's URLs, for the outsider test (creneau/tests/test_outsider.py)."""

from creneau.customers.tests.factories import SiteFactory
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory


def build(customer, owner) -> dict:
    site = SiteFactory(customer=customer)
    # The planner's views and visits (views/week.py, views/visits.py).
    visit = InterventionFactory(site=site, employee=EmployeeFactory())
    return {"customer": customer, "site": site, "visit": visit}


def pages(objects) -> list[tuple[str, str]]:
    visit = objects["visit"]
    return [
        # The planner's views and visits.
        ("get", f"/planning/visits/{visit.pk}/"),
        ("post", f"/planning/visits/{visit.pk}/"),
        ("post", f"/planning/visits/{visit.pk}/move/"),
        ("post", f"/planning/visits/{visit.pk}/status/"),
    ]


def api(objects) -> list[tuple[str, str]]:
    return []
