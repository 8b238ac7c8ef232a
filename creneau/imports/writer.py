"""The import itself, all or nothing, and its undo.

The whole file is written in one transaction: the rows are checked again as they are
read (the database may have changed since the preview; the models' per-row checks are
skipped when the file and families are unchanged since the check, see checks.py), and the
first error rolls every write back. Customers go in by chunks (bulk_create), with their
codes taken from the counter in one statement per chunk; only the chunk's objects are
held in memory, and the ids of what was created, kept on the import for the undo.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.core.models import AuditEvent
from creneau.core.services import counter_next, model_changes, model_snapshot
from creneau.customers.models import Contact, Customer, Site
from creneau.customers.selectors import customer_name_key, customer_search_text
from creneau.customers.services import CUSTOMER_FIELDS, customer_refresh_search
from creneau.imports.checks import Group
from creneau.imports.files import rows_read
from creneau.imports.models import ImportBatch, ImportIssue
from creneau.imports.services import (
    CHUNK,
    _checker,
    audit_batch,
    check_digest,
    decisions_of,
    progress_write,
)
from creneau.payments.models import Mandate

UPDATABLE = [name for name in CUSTOMER_FIELDS if name not in ("sales_rep", "is_active")]


class ImportRefused(Exception):
    """An error found while importing: everything is rolled back."""


class _Chunk:
    """The customers of one chunk, to create or to update, and what hangs off them."""

    def __init__(self, batch: ImportBatch, by: User | None) -> None:
        self.batch, self.by = batch, by
        self.new: list[Group] = []
        self.updates: list[tuple[Group, int]] = []  # (group, existing customer id)
        self.created: dict[str, list[int]] = {
            "customer": [],
            "site": [],
            "contact": [],
            "mandate": [],
        }
        self.updated_before: dict[str, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self.new) + len(self.updates)

    def flush(self) -> None:
        if self.new:
            self._create_customers()
        for group, existing in self.updates:
            self._update_customer(group, existing)
        owners = [(group, group.customer) for group in self.new]
        owners += [(group, group.customer) for group, _existing in self.updates]
        self._children(owners)
        self._audit_created()
        self.new, self.updates = [], []

    def _create_customers(self) -> None:
        last = counter_next(name="customer", count=len(self.new))
        first = last - len(self.new) + 1
        for offset, group in enumerate(self.new):
            customer = group.customer
            customer.code = f"C{first + offset:05d}"
            customer.accounting_code = customer.accounting_code or f"411{customer.code}"
            customer.search_text = customer_search_text(customer, sites=group.sites)
            customer.name_key = customer_name_key(customer.name)
        Customer.objects.bulk_create([group.customer for group in self.new], batch_size=CHUNK)
        self.created["customer"] += [group.customer.pk for group in self.new]

    def _update_customer(self, group: Group, existing: int) -> None:
        customer = Customer.objects.select_for_update().get(pk=existing)
        given = [name for name in UPDATABLE if name in group.given]
        before = model_snapshot(customer, given)
        restore = {name: value for name, value in before.items() if name != "family"}
        if "family" in given:
            restore["family_id"] = customer.family_id
        for name in given:
            setattr(customer, name, getattr(group.customer, name))
        customer.full_clean(exclude=["code"], validate_unique=False)
        customer.save()
        self.updated_before[str(customer.pk)] = restore
        changes = model_changes(before, model_snapshot(customer, given))
        AuditEvent.objects.create(
            actor=self._actor(),
            action=AuditEvent.Action.UPDATE,
            customer_id=customer.pk,
            object_type="customer",
            object_id=str(customer.pk),
            object_repr=str(customer)[:255],
            changes=changes,
            message=self._message(),
        )
        group.customer = customer

    def _children(self, owners: list[tuple[Group, Customer]]) -> None:
        sites, contacts, mandates = [], [], []
        for group, customer in owners:
            for site in group.sites:
                site.customer_id = customer.pk
                sites.append(site)
            if group.mandate is not None:
                group.mandate.customer_id = customer.pk
                group.mandate.created_by = self._actor()
                mandates.append(group.mandate)
        Site.objects.bulk_create(sites, batch_size=CHUNK)
        for group, customer in owners:
            for contact, site_index in group.contacts:
                contact.customer_id = customer.pk
                contact.site_id = group.sites[site_index].pk if site_index is not None else None
                contacts.append(contact)
        Contact.objects.bulk_create(contacts, batch_size=CHUNK)
        try:
            with transaction.atomic():
                Mandate.objects.bulk_create(mandates, batch_size=CHUNK)
        except IntegrityError as error:
            raise ImportRefused(
                _(
                    "Un mandat n'a pu être créé (RUM déjà prise, ou un mandat actif existe "
                    "déjà pour ce client)."
                )
            ) from error
        self.created["site"] += [site.pk for site in sites]
        self.created["contact"] += [contact.pk for contact in contacts]
        self.created["mandate"] += [mandate.pk for mandate in mandates]
        for group, _existing in self.updates:
            customer_refresh_search(customer=group.customer)

    def _audit_created(self) -> None:
        events = [
            AuditEvent(
                actor=self._actor(),
                action=AuditEvent.Action.CREATE,
                customer_id=group.customer.pk,
                object_type="customer",
                object_id=str(group.customer.pk),
                object_repr=str(group.customer)[:255],
                changes={},
                message=self._message(),
            )
            for group in self.new
        ]
        AuditEvent.objects.bulk_create(events, batch_size=CHUNK)

    def _actor(self) -> User | None:
        return self.by if self.by is not None and self.by.is_authenticated else None

    def _message(self) -> str:
        values = {"id": self.batch.pk, "name": self.batch.original_name}
        return (_("Import n° %(id)s (%(name)s)") % values)[:255]


def batch_execute(*, batch_id: int, by: User | None = None) -> ImportBatch:
    """Write the checked file in one transaction; a remaining error writes nothing."""
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status != ImportBatch.Status.IMPORTING:
        raise ValidationError(_("Cet import n'a pas été confirmé."))
    by = by or batch.created_by
    decisions = decisions_of(batch)
    chunk, done = _Chunk(batch, by), 0
    with transaction.atomic():
        trusted = bool(batch.checked_digest) and batch.checked_digest == check_digest(batch)
        checker = _checker(batch.columns, trusted=trusted)
        for group in checker.groups(rows_read(batch.csv_path)):
            if group.issues:
                issue = group.issues[0]
                raise ImportRefused(
                    _("Ligne %(row)s, colonne « %(column)s » : %(message)s")
                    % {"row": issue.row, "column": issue.column, "message": issue.message}
                )
            decision, existing = decisions.get(group.row, (ImportIssue.Decision.CREATE, None))
            if decision == ImportIssue.Decision.SKIP:
                continue
            if decision == ImportIssue.Decision.UPDATE and existing is not None:
                chunk.updates.append((group, existing))
            else:
                chunk.new.append(group)
            if len(chunk) >= CHUNK:
                done += len(chunk)
                chunk.flush()
                progress_write(batch.pk, done, batch.customer_count)
        done += len(chunk)
        chunk.flush()
        batch.created_ids = chunk.created
        batch.updated_before = chunk.updated_before
        batch.status = ImportBatch.Status.IMPORTED
        batch.imported_at = timezone.now()
        batch.progress_done = batch.progress_total = done
        batch.save()
        created = len(chunk.created["customer"])
        audit_batch(
            batch=batch,
            by=by,
            message=_(
                "Import : %(created)s clients créés, %(updated)s mis à jour, %(sites)s sites."
            )
            % {
                "created": created,
                "updated": len(chunk.updated_before),
                "sites": len(chunk.created["site"]),
            },
        )
    return batch


def _touched_since(batch: ImportBatch, customer_ids: list[int]) -> bool:
    """Whether anything was written to these customers after the import: an entry of
    their history, or a change of the record itself."""
    for start in range(0, len(customer_ids), CHUNK):
        ids = customer_ids[start : start + CHUNK]
        if AuditEvent.objects.filter(
            customer_id__in=ids, created_at__gt=batch.imported_at
        ).exists():
            return True
        if Customer.objects.filter(pk__in=ids, updated_at__gt=batch.imported_at).exists():
            return True
    return False


# What the import itself creates under its customers and sites; anything else pointing at
# them (a quote, an invoice, a schedule, a document, a portal access...) came later.
OWN_CHILDREN = {Customer: {Site, Contact, Mandate}, Site: {Contact}}


def _used_elsewhere(model: type, ids: list[int]) -> bool:
    for relation in model._meta.related_objects:
        if relation.related_model in OWN_CHILDREN[model] or relation.many_to_many:
            continue
        related = relation.related_model._base_manager
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            if related.filter(**{f"{relation.field.name}__in": chunk}).exists():
                return True
    return False


def batch_undo(*, batch: ImportBatch, by: User | None) -> ImportBatch:
    """Remove what the import created and restore what it updated, while nothing else
    has touched those customers; refused with a reason otherwise."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ImportBatch.Status.IMPORTED:
            raise ValidationError(_("Seul un import terminé peut être annulé."))
        created = locked.created_ids
        customer_ids = created.get("customer", [])
        updated_ids = [int(pk) for pk in locked.updated_before]
        for start in range(0, len(customer_ids), CHUNK):
            chunk = customer_ids[start : start + CHUNK]
            list(Customer.objects.select_for_update().filter(pk__in=chunk).values_list("pk"))
        if _touched_since(locked, customer_ids + updated_ids):
            raise ValidationError(
                _(
                    "Des clients de cet import ont été modifiés depuis (fiche, site, "
                    "interlocuteur, document ou mandat) : l'import ne peut plus être annulé."
                )
            )
        if _used_elsewhere(Customer, customer_ids) or _used_elsewhere(
            Site, created.get("site", [])
        ):
            raise ValidationError(
                _(
                    "Des clients de cet import sont déjà utilisés (devis, factures, "
                    "planning, documents...) : l'import ne peut plus être annulé."
                )
            )
        if (
            Mandate.objects.filter(pk__in=created.get("mandate", []))
            .exclude(first_collection_date=None)
            .exists()
        ):
            raise ValidationError(
                _("Un mandat de cet import a déjà servi : annulation impossible.")
            )
        try:
            _remove(created)
        except (ProtectedError, IntegrityError) as error:
            raise ValidationError(
                _(
                    "Des clients de cet import sont déjà utilisés (devis, factures, "
                    "planning...) : l'import ne peut plus être annulé."
                )
            ) from error
        for pk, before in locked.updated_before.items():
            Customer.objects.filter(pk=int(pk)).update(**before)
            customer_refresh_search(customer=Customer.objects.get(pk=int(pk)))
        locked.status = ImportBatch.Status.UNDONE
        locked.undone_at = timezone.now()
        locked.save(update_fields=["status", "undone_at"])
        audit_batch(
            batch=locked,
            by=by,
            message=_("Import annulé : %(count)s clients retirés.") % {"count": len(customer_ids)},
        )
    return locked


def _remove(created: dict[str, list[int]]) -> None:
    """Plain DELETEs by id, children first, without Django's collector (which loads every
    object and looks for cascades one model at a time): what else could point at these
    rows was refused before (_used_elsewhere); the links of many-to-many fields to the
    sites (an employee's incompatible sites) go with them; the foreign keys are then
    checked at once, so that anything missed is an IntegrityError here, not at commit."""
    for model, kind in (
        (Mandate, "mandate"),
        (Contact, "contact"),
        (Site, "site"),
        (Customer, "customer"),
    ):
        ids = created.get(kind, [])
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            for relation in model._meta.related_objects:
                if relation.many_to_many:
                    through = relation.through
                    column = relation.field.m2m_reverse_field_name()
                    through.objects.filter(**{f"{column}__in": chunk})._raw_delete(
                        through.objects.db
                    )
            model.objects.filter(pk__in=chunk)._raw_delete(model.objects.db)
    tables = [model._meta.db_table for model in (Mandate, Contact, Site, Customer)]
    connection.check_constraints(table_names=tables)
