"""Whose portal this is: the company's name, phone and e-mail shown on every portal page
(the navbar, the login and link pages), without a query per page.

Each process keeps them PORTAL_COMPANY_SECONDS seconds. Saving or deleting the Company
forgets them at once in the process that saved (the staff's settings page); another
gunicorn worker shows the new name at most that long after. They are shown only: nothing
decides anything from them (e-mails and PDFs still read Company.load())."""

from __future__ import annotations

import time
from dataclasses import dataclass

from creneau.core.models import Company

PORTAL_COMPANY_SECONDS = 60.0


@dataclass(frozen=True)
class PortalCompany:
    legal_name: str
    phone: str
    email: str


# (the monotonic time it was read, what was read): one tuple, swapped whole (threads).
_cached: tuple[float, PortalCompany] | None = None


def portal_company() -> PortalCompany:
    global _cached
    now = time.monotonic()
    cached = _cached
    if cached is not None and now - cached[0] < PORTAL_COMPANY_SECONDS:
        return cached[1]
    company = Company.load()
    shown = PortalCompany(company.legal_name, company.phone, company.email)
    _cached = (now, shown)
    return shown


def forget_portal_company(**_kwargs) -> None:
    """Receiver of Company's post_save and post_delete (and the tests' reset)."""
    global _cached
    _cached = None
