"""The data that day_sheet.typ prints, formatted the French way: every value is text."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import translation
from django.utils.formats import date_format

from creneau.core.templatetags.creneau import phone
from creneau.planning.formats import duration_text, time_range_text
from creneau.planning.models import Employee, Intervention
from creneau.planning.selectors import visit_contact

DATE_FORMAT = "%d/%m/%Y"
Status = Intervention.Status


def _contact_text(visit: Intervention) -> str:
    contact = visit_contact(visit)
    if contact is None:
        return ""
    return f"{contact.name} : {' / '.join(phone(number) for number in contact.phones)}"


def _visit_data(visit: Intervention) -> dict[str, Any]:
    site, customer = visit.site, visit.site.customer
    done = ""
    if visit.status == Status.DONE and visit.actual_start and visit.actual_end:
        done = time_range_text(visit.actual_start, visit.actual_end)
    return {
        "time": time_range_text(visit.start, visit.end),
        "duration": duration_text(visit.end - visit.start),
        "site": site.name,
        "customer": customer.name,
        "address": ", ".join(site.address_lines),
        "access_notes": (site.access_notes or "").strip(),
        "contact": _contact_text(visit),
        "service": visit.service.label if visit.service_id else "Intervention",
        "status": str(Status(visit.status).label),
        "state": visit.status,  # planned, done, missed, cancelled: how the row is drawn
        "done": done,
        "notes": (visit.notes or "").strip(),
    }


def day_sheet_print_data(
    *, employee: Employee, day: date, visits: list[Intervention], company_name: str
) -> dict[str, Any]:
    """What day_sheet.typ prints: the employee and the day in the shared layout's header,
    then each visit in order with its address, access notes, contact, service and times,
    and room to write the real times of those still planned.

    Documents print in French, whatever the language of the user who asks for them.
    """
    with translation.override("fr"):
        return _day_sheet_data(employee, day, visits, company_name)


def _day_sheet_data(employee, day, visits, company_name) -> dict[str, Any]:
    name, short_day = employee.full_name, day.strftime(DATE_FORMAT)
    long_day = date_format(day, "l j F Y")
    due = [visit for visit in visits if visit.status != Status.CANCELLED]
    planned = sum((visit.end - visit.start for visit in due), timedelta())
    return {
        "title": f"Feuille de route {short_day} \N{EN DASH} {name} \N{EN DASH} {company_name}",
        "heading": "Feuille de route",
        "meta": [
            ("Date :", long_day),
            ("Intervenant :", name),
            ("Passages :", str(len(due))),
            ("Durée prévue :", duration_text(planned)),
        ],
        "recipient": None,  # not mailed: the layout's header is then short
        "running_reference": f"Feuille de route · {name} · {short_day}",
        "visits": [_visit_data(visit) for visit in visits],
        "empty": "Aucun passage prévu ce jour.",
    }
