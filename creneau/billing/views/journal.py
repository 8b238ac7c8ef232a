"""The inalterable journal's page (direction and accounting): its entries, newest first,
its last verification, and a button that verifies it again (in the task worker: a
million entries take about a minute)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creneau.billing.models import JournalEntry, JournalVerification
from creneau.billing.rules import user_sees_journal

PAGE_SIZE = 50


class EntriesBySequence:
    """The entries newest first, sliced by their sequence numbers rather than by OFFSET:
    the last page of a million entries costs what the first one does. The count is the
    last sequence (entries are numbered 1, 2, 3… without gaps)."""

    def __init__(self) -> None:
        self.last = JournalEntry.objects.aggregate(last=Max("sequence"))["last"] or 0

    def count(self) -> int:
        return self.last

    def __len__(self) -> int:
        return self.last

    def __getitem__(self, window: slice) -> list[JournalEntry]:
        top, bottom = self.last - (window.start or 0), self.last - window.stop
        entries = list(
            JournalEntry.objects.filter(sequence__lte=top, sequence__gt=bottom)
            .order_by("-sequence")
            .only("sequence", "kind", "invoice_id", "figures", "hash", "recorded_at")
        )
        for entry in entries:
            gross = entry.figures.get("total_gross") if isinstance(entry.figures, dict) else None
            entry.gross = _decimal_or_none(gross)
        return entries


def _decimal_or_none(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def _require_journal_reader(request: HttpRequest) -> None:
    if not user_sees_journal(request.user):
        raise Http404


def journal_list(request: HttpRequest) -> HttpResponse:
    _require_journal_reader(request)
    page = Paginator(EntriesBySequence(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "verification": JournalVerification.objects.first()}
    return render(request, "billing/journal.html", context)


@require_POST
def journal_verify_now(request: HttpRequest) -> HttpResponse:
    _require_journal_reader(request)
    from creneau.billing.tasks import verify_journal

    verify_journal.enqueue()
    messages.success(
        request,
        _("Vérification lancée : son résultat s'affiche ici dès qu'elle est terminée."),
    )
    return redirect("billing:journal")
