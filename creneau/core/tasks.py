"""Background tasks of core: sending the outbox's e-mails.

Tasks run on the django-tasks backend set in settings.TASKS (the database queue, worked
by `manage.py db_worker`). They stay thin: the work is in services.
"""

from __future__ import annotations

from django_tasks import task

from creneau.core.services import email_send


@task()
def send_outbox_email(email_id: int) -> str | None:
    """Send one outbox e-mail over SMTP if it is still due (see email_send)."""
    return email_send(email_id=email_id)
