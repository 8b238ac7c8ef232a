"""Mon planning: an intervenant's visits of one week, day by day, each day opening its day
sheet. `?week=YYYY-MM-DD` (any day of the week; this week by default)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.core.params import parse_date_or_none
from creneau.planning.models import Intervention
from creneau.planning.rules import user_sees_day_sheets
from creneau.planning.selectors import employee_of, week_visits
from creneau.planning.views.day_sheet import FIRST_DAY, LAST_DAY, day_sheet_url


def my_week(request: HttpRequest) -> HttpResponse:
    if not user_sees_day_sheets(request.user):
        raise PermissionDenied
    typed = request.GET.get("week", "").strip()
    day = parse_date_or_none(typed)
    if typed and (day is None or not FIRST_DAY + timedelta(7) <= day <= LAST_DAY - timedelta(7)):
        messages.error(request, _("Date illisible : écrivez-la AAAA-MM-JJ ; voici cette semaine."))
        day = None
    today = timezone.localdate()
    monday = (day or today) - timedelta(days=(day or today).weekday())
    employee = employee_of(request.user)
    visits = week_visits(user=request.user, employee=employee, monday=monday) if employee else []
    days = []
    for offset in range(7):
        date = monday + timedelta(days=offset)
        of_the_day = [v for v in visits if timezone.localtime(v.start).date() == date]
        due = [v for v in of_the_day if v.status != Intervention.Status.CANCELLED]
        days.append(
            {
                "date": date,
                "url": day_sheet_url(None, date),
                "is_today": date == today,
                "visits": of_the_day,
                "due_count": len(due),
            }
        )
    context = {
        "employee": employee,
        "monday": monday,
        "sunday": monday + timedelta(days=6),
        "days": days,
        "previous_week": (monday - timedelta(days=7)).isoformat(),
        "next_week": (monday + timedelta(days=7)).isoformat(),
        "this_week": today.isoformat(),
    }
    return render(request, "planning/my_week.html", context)
