"""Helpers of the billing run's tests: customers with sites and done visits in a month."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from creneau.catalog.models import Service
from creneau.catalog.tests.factories import ServiceFactory, SitePriceFactory
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning.models import BillingMode, Intervention
from creneau.planning.tests.factories import InterventionFactory, ScheduleFactory

PARIS = ZoneInfo("Europe/Paris")
MONTH_START = date(2026, 3, 1)
MONTH_END = date(2026, 3, 31)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def done_visit(site, service, day: date, *, hours: int = 2, **fields) -> Intervention:
    start = at(day, 9)
    values = {
        "site": site,
        "service": service,
        "start": start,
        "end": start + timedelta(hours=hours),
        "status": Intervention.Status.DONE,
    }
    values.update(fields)
    return InterventionFactory(**values)


def hourly_service(**fields) -> Service:
    values = {"label": "Entretien des bureaux", "unit": Service.Unit.HOUR}
    values.update(fields)
    return ServiceFactory(**values)


def visit_service(**fields) -> Service:
    values = {
        "label": "Lavage des vitres",
        "unit": Service.Unit.VISIT,
        "unit_price": Decimal("40.0000"),
    }
    values.update(fields)
    return ServiceFactory(**values)


def flat_schedule(site, service, amount: str = "300.00", mode: str = BillingMode.MONTHLY_FLAT):
    return ScheduleFactory(
        site=site,
        service=service,
        billing_mode=mode,
        flat_amount=Decimal(amount) if mode == BillingMode.MONTHLY_FLAT else None,
        start_date=date(2026, 1, 1),
    )


def customer_with_sites(groups: list[str], **fields):
    customer = CustomerFactory(**fields)
    sites = [
        SiteFactory(customer=customer, billing_group=group, name=f"Site {index}")
        for index, group in enumerate(groups, start=1)
    ]
    return customer, sites


__all__ = [
    "MONTH_END",
    "MONTH_START",
    "SitePriceFactory",
    "at",
    "customer_with_sites",
    "done_visit",
    "flat_schedule",
    "hourly_service",
    "visit_service",
]
