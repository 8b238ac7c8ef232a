"""The interbank calendar of SEPA direct debits: TARGET2 business days.

SEPA debits settle through TARGET2, the Eurosystem's payment system, which is closed on
Saturdays and Sundays, 1 January, Good Friday, Easter Monday, 1 May, 25 and 26 December
(French public holidays such as 14 July are business days for the banks). The `holidays`
package publishes that calendar as the ECB's financial holidays ("XECB"), computed for
any year (Easter moves), so nothing here needs a yearly update.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays


@cache
def _target_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.financial_holidays("XECB", years=year))


def is_target_business_day(day: date) -> bool:
    """A day TARGET2 settles payments: a weekday that is not one of its six holidays."""
    return day.weekday() < 5 and day not in _target_holidays(day.year)


def next_target_business_day(after: date) -> date:
    """The first TARGET2 business day strictly after `after`."""
    day = after + timedelta(days=1)
    while not is_target_business_day(day):
        day += timedelta(days=1)
    return day


def target_business_days_between(start: date, end: date) -> int:
    """The TARGET2 business days after `start`, up to and including `end`."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_target_business_day(day)
    return count
