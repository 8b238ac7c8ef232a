"""The dashboard's only table: a version counter per topic of data it reads."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from creneau.core.models import CleanTextMixin


class DataVersion(CleanTextMixin, models.Model):
    """How many committed writes a topic of data (invoices, payments, visits) has seen:
    the dashboard's cached figures are keyed by the versions of what they read, so that a
    write makes exactly those figures recomputed, at once."""

    topic = models.CharField(_("données"), max_length=20, primary_key=True)
    version = models.BigIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("version des données")
        verbose_name_plural = _("versions des données")

    def __str__(self) -> str:
        return f"{self.topic} v{self.version}"
