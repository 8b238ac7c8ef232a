"""API of the employees (intervenants): list, create, read, PATCH, and a new calendar
address. The office roles read; direction and planning write (403 for the others); an
intervenant's token reads only its own record.

`incompatible_site_ids` is written whole (the list replaces the previous one); every id
must be a site the caller sees, else 422 at that field. `ical_url` is the secret address
of the employee's calendar feed: given to the planners and to the employee itself only.
"""

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from creneau.core.api_params import BoundedLimitOffsetPagination, DbId
from creneau.core.api_text import TYPED_IDENTIFIER_MAX_LENGTH, text_of, text_up_to
from creneau.core.schemas import InputSchema
from creneau.core.text import SEARCH_MAX_LENGTH
from creneau.customers.api import api_field_names
from creneau.customers.models import Site
from creneau.customers.selectors import sites_visible_to
from creneau.planning import services
from creneau.planning.models import Employee
from creneau.planning.rules import user_may_edit_planning
from creneau.planning.selectors import employee_get, employees_visible_to
from creneau.planning.selectors_employees import employee_ical_url, employees_filter

router = Router(tags=["employees"])

# Sites where an employee must never go: a few in practice; bounded so that a body cannot
# make the server check a million ids.
MAX_INCOMPATIBLE_SITES = 500
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"
FIELD_NAMES = {"incompatible_sites": "incompatible_site_ids"}

Color = text_of(Employee, "color")
Phone = text_up_to(TYPED_IDENTIFIER_MAX_LENGTH)
SiteIds = list[DbId]


class EmployeeOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str = Field(..., description="Format E.164 (+33612345678), vide si aucun.")
    color: str = Field(..., description="Couleur dans le planning, #rrvvbb.")
    is_active: bool
    incompatible_site_ids: list[int] = Field(
        ..., description="Sites où l'intervenant ne doit jamais être envoyé."
    )
    ical_url: str | None = Field(
        ...,
        description="Adresse secrète du calendrier (iCalendar) de ses interventions, sans "
        "identifiant. Donnée à la direction, au planning et à l'intervenant lui-même ; "
        "`null` pour les autres rôles.",
    )

    @staticmethod
    def resolve_incompatible_site_ids(obj: Employee) -> list[int]:
        return [site.pk for site in obj.visible_incompatible_sites]

    @staticmethod
    def resolve_ical_url(obj: Employee, context: dict[str, Any]) -> str | None:
        request = context["request"]
        if user_may_edit_planning(request.auth) or obj.user_id == request.auth.pk:
            return employee_ical_url(request, obj)
        return None


class EmployeeIn(InputSchema):
    first_name: text_of(Employee, "first_name")
    last_name: text_of(Employee, "last_name")
    email: text_of(Employee, "email") = ""
    phone: Phone = Field("", description="Saisi au format national ou international.")
    color: Color = Field("#1f77b4", pattern=COLOR_PATTERN, description="#rrvvbb.")
    is_active: bool = True
    incompatible_site_ids: SiteIds = Field([], max_length=MAX_INCOMPATIBLE_SITES)


class EmployeePatch(InputSchema):
    first_name: text_of(Employee, "first_name") = None
    last_name: text_of(Employee, "last_name") = None
    email: text_of(Employee, "email") = None
    phone: Phone = None
    color: Color = Field(None, pattern=COLOR_PATTERN, description="#rrvvbb.")
    is_active: bool = None
    incompatible_site_ids: SiteIds = Field(
        None,
        max_length=MAX_INCOMPATIBLE_SITES,
        description="La liste entière : elle remplace la précédente.",
    )


class EmployeeFilters(InputSchema):
    q: text_up_to(SEARCH_MAX_LENGTH) = Field("", description="Nom, prénom, e-mail, téléphone.")
    is_active: bool | None = Field(None, description="Absent : actifs et inactifs.")


def caller(request: HttpRequest) -> User:
    return request.auth


