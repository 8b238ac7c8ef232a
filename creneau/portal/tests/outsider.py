"""The office's portal URLs (the record's "Portail" tab and the portal-accesses API), for
the outsider test (creneau/tests/test_outsider.py). The portal's own pages (/portail/)
are walked with another customer's ids by the portal's tests."""

from creneau.portal.tests.factories import PortalUserFactory


def build(customer, owner) -> dict:
    return {"customer": customer, "portal_user": PortalUserFactory(customer=customer)}


def pages(objects) -> list[tuple[str, str]]:
    record = f"/customers/{objects['customer'].pk}/portail"
    access = f"{record}/acces/{objects['portal_user'].pk}"
    return [
        ("get", f"{record}/"),
        ("post", f"{record}/acces/"),
        *(
            ("post", f"{access}/{action}/")
            for action in ("invitation", "desactiver", "debloquer", "supprimer")
        ),
    ]


def api(objects) -> list[tuple[str, str]]:
    url = f"/api/v1/customers/{objects['customer'].pk}/portal-accesses"
    return [("get", url), ("post", url), ("delete", f"{url}/{objects['portal_user'].pk}")]
