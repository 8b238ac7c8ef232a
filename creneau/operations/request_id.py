"""The id of the request (or task) being served, for every log line written meanwhile."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy or a load balancer may send (nginx's $request_id, a UUID, an AWS trace id):
# printable and short. Anything else is replaced, so that a log line never carries a
# stranger's megabyte or a forged line break.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:;=+/@-]{1,128}")

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


def request_id_from(header_value: str | None) -> str:
    """The request id a client or proxy sent if it is sane, else a new one (32 hex digits)."""
    if header_value and SANE_REQUEST_ID.fullmatch(header_value):
        return header_value
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (None outside a request or a task), so that the
    formatters can print it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


def request_id_forget(**_kwargs) -> None:
    """request_started and request_finished: no id outside a request (the next one of the
    same thread gets its own)."""
    current_request_id.set(None)


# Tasks: their log lines carry "task-<id>". Tokens by task id, so that a task run inside a
# request (the immediate backend) gives the request its id back when it ends.
_task_tokens: dict[str, object] = {}


def task_id_on_start(*, task_result, **_kwargs) -> None:
    _task_tokens[str(task_result.id)] = current_request_id.set(f"task-{task_result.id}")


def task_id_on_finish(*, task_result, **_kwargs) -> None:
    token = _task_tokens.pop(str(task_result.id), None)
    if token is not None:
        try:
            current_request_id.reset(token)
        except ValueError:  # set in another context: leave it
            current_request_id.set(None)
