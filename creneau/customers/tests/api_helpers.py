"""Helpers shared by the API tests of the customer record."""

VALID_IBAN = "FR7630006000011234567890189"


def customer_body(**changes) -> dict:
    body = {
        "name": "Martine Durand",
        "kind": "individual",
        "billing_address": {"street": "12 rue Oberkampf", "postcode": "75011", "city": "Paris"},
    }
    body.update(changes)
    return body


def errors_by_field(response) -> dict[str, str]:
    """{field: its messages, joined}, from a 422 answer."""
    assert response.status_code == 422, response.content
    errors: dict[str, list[str]] = {}
    for error in response.json()["detail"]:
        errors.setdefault(error["field"], []).append(error["msg"])
    return {field: " ".join(messages) for field, messages in errors.items()}


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}
