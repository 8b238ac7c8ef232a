"""API of the interventions (visits): a list over a bounded span of days, a one-off visit
created, read, and PATCH to move it, reassign it, or report it (done, missed, real times).

Visibility is the pages': direction, planning and accounting see every visit, a sales rep
those of its own customers (404 for the others), an intervenant its own. Direction and
planning write; an intervenant may report its own visits (status, real times, notes);
any other write answers 403. Times are read with their offset (without one, in Paris
time) and answered in Europe/Paris time with its offset (2027-03-29T08:30:00+02:00).
Each visit carries its conflicts, computed for a whole page in a few queries.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.conf import settings as ninja_settings
from ninja.errors import HttpError
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from creneau.catalog.models import Service
from creneau.core.api_params import MAX_PAGE_SIZE, DbId
from creneau.core.api_text import text_of
from creneau.core.schemas import InputSchema, decimal_out, decimal_string
from creneau.customers.api import api_field_names, reference
from creneau.customers.selectors import sites_visible_to
from creneau.planning import services
from creneau.planning.models import Intervention
from creneau.planning.rules import user_may_edit_planning, user_may_report_visit
from creneau.planning.selectors import (
    employees_visible_to,
    intervention_get,
    interventions_between,
    interventions_conflicts,
    interventions_visible_to,
)

router = Router(tags=["interventions"])

# A list covers at most this many days (a quarter), so that its count stays cheap.
MAX_SPAN_DAYS = 93
# The dates the planning takes: beyond them, a typo (year 20270), not a visit.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
FIELD_NAMES = {"employee": "employee_id", "service": "service_id", "site": "site_id"}
# What an intervenant may change on its own visits, and the statuses it may give them.
REPORT_FIELDS = {"status", "actual_start", "actual_end", "notes"}
REPORT_STATUSES = {Intervention.Status.PLANNED, Intervention.Status.DONE,
                   Intervention.Status.MISSED}  # fmt: skip

StatusValue = Literal[tuple(Intervention.Status.values)]  # type: ignore[valid-type]


def _within_bounds(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise PydanticCustomError("date_range", "date out of range")
    return value


def _moment(value: datetime) -> datetime:
    """An aware datetime: one sent without an offset is a Paris time."""
    _within_bounds(value.date())
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


PlanningDate = Annotated[date, AfterValidator(_within_bounds)]
Moment = Annotated[datetime, AfterValidator(_moment)]
QuantityIn = decimal_string(
    digits=5,
    places=2,
    description="Heures (ou unités) réalisées ; `null` : la durée",
    minimum=Decimal(0),
    maximum=Decimal("99999.99"),
)


class ConflictOut(Schema):
    code: str = Field(..., description="double_booking, unavailable, absence ou site_closure.")
    message: str = Field(..., description="La raison, en français.")


class InterventionOut(Schema):
    id: int
    schedule_id: int | None = Field(..., description="`null` : une intervention ponctuelle.")
    site_id: int
    customer_id: int
    employee_id: int | None = Field(..., description="`null` : à pourvoir.")
    service_id: int | None
    start: datetime = Field(..., description="Début prévu, heure de Paris avec son décalage.")
    end: datetime = Field(..., description="Fin prévue, heure de Paris avec son décalage.")
    status: StatusValue = Field(..., description="planned, done, cancelled ou missed.")
    actual_start: datetime | None
    actual_end: datetime | None
    quantity: decimal_out(places=2, signed=False) = Field(
        ..., description="Heures : la quantité saisie, sinon la durée (réelle, sinon prévue)."
    )
    notes: str
    conflicts: list[ConflictOut] = Field(..., description="Vide s'il n'y en a pas.")

    @staticmethod
    def resolve_customer_id(obj: Intervention) -> int:
        return obj.site.customer_id

    @staticmethod
    def resolve_start(obj: Intervention) -> datetime:
        return timezone.localtime(obj.start)

    @staticmethod
    def resolve_end(obj: Intervention) -> datetime:
        return timezone.localtime(obj.end)

    @staticmethod
    def resolve_actual_start(obj: Intervention) -> datetime | None:
        return timezone.localtime(obj.actual_start) if obj.actual_start else None

    @staticmethod
    def resolve_actual_end(obj: Intervention) -> datetime | None:
        return timezone.localtime(obj.actual_end) if obj.actual_end else None

    @staticmethod
    def resolve_quantity(obj: Intervention) -> str:
        return f"{obj.hours:.2f}"


class InterventionPage(Schema):
    count: int
    items: list[InterventionOut]


class InterventionFilters(InputSchema):
    start: PlanningDate | None = Field(
        None,
        description="Premier jour (heure de Paris), inclus. Par défaut : aujourd'hui, ou "
        "`end` moins 92 jours.",
    )
    end: PlanningDate | None = Field(
        None,
        description=f"Dernier jour, inclus ; {MAX_SPAN_DAYS} jours au plus depuis `start`. "
        f"Par défaut : `start` plus {MAX_SPAN_DAYS - 1} jours.",
    )
    employee_id: DbId | None = None
    site_id: DbId | None = None
    customer_id: DbId | None = None
    status: StatusValue | None = None
    limit: int = Field(100, ge=1, le=MAX_PAGE_SIZE, description="500 au plus.")
    offset: int = Field(0, ge=0, le=ninja_settings.PAGINATION_MAX_OFFSET)


class InterventionIn(InputSchema):
    site_id: DbId
    service_id: DbId | None = None
    employee_id: DbId | None = Field(None, description="`null` : à pourvoir.")
    start: Moment = Field(..., description="ISO 8601 ; sans décalage, heure de Paris.")
    end: Moment = Field(..., description="Après `start`, 24 heures au plus.")
    notes: text_of(Intervention, "notes") = ""
    quantity: QuantityIn | None = None


class InterventionPatch(InputSchema):
    start: Moment = Field(None, description="Sans `end`, la durée est gardée.")
    end: Moment = None
    employee_id: DbId | None = Field(None, description="`null` : à pourvoir.")
    service_id: DbId | None = None
    status: StatusValue = Field(
        None,
        description="Une intervention annulée ou réalisée est d'abord rouverte (`planned`) "
        "avant de changer encore de statut.",
    )
    actual_start: Moment | None = None
    actual_end: Moment | None = None
    quantity: QuantityIn | None = None
    notes: text_of(Intervention, "notes") = None


def caller(request: HttpRequest) -> User:
    return request.auth


def with_conflicts(visits: list[Intervention]) -> list[Intervention]:
    """Each visit with its conflicts, in a few queries for the whole list."""
    conflicts = interventions_conflicts(visits)
    for visit in visits:
        visit.conflicts = conflicts.get(visit.pk, [])
    return visits


def days_asked(filters: InterventionFilters) -> tuple[date, date]:
    span = timedelta(days=MAX_SPAN_DAYS - 1)
    first, last = filters.start, filters.end
    if first is None:
        first = last - span if last is not None else timezone.localdate()
    if last is None:
        last = first + span
    if last < first:
        raise ValidationError({"end": _("La date de fin ne peut précéder la date de début.")})
    if last - first > span:
        raise ValidationError(
            {"end": _("%(days)s jours au plus de start à end.") % {"days": MAX_SPAN_DAYS}}
        )
    return first, last


def references(request: HttpRequest, fields: dict[str, Any]) -> None:
    """Turn the ids of a body into visible objects, in place (422 at the field if not)."""
    user = caller(request)
    if "site_id" in fields:
        fields["site"] = reference(
            sites_visible_to(user).select_related("customer"),
            fields.pop("site_id"),
            "site_id",
            _("Site introuvable."),
        )
    for name, queryset, message in (
        ("employee_id", employees_visible_to(user), _("Intervenant introuvable.")),
        ("service_id", Service.objects.all(), _("Prestation introuvable.")),
    ):
        if name in fields:
            pk = fields.pop(name)
            key = name.removesuffix("_id")
            fields[key] = None if pk is None else reference(queryset, pk, name, message)


def check_report_rights(request: HttpRequest, visit: Intervention, fields: dict) -> None:
    """Direction and planning change anything; the intervenant of the visit reports it."""
    user = caller(request)
    if user_may_edit_planning(user):
        return
    if not user_may_report_visit(user, visit):
        raise HttpError(403, _("Votre rôle ne permet pas de modifier les interventions."))
    if not set(fields) <= REPORT_FIELDS or fields.get("status", "planned") not in REPORT_STATUSES:
        raise HttpError(
            403,
            _(
                "Vous pouvez seulement noter vos interventions : statut réalisée, client "
                "absent ou planifiée, heures réelles et notes."
            ),
        )


def answer(visit: Intervention) -> Intervention:
    return with_conflicts([visit])[0]


@router.get(
    "",
    response=InterventionPage,
    summary="Lister les interventions",
    operation_id="interventions_list",
)
def list_interventions(request: HttpRequest, filters: Query[InterventionFilters]) -> dict:
    """Les interventions visibles qui commencent entre deux jours (inclus, heure de Paris ;
    93 jours au plus), par heure de début."""
    first, last = days_asked(filters)
    visits: QuerySet[Intervention] = interventions_between(
        interventions_visible_to(caller(request)), first, last
    )
    for name, lookup in (("employee_id", "employee_id"), ("site_id", "site_id"),
                         ("customer_id", "site__customer_id"), ("status", "status")):  # fmt: skip
        value = getattr(filters, name)
        if value is not None:
            visits = visits.filter(**{lookup: value})
    visits = visits.select_related("site").order_by("start", "id")
    page = list(visits[filters.offset : filters.offset + filters.limit])
    count = len(page) if filters.offset == 0 and len(page) < filters.limit else visits.count()
    return {"count": count, "items": with_conflicts(page)}


@router.post(
    "",
    response={201: InterventionOut},
    summary="Créer une intervention ponctuelle",
    operation_id="interventions_create",
)
def create_intervention(request: HttpRequest, payload: InterventionIn) -> Status:
    """Une visite hors programmation. Réservé à la direction et au planning."""
    if not user_may_edit_planning(caller(request)):
        raise HttpError(403, _("Votre rôle ne permet pas de modifier les interventions."))
    fields = payload.model_dump()
    with api_field_names(FIELD_NAMES):
        references(request, fields)
        site = fields.pop("site")
        visit = services.intervention_create(site=site, by=caller(request), **fields)
    return Status(201, answer(visit))


@router.get(
    "/{intervention_id}",
    response=InterventionOut,
    summary="Lire une intervention",
    operation_id="interventions_read",
)
def read_intervention(request: HttpRequest, intervention_id: DbId) -> Intervention:
    return answer(intervention_get(user=caller(request), pk=intervention_id))


@router.patch(
    "/{intervention_id}",
    response=InterventionOut,
    summary="Déplacer, réaffecter ou noter une intervention",
    operation_id="interventions_update",
)
def update_intervention(
    request: HttpRequest, intervention_id: DbId, payload: InterventionPatch
) -> Intervention:
    """Modification partielle. Déplacer : `start` (et `end`) ; réaffecter : `employee_id` ;
    noter : `status`, `actual_start`, `actual_end`, `quantity`, `notes`. L'intervenant de
    la visite peut noter son statut, ses heures réelles et ses notes."""
    visit = intervention_get(user=caller(request), pk=intervention_id)
    fields = payload.model_dump(exclude_unset=True)
    check_report_rights(request, visit, fields)
    if "start" in fields and "end" not in fields:
        fields["end"] = fields["start"] + (visit.end - visit.start)
    with api_field_names(FIELD_NAMES):
        references(request, fields)
        services.intervention_update(intervention=visit, by=caller(request), **fields)
    return answer(visit)
