"""gunicorn settings of the portal load test (bench/portal_load.py passes them with
`-c python:bench.portal_gunicorn`): each request's CPU time in its worker.

A request's CPU time (time.thread_time() from gunicorn's pre_request to post_request:
middleware, view, queries' Python side, template, writing the answer) does not grow when
other processes take the machine's cores, unlike its wall time; PostgreSQL's own work is
not in it. One line per request, "<method> <path> <query> <ms>", in a file per worker
under PORTAL_LOAD_CPU_DIR.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def pre_request(worker, request) -> None:
    request.cpu_started = time.thread_time()


def post_request(worker, request, environ, response) -> None:
    folder = os.environ.get("PORTAL_LOAD_CPU_DIR")
    started = getattr(request, "cpu_started", None)
    if not folder or started is None:
        return
    milliseconds = (time.thread_time() - started) * 1000
    line = f"{request.method} {request.path} {request.query or '-'} {milliseconds:.2f}\n"
    with (Path(folder) / f"cpu-{os.getpid()}.log").open("a") as log:
        log.write(line)
