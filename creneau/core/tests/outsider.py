"""Core's URLs of a user's own data, for the outsider test (creneau/tests/test_outsider.py):
an API token is its owner's (and direction's) only; anyone else gets 404."""

from creneau.core.models import ApiToken
from creneau.core.services import api_token_create


def build(customer, owner) -> dict:
    key = api_token_create(user=owner, name="Script", by=owner)
    return {"token": ApiToken.objects.get(key_hash=ApiToken.hash(key))}


def pages(objects) -> list[tuple[str, str]]:
    return [("post", f"/account/tokens/{objects['token'].pk}/revoke/")]


def api(objects) -> list[tuple[str, str]]:
    return []
