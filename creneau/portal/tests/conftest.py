"""Portal fixtures: accesses, and a test client logged in to the portal (its own
session keys, as creneau.portal.auth.portal_login writes them)."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from creneau.portal.auth import SESSION_HASH_KEY, SESSION_SEEN_KEY, SESSION_USER_KEY
from creneau.portal.models import PortalUser
from creneau.portal.tests.factories import PortalUserFactory


def portal_client(user: PortalUser) -> Client:
    client = Client()
    session = client.session
    session[SESSION_USER_KEY] = user.pk
    session[SESSION_HASH_KEY] = user.get_session_auth_hash()
    session[SESSION_SEEN_KEY] = int(time.time() // 60)
    session.save()
    return client


@pytest.fixture
def portal_client_for():
    return portal_client


@pytest.fixture
def portal_user(db) -> PortalUser:
    """An account-level access (the customer's whole account)."""
    return PortalUserFactory()
