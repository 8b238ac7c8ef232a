"""Numbers too large for the database answer 422, never a 500 (quotes and site prices)."""

import pytest

TOO_BIG = "9" * 30


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/quotes?offset=10000000000000000000",
        f"/api/v1/quotes?customer={TOO_BIG}",
        f"/api/v1/site-prices?site={TOO_BIG}",
        f"/api/v1/site-prices?service={TOO_BIG}",
    ],
)
def test_huge_numbers_in_query_strings_answer_422(api_for, direction, path):
    response = api_for(direction).get(path)
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "Valeur trop grande."
