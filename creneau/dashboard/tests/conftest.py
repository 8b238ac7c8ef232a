import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _dashboard_cache_empty():
    """A rolled-back test leaves its versions at 0 again: its cached figures must not
    answer the next test."""
    cache.clear()
    yield
    cache.clear()
