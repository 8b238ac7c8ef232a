"""Reads of imports: the list, the report (errors first), the saved templates."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from creneau.imports.models import ImportBatch, ImportIssue, ImportMapping


def batches_list() -> QuerySet[ImportBatch]:
    return ImportBatch.objects.select_related("created_by").order_by("-created_at", "-id")


def batch_issues(*, batch: ImportBatch) -> QuerySet[ImportIssue]:
    """The report: errors first, then likely duplicates, each by row."""
    first = Case(When(kind=ImportIssue.Kind.ERROR, then=Value(0)), default=Value(1),
                 output_field=IntegerField())  # fmt: skip
    return batch.issues.annotate(rank=first).order_by("rank", "row", "id")


def mappings_list() -> QuerySet[ImportMapping]:
    return ImportMapping.objects.order_by("name", "id")
