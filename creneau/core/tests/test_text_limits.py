"""Every text has a maximum length, in the models, the forms and the API (issue 9): a quote
line once took a megabyte, and its PDF 50 seconds and 180 pages."""

import importlib
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.core.validators import MaxLengthValidator
from django.db import models

import creneau
from creneau.catalog.models import SERVICE_DESCRIPTION_MAX_LENGTH, Service
from creneau.core.models import CleanTextMixin
from creneau.core.text import INVISIBLE_CHARACTERS
from creneau.customers.documents.files import clean_name
from creneau.customers.tests.factories import CustomerFactory
from creneau.quotes.models import QuoteLine

# Built by the application from bounded fields, never typed: the search text of a customer
# holds its name, its address and those of all its sites.
DERIVED = {"customers.Customer.search_text"}


def project_text_fields():
    for model in apps.get_models():
        if not model.__module__.startswith("creneau."):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                yield model, field


def test_the_walk_finds_the_models_of_every_app():
    found = {model._meta.app_label for model, _field in project_text_fields()}
    assert {"core", "customers", "catalog", "quotes"} <= found


def test_every_text_field_of_every_model_has_a_max_length_that_full_clean_enforces():
    missing = []
    for model, field in project_text_fields():
        name = f"{model._meta.label}.{field.name}"
        if name in DERIVED:
            continue
        enforced = any(
            isinstance(validator, MaxLengthValidator) and validator.limit_value == field.max_length
            for validator in field.validators
        )
        if field.max_length is None or not enforced:
            missing.append(name)
    assert missing == []


def test_every_model_with_text_removes_the_invisible_characters():
    models_with_text = {model for model, _field in project_text_fields()}
    assert [m._meta.label for m in models_with_text if not issubclass(m, CleanTextMixin)] == []


def test_a_service_fits_in_the_quote_line_it_starts():
    """A service line starts as the label, a line break and the description."""
    label = Service._meta.get_field("label").max_length
    line = QuoteLine._meta.get_field("description").max_length
    assert label + 1 + SERVICE_DESCRIPTION_MAX_LENGTH <= line


# Forms ----------------------------------------------------------------------------------


def project_form_classes():
    root = Path(creneau.__file__).parent
    for path in sorted(root.rglob("forms*.py")):
        module_name = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == module_name
            ):
                yield value


def drawn_fields(form_class) -> dict[str, forms.Field]:
    """The fields as drawn when the form needs no argument (some are added then), else
    as declared."""
    try:
        return form_class().fields
    except TypeError:
        return form_class.base_fields


@pytest.mark.django_db
def test_every_text_field_of_every_form_has_a_max_length():
    classes = list(project_form_classes())
    assert len(classes) > 15
    missing = [
        f"{form_class.__module__}.{form_class.__name__}.{name}"
        for form_class in classes
        for name, field in drawn_fields(form_class).items()
        if isinstance(field, forms.CharField) and field.max_length is None
    ]
    assert missing == []


# API ------------------------------------------------------------------------------------


def unbounded_strings(schema: dict, document: dict, where: str) -> list[str]:
    """The places in a JSON schema where a text of any length is accepted."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return unbounded_strings(document["components"]["schemas"][name], document, where)
    found = []
    branches = schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", [])
    # pydantic writes a Decimal as "a number, or a string" (a pattern bounds it once the
    # API declares decimals as strings with a pattern).
    numeric = any(branch.get("type") == "number" for branch in branches)
    for branch in branches:
        if not (numeric and branch.get("type") == "string"):
            found += unbounded_strings(branch, document, where)
    if schema.get("type") == "string":
        bounded = {"maxLength", "enum", "const", "format", "pattern"} & set(schema)
        if not bounded:
            found.append(where)
    for name, prop in schema.get("properties", {}).items():
        found += unbounded_strings(prop, document, f"{where}.{name}")
    if isinstance(schema.get("items"), dict):
        found += unbounded_strings(schema["items"], document, f"{where}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        found += unbounded_strings(schema["additionalProperties"], document, f"{where}.*")
    return found


def test_every_text_the_api_takes_has_a_max_length(api_for, direction):
    document = api_for(direction).get("/api/v1/openapi.json").json()
    found, inputs = [], 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            for content in operation.get("requestBody", {}).get("content", {}).values():
                inputs += 1
                found += unbounded_strings(content["schema"], document, f"{where} body")
            for parameter in operation.get("parameters", []):
                inputs += 1
                found += unbounded_strings(
                    parameter["schema"], document, f"{where} {parameter['name']}"
                )
    assert inputs > 30
    assert found == []


# Search boxes ---------------------------------------------------------------------------

SEARCH_PAGES = [
    "/customers/",
    "/customers/quick-search/",
    "/quotes/",
    "/quotes/new/customers/",
    "/invoices/",
    "/invoices/new/customers/",
    "/catalog/",
    "/settings/emails/",
    "/planning/schedules/new/sites/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["abc " * 1000, "a " * 2000, "é" * 4000])
def test_a_search_of_a_thousand_words_answers_the_page(direction, client_for, query):
    """A URL of 4,000 characters passes gunicorn; the search reads its first 200 (SQLite
    refused the condition a thousand words made: a 500)."""
    CustomerFactory(name="Dupont SA")
    client = client_for(direction)
    for url in SEARCH_PAGES:
        assert client.get(url, {"q": query}).status_code == 200, url


def test_file_names_lose_every_invisible_character_other_texts_lose():
    invisible = [chr(code) for code in range(0x200B, 0x2070)]
    invisible = [char for char in invisible if INVISIBLE_CHARACTERS.match(char)] + ["\ufeff"]
    assert len(invisible) == 15
    for char in invisible:
        assert clean_name(f"rib{char}.pdf") == "rib.pdf"
