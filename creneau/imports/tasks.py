"""Background tasks of imports: the reading of a workbook, the check (preview) and the
import itself."""

from __future__ import annotations

from django_tasks import task


@task()
def convert_import(batch_id: int) -> None:
    """Read the uploaded workbook into a CSV (imports.services.batch_convert)."""
    from creneau.imports.services import batch_convert, batch_fail

    try:
        batch_convert(batch_id=batch_id)
    except Exception as error:
        batch_fail(batch_id=batch_id, error=f"{type(error).__name__}: {error}")
        raise


@task()
def check_import(batch_id: int) -> None:
    """Check the file and write the report (imports.services.batch_check)."""
    from creneau.imports.services import batch_check, batch_fail

    try:
        batch_check(batch_id=batch_id)
    except Exception as error:
        batch_fail(batch_id=batch_id, error=f"{type(error).__name__}: {error}")
        raise


@task()
def execute_import(batch_id: int) -> None:
    """Write the file, all or nothing (imports.writer.batch_execute); a refusal or a
    failure is recorded on the import, which then wrote nothing."""
    from creneau.imports.services import batch_fail
    from creneau.imports.writer import ImportRefused, batch_execute

    try:
        batch_execute(batch_id=batch_id)
    except ImportRefused as refusal:
        batch_fail(batch_id=batch_id, error=str(refusal))
    except Exception as error:
        batch_fail(batch_id=batch_id, error=f"{type(error).__name__}: {error}")
        raise
