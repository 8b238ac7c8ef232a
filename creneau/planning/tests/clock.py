"""Set "now" for a test of the planning, instead of the wall clock.

The generator, the services and the selectors read the time through
django.utils.timezone.now (and localdate, which calls it): replacing that one function
puts the whole planning on the chosen day, so that tests never depend on the day they run.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def paris(text: str) -> datetime:
    """An aware datetime from "2027-04-05 10:00", Europe/Paris local time."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.get_current_timezone())


def freeze_now(monkeypatch, text: str) -> datetime:
    """From now on in this test, it is `text` (Europe/Paris). Returns that moment."""
    moment = paris(text)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment
