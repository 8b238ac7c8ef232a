"""The whole API against its own OpenAPI document, with schemathesis, in-process (WSGI).

Every operation of the document gets generated requests, valid and invalid, as the
direction user (who may do everything) on a database holding one object of each kind;
half the path ids are those objects', so that reads and writes reach real rows. A case
fails on any 5xx and on any answer the document does not describe: an undocumented status
code, a body that does not match its schema, another content type. A new route is covered
as soon as it is in the document.

Reproducible: hypothesis is derandomized (a fixed seed per operation), and the number of
cases is fixed, so that the run stays within about a minute.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from creneau.core.api import api
from creneau.core.services import api_token_create
from creneau.core.tests.api_objects import one_of_each

pytestmark = pytest.mark.django_db

# Cases per operation and mode (valid, then invalid data): about 50 operations x 2 x 12.
CASES_PER_MODE = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def objects(direction) -> dict[str, int]:
    return one_of_each(direction)


@pytest.fixture
def schema(settings):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema())
    loaded.app = get_wsgi_application()
    # As Django's test client does: the WSGI handler would otherwise close the test's
    # connection (and its transaction) at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield loaded
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def run_operation(operation, objects, headers, mode, statuses: list[int]) -> None:
    """Generate and send the cases of one operation, noting the status of each answer."""

    @settings(
        max_examples=CASES_PER_MODE,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), real_ids=st.booleans())
    def send(case, real_ids):
        if real_ids and case.path_parameters:
            case.path_parameters = {
                name: objects.get(name, value) for name, value in case.path_parameters.items()
            }
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses.append(response.status_code)

    send()


def test_every_operation_keeps_to_the_openapi_document(schema, objects, direction):
    headers = {"Authorization": f"Bearer {api_token_create(user=direction, name='schemathesis')}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    # Deletions last, so that the other operations reach the objects before they go.
    operations.sort(key=lambda operation: operation.method.upper() == "DELETE")
    statuses: list[int] = []
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            run_operation(operation, objects, headers, mode, statuses)
    assert len(statuses) >= 1000
    # Not only refusals: a good share of the cases read or wrote real rows.
    assert sum(200 <= status < 300 for status in statuses) >= 150
