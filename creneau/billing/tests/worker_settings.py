"""Settings of the task worker that test_runs_worker.py starts and kills: small batches,
so that the run is killed between two of them or in the middle of one."""

from config.settings import *  # noqa: F403

BILLING_RUN_BATCH_SIZE = 25
