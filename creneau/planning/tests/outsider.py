"""The planning's URLs of customer data, for the outsider test (creneau/tests/test_outsider.py).

The Intervenants pages and the employees API are not customer data (planning/employees/,
api/v1/employees/ in NOT_CUSTOMER_DATA there): their permissions are tested in
test_employees_views.py and test_employees_api.py.
"""

from creneau.customers.tests.factories import SiteFactory
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory


def build(customer, owner) -> dict:
    site = SiteFactory(customer=customer)
    visit = InterventionFactory(site=site, employee=EmployeeFactory())
    return {"customer": customer, "site": site, "intervention": visit}


def pages(objects) -> list[tuple[str, str]]:
    return []


def api(objects) -> list[tuple[str, str]]:
    visit = f"/api/v1/interventions/{objects['intervention'].pk}"
    return [("get", visit), ("patch", visit)]
