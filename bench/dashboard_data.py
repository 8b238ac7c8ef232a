"""The dashboard bench's visits: on top of the aged balance's data (a million invoices, a
million payments, 20,000 customers with a site each: bench/aged_balance_data.py), a visit
per site every 12 days over two years and the coming month (about 1,300,000), written by
PostgreSQL itself (INSERT ... SELECT: under a minute). Past visits are mostly done, some
missed or cancelled, a tenth with real times; coming ones are planned.

`visits_generate(per_site_every_days)` replaces every visit; `visits_ready` says whether
they are there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from creneau.customers.models import Site
from creneau.planning.models import Intervention

EVERY_DAYS = 12
DAYS_BACK = 730
DAYS_AHEAD = 31

INSERT_VISITS = """
INSERT INTO planning_intervention
    (occurrence_date, start, "end", status, actual_start, actual_end, quantity, notes,
     user_owned, sequence, reminder_sent_at, created_at, updated_at, employee_id, service_id,
     site_id, schedule_id)
SELECT NULL, v.start, v.start + make_interval(mins => (60 + (s.id %% 4) * 30)::int),
    CASE WHEN v.start > %(now)s THEN 'planned'
         WHEN (s.id + v.n) %% 20 = 0 THEN 'missed'
         WHEN (s.id + v.n) %% 25 = 0 THEN 'cancelled'
         WHEN (s.id + v.n) %% 50 = 1 THEN 'planned'
         ELSE 'done' END,
    CASE WHEN v.start <= %(now)s AND (s.id + v.n) %% 10 = 3 THEN v.start END,
    CASE WHEN v.start <= %(now)s AND (s.id + v.n) %% 10 = 3
         THEN v.start + make_interval(mins => (75 + (s.id %% 4) * 30)::int) END,
    NULL, '', false, 0, NULL, %(now)s, %(now)s, NULL, NULL, s.id, NULL
FROM customers_site s
CROSS JOIN LATERAL (
    SELECT n, (%(first)s::date + (n * %(every)s + (s.id %% %(every)s))::int)::timestamp
              AT TIME ZONE 'Europe/Paris' + make_interval(hours => (8 + (s.id %% 9))::int) AS start
    FROM generate_series(0, %(count)s) AS n
) v
"""


def _expected(sites: int, every: int) -> int:
    return sites * ((DAYS_BACK + DAYS_AHEAD) // every + 1)


def visits_ready(every: int = EVERY_DAYS) -> bool:
    expected = _expected(Site.objects.count(), every)
    return abs(Intervention.objects.count() - expected) < max(expected // 50, 1)


def visits_generate(every: int = EVERY_DAYS, *, log: Callable[..., None] = print) -> None:
    started = time.perf_counter()
    today = timezone.localdate()
    first = today - timedelta(days=DAYS_BACK)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE planning_intervention RESTART IDENTITY CASCADE")
        cursor.execute(
            INSERT_VISITS,
            {
                "now": timezone.now(),
                "first": first,
                "every": every,
                "count": (DAYS_BACK + DAYS_AHEAD) // every,
            },
        )
        made = cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE planning_intervention")
    log(f"  {made} interventions en {time.perf_counter() - started:.0f} s")
