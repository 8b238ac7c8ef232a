"""API of the schedules (programmations): list, create, read, PATCH, and DELETE, which ends
the schedule (its untouched future visits are cancelled, the rest is kept).

Every schedule comes from the visibility selectors: another rep's schedule answers 404 in
the path, and its site 422 in a body. Direction and planning write; the other roles that
see the customer read (403 on a write). The services' French errors come back at the
fields of the body (`site_id`, `employee_id`, `rrule`, `duration_minutes`...).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from creneau.catalog.models import Service
from creneau.core.api_params import BoundedLimitOffsetPagination, DbId
from creneau.core.api_text import text_of
from creneau.core.schemas import InputSchema, decimal_out, decimal_string
from creneau.customers.models import Site
from creneau.customers.selectors import sites_visible_to
from creneau.planning import services
from creneau.planning.models import MAX_DURATION_MINUTES, Schedule
from creneau.planning.rules import user_may_edit_planning
from creneau.planning.selectors import employees_visible_to, schedule_get, schedules_visible_to

router = Router(tags=["schedules"])
FlatAmountOut = decimal_out(places=2, signed=False)

# The services' names -> the API's.
FIELD_NAMES = {"site": "site_id", "service": "service_id", "employee": "employee_id"}
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"

StartTime = Annotated[
    str,
    Field(
        pattern=TIME_PATTERN,
        max_length=5,
        description="Heure locale (Europe/Paris) de début, « HH:MM » : « 08:30 ».",
        examples=["08:30"],
    ),
]
Duration = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_DURATION_MINUTES,
        description="Durée en minutes, de 1 à 1440 (24 h).",
    ),
]
Rrule = Annotated[
    text_of(Schedule, "rrule"),
    Field(
        description=(
            "Règle RFC 5545 sans DTSTART, UNTIL ni COUNT : hebdomadaire "
            "« FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH », mensuelle le 15 "
            "« FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=15 » ou le 2e mardi "
            "« FREQ=MONTHLY;INTERVAL=1;BYDAY=2TU » (-1FR : le dernier vendredi)."
        ),
        examples=["FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH"],
    ),
]
Notes = text_of(Schedule, "notes")
FlatAmountIn = decimal_string(
    digits=10,
    places=2,
    minimum=Decimal("0.01"),
    description="Forfait mensuel HT en euros, « 450.00 » ; requis en monthly_flat.",
)
BillingModeIn = Literal["per_unit", "monthly_flat", "not_billed"]


class ScheduleOut(Schema):
    id: int
    site_id: int
    service_id: int | None
    employee_id: int | None
    rrule: str
    start_date: date
    end_date: date | None
    start_time: str = Field(description="« HH:MM », heure locale (Europe/Paris).")
    duration_minutes: int
    skip_public_holidays: bool
    skip_site_closures: bool
    notes: str
    billing_mode: str = Field(
        description="per_unit (chaque passage), monthly_flat (forfait mensuel), not_billed."
    )
    flat_amount: FlatAmountOut | None = Field(description="Forfait mensuel HT, « 450.00 ».")

    @staticmethod
    def resolve_start_time(obj: Schedule) -> str:
        return f"{obj.start_time:%H:%M}"

    @staticmethod
    def resolve_flat_amount(obj: Schedule) -> str | None:
        return f"{obj.flat_amount:.2f}" if obj.flat_amount is not None else None


class ScheduleIn(InputSchema):
    site_id: DbId
    service_id: DbId | None = None
    employee_id: DbId | None = Field(None, description="Vide (null) : « à pourvoir ».")
    rrule: Rrule
    start_date: date = Field(description="Première date (au plus un an en arrière).")
    end_date: date | None = Field(None, description="Dernière date ; vide : sans fin.")
    start_time: StartTime
    duration_minutes: Duration
    skip_public_holidays: bool = True
    skip_site_closures: bool = True
    notes: Notes = ""
    billing_mode: BillingModeIn = "per_unit"
    flat_amount: FlatAmountIn | None = None


class SchedulePatch(InputSchema):
    """Every field may be left out; what is left out keeps its value. The site does not
    change: end this schedule and create one on the other site."""

    service_id: DbId | None = None
    employee_id: DbId | None = None
    rrule: Rrule | None = None
    start_date: date | None = None
    end_date: date | None = None
    start_time: StartTime | None = None
    duration_minutes: Duration | None = None
    skip_public_holidays: bool | None = None
    skip_site_closures: bool | None = None
    notes: Notes | None = None
    billing_mode: BillingModeIn | None = None
    flat_amount: FlatAmountIn | None = None


class ScheduleFilters(InputSchema):
    site_id: DbId | None = None
    customer_id: DbId | None = None
    employee_id: DbId | None = None


# Fields that may not be null in a PATCH (null means "leave out" only for the nullable ones).
NOT_NULL = {
    "rrule",
    "start_date",
    "start_time",
    "duration_minutes",
    "skip_public_holidays",
    "skip_site_closures",
    "notes",
    "billing_mode",
}


@contextmanager
def api_field_names() -> Iterator[None]:
    """A service's ValidationError, with its fields named as in the API's bodies."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {FIELD_NAMES.get(name, name): errors for name, errors in error.error_dict.items()}
        ) from error


