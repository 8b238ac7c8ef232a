"""What the page shows of the figures: the table of the four periods, each cell a link to
the list behind it, and the charts' data (texts formatted once, by the server)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from creneau.core.templatetags.creneau import money, number
from creneau.dashboard.selectors import PERIOD_KEYS, Dashboard, PeriodFigures
from creneau.payments.aged import BUCKETS
from creneau.planning.models import Intervention

Status = Intervention.Status


def _url(name: str, **params: Any) -> str:
    return f"{reverse(name)}?{urlencode(params)}"


def _month(day: date) -> str:
    return day.strftime("%Y-%m")


def _hours(value: Decimal) -> str:
    return _("%(hours)s h") % {"hours": number(value, 2)}


def _links(figures: PeriodFigures, today: date) -> dict[str, str]:
    first, last = figures.first.isoformat(), figures.last.isoformat()
    report = _url("planning:report", month=_month(figures.last))
    sites = _url("planning:report", month=_month(figures.last), by="site")
    if figures.last == today:
        overdue = _url("billing:list", overdue="1")
    else:
        overdue = _url("payments:aged_balance", as_of=last)
    return {
        "revenue": _url("billing:list", start=first, end=last),
        "collected": _url("payments:list", start=first, end=last, reversed="with"),
        "due": _url("payments:aged_balance", as_of=last),
        "overdue": overdue,
        "customers": sites,
        "sites": sites,
        "hours_planned": report,
        "hours_done": report,
        "hours_missed": report,
    }


def figure_rows(dashboard: Dashboard) -> list[dict[str, Any]]:
    """The table's rows: a title, then per period (PERIOD_KEYS' order) its text and link."""
    rows = [
        ("revenue", _("Chiffre d'affaires facturé HT"), lambda f: money(f.revenue)),
        ("collected", _("Encaissé"), lambda f: money(f.collected)),
        ("due", _("Reste dû (à la fin de la période)"), lambda f: money(f.due)),
        ("overdue", _("Dont en retard"), lambda f: money(f.overdue)),
        ("customers", _("Clients servis"), lambda f: number(f.customers, 0)),
        ("sites", _("Sites servis"), lambda f: number(f.sites, 0)),
        ("hours_planned", _("Heures planifiées"), lambda f: _hours(f.hours[Status.PLANNED])),
        ("hours_done", _("Heures réalisées"), lambda f: _hours(f.hours[Status.DONE])),
        (
            "hours_missed",
            _("Heures manquées (client absent)"),
            lambda f: _hours(f.hours[Status.MISSED]),
        ),
    ]
    today = dashboard.periods.today
    links = {key: _links(dashboard.figures[key], today) for key in PERIOD_KEYS}
    return [
        {
            "key": key,
            "label": label,
            "cells": [
                {"text": text(dashboard.figures[period]), "url": links[period][key]}
                for period in PERIOD_KEYS
            ],
        }
        for key, label, text in rows
    ]


def period_titles(dashboard: Dashboard) -> list[dict[str, str]]:
    names = {
        "month": _("Mois"),
        "year": _("Année"),
        "month_last_year": _("Mois N-1"),
        "year_last_year": _("Année N-1"),
    }
    titles = []
    for key in PERIOD_KEYS:
        figures = dashboard.figures[key]
        span = f"{figures.first:%d/%m/%y} – {figures.last:%d/%m/%y}"  # noqa: RUF001
        titles.append({"name": names[key], "span": span})
    return titles


def _month_label(day: date) -> str:
    return formats.date_format(day, "M Y")


def charts(dashboard: Dashboard) -> dict[str, Any]:
    """The data of the four charts (static/js/dashboard.js) and of their tables."""
    months = dashboard.months
    month_labels = [_month_label(month["first"]) for month in months]
    week_labels = [
        _("S%(week)s · %(day)s")
        % {"week": week["first"].isocalendar()[1], "day": f"{week['first']:%d/%m}"}
        for week in dashboard.weeks
    ]

    def series(values: list[Decimal], label: str, as_text=money) -> dict[str, Any]:
        return {
            "label": label,
            "values": [float(value) for value in values],
            "texts": [as_text(value) for value in values],
        }

    aged_values = [dashboard.aged[key] for key, _label in BUCKETS]
    hours = {
        status: [week["hours"][status] for week in dashboard.weeks]
        for status in (Status.PLANNED, Status.DONE, Status.MISSED)
    }
    data = {
        "revenue": {
            "labels": month_labels,
            "series": [series([m["revenue"] for m in months], _("Chiffre d'affaires HT"))],
        },
        "flows": {
            "labels": month_labels,
            "series": [
                series([m["billed_gross"] for m in months], _("Facturé TTC")),
                series([m["collected"] for m in months], _("Encaissé")),
            ],
        },
        "aged": {
            "labels": [str(label) for _key, label in BUCKETS],
            "series": [series(aged_values, _("Montants dus"))],
        },
        "hours": {
            "labels": week_labels,
            "series": [
                series(hours[Status.DONE], _("Réalisées"), _hours),
                series(hours[Status.PLANNED], _("Planifiées"), _hours),
                series(hours[Status.MISSED], _("Manquées"), _hours),
            ],
        },
    }
    for chart in data.values():  # the table under the chart: a line per label
        texts = zip(*(serie["texts"] for serie in chart["series"]), strict=True)
        chart["rows"] = [
            [label, list(line)] for label, line in zip(chart["labels"], texts, strict=True)
        ]
    return data
