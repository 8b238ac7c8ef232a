"""More than one machine, on loopback (bench/scale_out.py at a small size): two gunicorn
instances behind HAProxy, two task workers, PostgreSQL and S3 (moto's server). A billing
run is issued through the API and e-mailed while portal customers log in and browse;
nothing is billed twice, no e-mail is lost, no file is missing, and the work is shared.

PostgreSQL only (several processes on one SQLite file is the one-machine setup); about a
minute."""

from __future__ import annotations

import pytest
from django.db import connection, connections
from django.utils import timezone

from bench.scale_out import outcome_lines, scale_out_run
from bench.scale_out_cluster import TEST_PORTS, Cluster, haproxy_available
from bench.scale_out_data import scale_out_generate

CUSTOMERS = 20
PORTAL_USERS = 8


def database_url() -> str:
    database = connection.settings_dict
    user = database["USER"] or "postgres"
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    host = database["HOST"] or "127.0.0.1"
    port = database["PORT"] or 5432
    return f"postgresql://{user}{password}@{host}:{port}/{database['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_two_instances_and_two_workers_bill_send_and_store_once(settings):
    if connection.vendor != "postgresql":
        pytest.skip("several machines share PostgreSQL")
    if not haproxy_available():
        pytest.skip("HAProxy is not installed (apt-get install haproxy)")
    # Batches of 5: the PDFs and the e-mails are many tasks, for both workers to share.
    data = scale_out_generate(
        customers=CUSTOMERS, portal_users=PORTAL_USERS, today=timezone.localdate()
    )
    connections.close_all()
    cluster = Cluster(database_url=database_url(), ports=TEST_PORTS, batch_size=5)
    with cluster:
        outcome = scale_out_run(cluster, data, seconds=15, users=PORTAL_USERS, ramp=3, timeout=90)
        report = "\n".join(
            outcome_lines(outcome, customers=CUSTOMERS, users=PORTAL_USERS, seconds=15)
        )
        print(report)
        logs = {name: cluster.log_tail(name) for name in ("web1", "web2", "worker-a", "worker-b")}
    assert outcome.problems == [], (
        report + "\n" + "\n".join(f"--- {name}\n{text}" for name, text in logs.items())
    )
    assert outcome.invoices >= CUSTOMERS
    assert outcome.portal_stats.logged_in == PORTAL_USERS
    assert all(count > 0 for count in outcome.requests_per_instance.values())
    assert set(outcome.tasks_per_worker) == {"worker-a", "worker-b"}
