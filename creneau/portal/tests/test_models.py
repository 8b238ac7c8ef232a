"""PortalUser's own rules."""

import pytest

from creneau.customers.tests.factories import CustomerFactory
from creneau.portal import services


@pytest.mark.django_db
def test_an_access_keeps_its_email_through_full_clean():
    """AbstractBaseUser.clean() would write get_username() ("portail:<e-mail>", the name
    axes counts under) into the e-mail field."""
    user = services.portal_access_create(
        customer=CustomerFactory(), email=" Elise@Example.COM ", by=None
    )
    user.refresh_from_db()
    assert user.email == "elise@example.com"
    assert user.get_username() == "portail:elise@example.com"
    user.full_clean()
    assert user.email == "elise@example.com"
