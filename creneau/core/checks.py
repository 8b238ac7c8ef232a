"""System checks (`manage.py check`) for what the machine must provide."""

from __future__ import annotations

from typing import Any

from django.core import checks


@checks.register()
def pdf_font_subsetter_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """WeasyPrint subsets fonts with HarfBuzz when libharfbuzz-subset0 is installed, and
    falls back to fontTools otherwise: every PDF then takes about twice as long."""
    from weasyprint.text.ffi import harfbuzz_subset

    if harfbuzz_subset is not None:
        return []
    return [
        checks.Warning(
            "libharfbuzz-subset is missing: PDF documents render about twice as slowly.",
            hint="Install the Debian package libharfbuzz-subset0 (see docs/pdf.md).",
            id="core.W001",
        )
    ]
