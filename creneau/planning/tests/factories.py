from datetime import time, timedelta

import factory
from django.utils import timezone

from creneau.customers.tests.factories import SiteFactory
from creneau.planning.models import Employee, Intervention, Schedule


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    color = "#2a9d8f"


class ScheduleFactory(factory.django.DjangoModelFactory):
    """A schedule row only: no visits are made (use services.schedule_create for those)."""

    class Meta:
        model = Schedule

    site = factory.SubFactory(SiteFactory)
    rrule = "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH"
    start_date = factory.LazyFunction(timezone.localdate)
    start_time = time(8, 30)
    duration_minutes = 120


class InterventionFactory(factory.django.DjangoModelFactory):
    """A one-off visit, tomorrow 09:00-11:00 local time by default."""

    class Meta:
        model = Intervention

    site = factory.SubFactory(SiteFactory)
    start = factory.LazyFunction(
        lambda: (
            timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
            + timedelta(days=1)
        )
    )
    end = factory.LazyAttribute(lambda visit: visit.start + timedelta(hours=2))
    user_owned = True
