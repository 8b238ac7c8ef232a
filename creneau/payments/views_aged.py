"""Balance âgée: what each customer owes at a date, by how late, with a bar chart of the
buckets' totals above the table, and its CSV. For direction and accounting (403 for the
other roles). `?as_of=YYYY-MM-DD&family=&sales_rep=&kind=&sort=total|name&page=`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.core.csv_export import csv_response
from creneau.core.templatetags.creneau import money
from creneau.payments.aged import BUCKETS, AgedBalance, AgedRow, aged_balance
from creneau.payments.forms import AgedBalanceFilterForm
from creneau.payments.rules import user_sees_aged_balance

ROWS_PER_PAGE = 50


def _asked(request: HttpRequest) -> tuple[AgedBalanceFilterForm, AgedBalance]:
    if not user_sees_aged_balance(request.user):
        raise PermissionDenied(_("La balance âgée est réservée à la direction et la comptabilité."))
    data = request.GET.copy()
    # The date shown in its field when none is asked: today's.
    data.setdefault("as_of", timezone.localdate().isoformat())
    form = AgedBalanceFilterForm(data)
    return form, aged_balance(user=request.user, filters=form.aged_filters())


def _chart(totals: AgedRow) -> dict:
    """What the chart draws (static/js/aged_balance.js): each bucket's title, its amount as
    a number for the bar's height and as French text for the label on the bar."""
    return {
        "labels": [str(label) for _key, label in BUCKETS],
        "values": [float(amount) for amount in totals.cells],
        "texts": [money(amount) for amount in totals.cells],
        "title": _("Montants dus par ancienneté"),
    }


def aged_balance_page(request: HttpRequest) -> HttpResponse:
    form, balance = _asked(request)
    page = balance.page(request.GET.get("page"), ROWS_PER_PAGE)
    count, totals = balance.totals()
    context = {
        "form": form,
        "as_of": balance.as_of,
        "is_today": balance.as_of == balance.today,
        "count": count,
        "totals": totals,
        "page": page,
        "buckets": [label for _key, label in BUCKETS],
        "chart": _chart(totals),
    }
    return render(request, "payments/aged_balance.html", context)


def aged_balance_export(request: HttpRequest) -> HttpResponse:
    """The aged balance as filtered, every customer (no pages), then its total line."""
    _form, balance = _asked(request)
    header = [
        _("Code client"),
        _("Client"),
        *[_("%(bucket)s (€)") % {"bucket": label} for _key, label in BUCKETS],
        _("Total (€)"),
    ]

    def rows():
        for row in balance.rows():
            yield [row.code, row.customer_name, *row.cells, row.total]
        _count, totals = balance.totals()  # summed by the rows' query
        yield ["", _("Total"), *totals.cells, totals.total]

    filename = f"balance-agee-{balance.as_of:%Y-%m-%d}.csv"
    return csv_response(filename=filename, header=header, rows=rows())