def _require_writer(request: HttpRequest) -> None:
    if not user_may_edit_planning(request.user):
        raise HttpError(403, _("Votre rôle ne permet pas de modifier le planning."))


def _reference(queryset: QuerySet, pk: int, field: str, message: str) -> Any:
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: message})
    return found


def _site(request: HttpRequest, pk: int) -> Site:
    return _reference(
        sites_visible_to(request.user).select_related("customer"),
        pk,
        "site_id",
        _("Site introuvable."),
    )


def _references(request: HttpRequest, data: dict[str, Any], current: Schedule | None) -> None:
    """Turn service_id and employee_id into objects, in place. A new choice must be active;
    the current one stays even if it no longer is."""
    if "service_id" in data:
        service_id = data.pop("service_id")
        data["service"] = None
        if service_id is not None:
            service = _reference(
                Service.objects.all(), service_id, "service_id", _("Prestation introuvable.")
            )
            if not service.is_active and (current is None or current.service_id != service.pk):
                raise ValidationError({"service_id": _("Cette prestation n'est plus active.")})
            data["service"] = service
    if "employee_id" in data:
        employee_id = data.pop("employee_id")
        data["employee"] = None
        if employee_id is not None:
            employee = _reference(
                employees_visible_to(request.user),
                employee_id,
                "employee_id",
                _("Intervenant introuvable."),
            )
            if not employee.is_active and (current is None or current.employee_id != employee.pk):
                raise ValidationError({"employee_id": _("Cet intervenant n'est plus actif.")})
            data["employee"] = employee


def _fields(request: HttpRequest, data: dict[str, Any], current: Schedule | None) -> dict:
    null = sorted(name for name in NOT_NULL if name in data and data[name] is None)
    if null:
        raise ValidationError({name: _("Ce champ ne peut pas être vide.") for name in null})
    if "start_time" in data:
        hours, minutes = data["start_time"].split(":")
        data["start_time"] = time(int(hours), int(minutes))
    _references(request, data, current)
    return data


@router.get(
    "/schedules",
    response=list[ScheduleOut],
    summary="Lister les programmations",
    operation_id="schedules_list",
)
@paginate(BoundedLimitOffsetPagination)
def list_schedules(request: HttpRequest, filters: Query[ScheduleFilters]) -> QuerySet[Schedule]:
    """Les programmations visibles, filtrées par site, client ou intervenant."""
    schedules = schedules_visible_to(request.user)
    if filters.site_id is not None:
        schedules = schedules.filter(site_id=filters.site_id)
    if filters.customer_id is not None:
        schedules = schedules.filter(site__customer_id=filters.customer_id)
    if filters.employee_id is not None:
        schedules = schedules.filter(employee_id=filters.employee_id)
    return schedules.order_by("id")


@router.post(
    "/schedules",
    response={201: ScheduleOut},
    summary="Créer une programmation",
    operation_id="schedules_create",
)
def create_schedule(request: HttpRequest, payload: ScheduleIn) -> Status:
    """Ses interventions sont planifiées aussitôt, jusqu'à l'horizon du planning."""
    data = payload.model_dump()
    site = _site(request, data.pop("site_id"))
    _require_writer(request)
    with api_field_names():
        fields = _fields(request, data, None)
        schedule = services.schedule_create(site=site, by=request.user, **fields)
    return Status(201, schedule)


@router.get(
    "/schedules/{schedule_id}",
    response=ScheduleOut,
    summary="Lire une programmation",
    operation_id="schedules_read",
)
def read_schedule(request: HttpRequest, schedule_id: DbId) -> Schedule:
    return schedule_get(user=request.user, pk=schedule_id)


@router.patch(
    "/schedules/{schedule_id}",
    response=ScheduleOut,
    summary="Modifier une programmation",
    operation_id="schedules_update",
)
def update_schedule(request: HttpRequest, schedule_id: DbId, payload: SchedulePatch) -> Schedule:
    """Modification partielle. Les interventions futures non modifiées suivent ; celles
    qu'un utilisateur a déplacées, réassignées, annulées ou réalisées restent telles quelles."""
    schedule = schedule_get(user=request.user, pk=schedule_id)
    _require_writer(request)
    with api_field_names():
        fields = _fields(request, payload.model_dump(exclude_unset=True), schedule)
        return services.schedule_update(schedule=schedule, by=request.user, **fields)


@router.delete(
    "/schedules/{schedule_id}",
    response=ScheduleOut,
    summary="Terminer une programmation",
    operation_id="schedules_end",
)
def end_schedule(request: HttpRequest, schedule_id: DbId) -> Schedule:
    """Termine la programmation aujourd'hui (sa dernière date) : ses interventions futures
    non modifiées sont annulées, les passées et celles modifiées à la main restent.
    Répond la programmation terminée. Pour une autre dernière date : PATCH de `end_date`."""
    schedule = schedule_get(user=request.user, pk=schedule_id)
    _require_writer(request)
    with api_field_names():
        return services.schedule_end(schedule=schedule, by=request.user)
