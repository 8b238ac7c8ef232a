"""Making a year's certificate PDFs in several processes (the command's --jobs, the bench):
Typst lays one document out on one CPU, so N processes make N at a time.

No Django import at module level: a spawned worker unpickles these functions before
Django is set up, which `worker_setup` then does with the parent's environment (the same
settings and database)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor


def worker_setup() -> None:
    import django

    django.setup()


def render_slice(year: int, ids: list[int]) -> int:
    from creneau.accounting.tax_certificate_services import tax_certificate_pdfs_render

    return tax_certificate_pdfs_render(year=year, ids=ids)


def render_in_processes(year: int, ids: list[int], jobs: int) -> int:
    """Split `ids` over `jobs` spawned processes; returns how many PDFs were made."""
    from django.db import connections

    connections.close_all()  # each process opens its own
    slices = [ids[index::jobs] for index in range(jobs)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=worker_setup) as pool:
        return sum(pool.map(render_slice, [year] * jobs, slices))
