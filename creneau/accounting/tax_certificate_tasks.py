"""Background tasks of the tax certificates: a year's PDFs after a generation, and the
sending of a year's certificates still to send."""

from __future__ import annotations

from django_tasks import task


@task()
def render_tax_certificate_pdfs(year: int) -> int:
    """The PDFs of the year's certificates that have none; returns how many were made."""
    from creneau.accounting.tax_certificate_services import tax_certificate_pdfs_render

    return tax_certificate_pdfs_render(year=year)


@task()
def send_tax_certificates(year: int, user_id: int | None = None) -> list[int]:
    """E-mail the year's certificates still to send; returns [sent, unreachable, failed]."""
    from django.contrib.auth.models import User

    from creneau.accounting.tax_certificate_sending import tax_certificates_send_year

    by = User.objects.filter(pk=user_id).first() if user_id else None
    return list(tax_certificates_send_year(year=year, by=by))