def with_visible_sites(employees: QuerySet[Employee], user: User) -> QuerySet[Employee]:
    """The incompatible sites that the caller sees (a rep: those of its own customers), in
    one query for a whole page."""
    return employees.prefetch_related(
        Prefetch(
            "incompatible_sites",
            queryset=sites_visible_to(user).only("id").order_by("id"),
            to_attr="visible_incompatible_sites",
        )
    )


def _visible(request: HttpRequest, pk: int) -> Employee:
    user = caller(request)
    return get_object_or_404(with_visible_sites(employees_visible_to(user), user), pk=pk)


def require_writer(request: HttpRequest) -> None:
    if not user_may_edit_planning(caller(request)):
        raise HttpError(403, _("Votre rôle ne permet pas de modifier les intervenants."))


def body_fields(request: HttpRequest, payload: InputSchema) -> dict[str, Any]:
    """The service's keyword arguments from a body: colours in lower case, and the
    incompatible sites as visible sites (unknown or invisible ids: 422 at that field)."""
    fields = payload.model_dump(exclude_unset=True)
    if fields.get("color") is not None:
        fields["color"] = fields["color"].lower()
    if "incompatible_site_ids" in fields:
        fields["incompatible_sites"] = visible_sites(request, fields.pop("incompatible_site_ids"))
    return fields


def visible_sites(request: HttpRequest, ids: list[int]) -> list[Site]:
    wanted = set(ids)
    sites = list(sites_visible_to(caller(request)).filter(pk__in=wanted))
    missing = sorted(wanted - {site.pk for site in sites})
    if missing:
        raise ValidationError(
            {
                "incompatible_site_ids": _("Sites introuvables : %(ids)s.")
                % {"ids": ", ".join(map(str, missing[:20]))}
            }
        )
    return sites


@router.get(
    "",
    response=list[EmployeeOut],
    summary="Lister les intervenants",
    operation_id="employees_list",
)
@paginate(BoundedLimitOffsetPagination)
def list_employees(request: HttpRequest, filters: Query[EmployeeFilters]) -> QuerySet[Employee]:
    """Par nom. Un intervenant connecté ne voit que lui-même."""
    active = {True: "1", False: "0", None: "all"}[filters.is_active]
    employees = employees_filter(user=caller(request), filters={"q": filters.q, "active": active})
    return with_visible_sites(employees, caller(request))


@router.post(
    "",
    response={201: EmployeeOut},
    summary="Créer un intervenant",
    operation_id="employees_create",
)
def create_employee(request: HttpRequest, payload: EmployeeIn) -> Status:
    """Réservé à la direction et au planning."""
    require_writer(request)
    with api_field_names(FIELD_NAMES):
        employee = services.employee_create(by=caller(request), **body_fields(request, payload))
    return Status(201, _visible(request, employee.pk))


@router.get(
    "/{employee_id}",
    response=EmployeeOut,
    summary="Lire un intervenant",
    operation_id="employees_read",
)
def read_employee(request: HttpRequest, employee_id: DbId) -> Employee:
    return _visible(request, employee_id)


@router.patch(
    "/{employee_id}",
    response=EmployeeOut,
    summary="Modifier un intervenant",
    operation_id="employees_update",
)
def update_employee(request: HttpRequest, employee_id: DbId, payload: EmployeePatch) -> Employee:
    """Modification partielle : seuls les champs envoyés changent. Réservé à la direction
    et au planning."""
    employee = employee_get(user=caller(request), pk=employee_id)
    require_writer(request)
    with api_field_names(FIELD_NAMES):
        fields = body_fields(request, payload)
        services.employee_update(employee=employee, by=caller(request), **fields)
    return _visible(request, employee_id)


@router.post(
    "/{employee_id}/ical-token",
    response=EmployeeOut,
    summary="Renouveler l'adresse du calendrier",
    operation_id="employees_ical_token",
)
def renew_ical_token(request: HttpRequest, employee_id: DbId) -> Employee:
    """Une nouvelle adresse secrète (`ical_url`) ; l'ancienne répond 404 dès maintenant.
    Réservé à la direction et au planning."""
    employee = employee_get(user=caller(request), pk=employee_id)
    require_writer(request)
    services.employee_ical_renew(employee=employee, by=caller(request))
    return _visible(request, employee_id)
