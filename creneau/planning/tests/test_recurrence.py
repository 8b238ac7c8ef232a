"""Recurrence rules: what rrule_check accepts and refuses (in French), the French words of
rrule_describe, and the form's view of a rule (Recurrence) round trip."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from creneau.planning.recurrence import (
    Recurrence,
    recurrence_of,
    rrule_check,
    rrule_describe,
    rule_dates,
)


@pytest.mark.parametrize(
    ("rule", "canonical"),
    [
        ("FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH", "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH"),
        # Lower case, any order, no INTERVAL, repeated days: stored in one canonical form.
        ("freq=weekly;byday=th,mo,mo", "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH"),
        (" FREQ=WEEKLY;INTERVAL=2;BYDAY=SU ", "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU"),
        ("FREQ=WEEKLY;INTERVAL=52;BYDAY=FR", "FREQ=WEEKLY;INTERVAL=52;BYDAY=FR"),
        ("FREQ=MONTHLY;BYMONTHDAY=15", "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=15"),
        ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=31", "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=31"),
        ("FREQ=MONTHLY;BYDAY=1MO", "FREQ=MONTHLY;INTERVAL=1;BYDAY=1MO"),
        ("FREQ=MONTHLY;BYDAY=+2TU", "FREQ=MONTHLY;INTERVAL=1;BYDAY=2TU"),
        ("FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR", "FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR"),
        ("FREQ=MONTHLY;BYDAY=5SA", "FREQ=MONTHLY;INTERVAL=1;BYDAY=5SA"),
    ],
)
def test_offered_shapes_are_accepted_in_canonical_form(rule, canonical):
    assert rrule_check(rule) == canonical
    assert rrule_check(canonical) == canonical


FREQUENCY = "Fréquence non proposée"
NOT_OFFERED = "Élément de récurrence non proposé"
UNREADABLE = "Règle de récurrence illisible"
INTERVAL = "L'intervalle va de 1 à 52."
MONTH_DAY = "Le jour du mois va de 1 à 31"
NTH = "Indiquez le jour du mois (BYMONTHDAY=15) ou le nième jour"
WEEKDAYS = "Choisissez au moins un jour de la semaine"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=DAILY", FREQUENCY),
        ("FREQ=DAILY;INTERVAL=2", FREQUENCY),
        ("FREQ=YEARLY", FREQUENCY),
        ("FREQ=HOURLY;BYDAY=MO", FREQUENCY),
        ("INTERVAL=1;BYDAY=MO", FREQUENCY),
        ("FREQ=YEARLY;BYMONTH=8", NOT_OFFERED),
        ("FREQ=WEEKLY;BYDAY=MO;COUNT=10", NOT_OFFERED),
        ("FREQ=WEEKLY;BYDAY=MO;UNTIL=20271231T000000Z", NOT_OFFERED),
        ("DTSTART=20270101;FREQ=WEEKLY;BYDAY=MO", NOT_OFFERED),
        ("FREQ=WEEKLY;BYDAY=MO;WKST=SU", NOT_OFFERED),
        ("FREQ=MONTHLY;BYMONTHDAY=1;BYSETPOS=1", NOT_OFFERED),
        ("garbage", UNREADABLE),
        ("FREQ=WEEKLY;;BYDAY=MO", UNREADABLE),
        ("FREQ=WEEKLY;BYDAY", UNREADABLE),
        ("FREQ=WEEKLY;FREQ=MONTHLY;BYDAY=MO", UNREADABLE),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO", NOT_OFFERED),
        ("", "Indiquez une règle de récurrence"),
        ("FREQ=WEEKLY;BYDAY=" + ",".join(["MO"] * 100), "Indiquez une règle de récurrence"),
        ("FREQ=WEEKLY;INTERVAL=0;BYDAY=MO", INTERVAL),
        ("FREQ=WEEKLY;INTERVAL=53;BYDAY=MO", INTERVAL),
        ("FREQ=WEEKLY;INTERVAL=-1;BYDAY=MO", INTERVAL),
        ("FREQ=WEEKLY;INTERVAL=deux;BYDAY=MO", INTERVAL),
        # Digits that str.isdigit() takes but int() does not read.
        ("FREQ=WEEKLY;INTERVAL=²;BYDAY=MO", INTERVAL),
        ("FREQ=MONTHLY;INTERVAL=0;BYMONTHDAY=1", INTERVAL),
        ("FREQ=MONTHLY;BYMONTHDAY=32", MONTH_DAY),
        ("FREQ=MONTHLY;BYMONTHDAY=0", MONTH_DAY),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", MONTH_DAY),
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", MONTH_DAY),
        ("FREQ=MONTHLY;BYMONTHDAY=²", MONTH_DAY),
        ("FREQ=MONTHLY;BYMONTHDAY=15;BYDAY=MO", MONTH_DAY),
        ("FREQ=MONTHLY;BYDAY=6MO", NTH),
        ("FREQ=MONTHLY;BYDAY=0MO", NTH),
        ("FREQ=MONTHLY;BYDAY=-2MO", NTH),
        ("FREQ=MONTHLY;BYDAY=MO", NTH),
        ("FREQ=MONTHLY;BYDAY=2MO,3TU", NTH),
        ("FREQ=MONTHLY", NTH),
        ("FREQ=WEEKLY", WEEKDAYS),
        ("FREQ=WEEKLY;BYDAY=XX", WEEKDAYS),
        ("FREQ=WEEKLY;BYDAY=1MO", WEEKDAYS),
        ("FREQ=WEEKLY;BYDAY=MO;BYMONTHDAY=3", WEEKDAYS),
    ],
)
def test_other_rules_are_refused_in_french(rule, message):
    with pytest.raises(ValidationError) as error:
        rrule_check(rule)
    assert message in " ".join(error.value.messages)


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=WEEKLY;INTERVAL=1;BYDAY=MO", "chaque semaine : lundi"),
        ("FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH", "chaque semaine : lundi et jeudi"),
        ("FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE,FR", "chaque semaine : lundi, mercredi et vendredi"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "toutes les 2 semaines : mardi"),
        ("FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=15", "chaque mois, le 15"),
        ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1", "tous les 3 mois, le 1"),
        ("FREQ=MONTHLY;INTERVAL=1;BYDAY=1MO", "chaque mois, le 1er lundi"),
        ("FREQ=MONTHLY;INTERVAL=1;BYDAY=2TU", "chaque mois, le 2e mardi"),
        ("FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR", "tous les 2 mois, le dernier vendredi"),
        # A rule the form cannot show is shown as it is, never an error.
        ("FREQ=DAILY", "FREQ=DAILY"),
    ],
)
def test_rules_in_french_words(rule, words):
    assert rrule_describe(rule) == words


@pytest.mark.parametrize(
    "recurrence",
    [
        Recurrence(kind="weekly", weekdays=(0,)),
        Recurrence(kind="weekly", interval=3, weekdays=(0, 2, 4, 5, 6)),
        Recurrence(kind="monthly_day", month_day=31),
        Recurrence(kind="monthly_day", interval=12, month_day=1),
        Recurrence(kind="monthly_weekday", nth=1, weekday=0),
        Recurrence(kind="monthly_weekday", interval=2, nth=-1, weekday=4),
        Recurrence(kind="monthly_weekday", nth=5, weekday=6),
    ],
)
def test_recurrence_round_trip(recurrence):
    rule = recurrence.to_rrule()
    assert rrule_check(rule) == rule
    assert recurrence_of(rule) == recurrence


def test_weekdays_are_sorted_whatever_the_order_given():
    assert Recurrence(kind="weekly", weekdays=(3, 0)).to_rrule() == (
        "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH"
    )


def test_rule_dates_count_intervals_from_the_first_date():
    # Every 2 weeks on Monday from Monday 2027-04-05: the 5th, the 19th, May 3rd...
    days = list(
        rule_dates(
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
            first=date(2027, 4, 12),
            last=date(2027, 5, 10),
            anchor=date(2027, 4, 5),
        )
    )
    assert days == [date(2027, 4, 19), date(2027, 5, 3)]


def test_the_31st_skips_short_months_and_the_last_friday_is_the_last():
    month_end = rule_dates(
        "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=31",
        first=date(2027, 1, 1),
        last=date(2027, 5, 31),
        anchor=date(2027, 1, 1),
    )
    assert list(month_end) == [date(2027, 1, 31), date(2027, 3, 31), date(2027, 5, 31)]
    last_friday = rule_dates(
        "FREQ=MONTHLY;INTERVAL=1;BYDAY=-1FR",
        first=date(2027, 1, 1),
        last=date(2027, 3, 31),
        anchor=date(2027, 1, 1),
    )
    assert list(last_friday) == [date(2027, 1, 29), date(2027, 2, 26), date(2027, 3, 26)]
