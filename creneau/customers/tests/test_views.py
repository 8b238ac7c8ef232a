"""The customer list, its CSV export, the top search box, creation and families, through
the test client. The record page and its tabs are in test_views_record.py."""

import pytest
from django.core.exceptions import ValidationError

from creneau.core.models import AuditEvent
from creneau.customers.models import Customer, Family, Site
from creneau.customers.services import customer_create, customer_refresh_search
from creneau.customers.tests.factories import CustomerFactory, FamilyFactory, SiteFactory

HTMX_RESULTS = {"HX-Request": "true", "HX-Target": "customer-results"}


def names(response) -> list[str]:
    return [customer.name for customer in response.context["page"]]


def creation(**fields) -> dict:
    data = {
        "name": "Jeanne Martin",
        "kind": "individual",
        "street": "3 rue Oberkampf",
        "postcode": "75011",
        "city": "Paris",
        "country": "FR",
    }
    return {**data, **fields}


# Creation -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_name_and_an_address_create_an_active_customer(rep, client_for):
    response = client_for(rep).post("/customers/new/", creation(), follow=True)
    customer = Customer.objects.get()
    assert response.redirect_chain == [(f"/customers/{customer.pk}/", 302)]
    assert "Client « Jeanne Martin » créé, code C00001." in response.content.decode()
    assert (customer.code, customer.is_active, customer.sales_rep) == ("C00001", True, rep)
    assert customer.street == "3 rue Oberkampf"
    assert AuditEvent.objects.filter(customer_id=customer.pk, action="create").count() == 1


@pytest.mark.django_db
def test_the_first_site_takes_the_billing_address_and_opens_the_sites_tab(rep, client_for):
    response = client_for(rep).post("/customers/new/", creation(first_site="on"))
    customer = Customer.objects.get()
    assert response["Location"] == f"/customers/{customer.pk}/?tab=sites"
    site = customer.sites.get()
    assert (site.name, site.street, site.postcode, site.billing_group) == (
        "Jeanne Martin",
        "3 rue Oberkampf",
        "75011",
        "A",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "postcode",
            "7501",
            "Code postal invalide : un code postal français a 5 chiffres (ex. 75011).",
        ),
        ("phone", "01 23", "Numéro de téléphone invalide."),
        ("mobile", "abcdef", "Numéro de téléphone invalide."),
        ("email", "jeanne@", "Saisissez une adresse de courriel valide."),
        ("street", "", "Ce champ est obligatoire."),
    ],
)
def test_a_bad_value_is_refused_at_its_field_and_nothing_is_saved(
    rep, client_for, field, value, message
):
    response = client_for(rep).post("/customers/new/", creation(**{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    html = response.content.decode()
    assert f'<div class="invalid-feedback d-block">{message}</div>' in html
    assert 'class="form-control is-invalid"' in html or 'is-invalid"' in html
    assert not Customer.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_likely_duplicates_are_shown_then_created_on_confirmation(rep, client_for):
    existing = CustomerFactory(sales_rep=rep, email="jeanne@exemple.fr", name="Autre nom")
    client = client_for(rep)
    data = creation(email="JEANNE@exemple.fr")
    response = client.post("/customers/new/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ce client existe peut-être déjà" in html
    assert f'href="/customers/{existing.pk}/"' in html
    assert "Créer quand même" in html
    assert Customer.objects.count() == 1

    response = client.post("/customers/new/", {**data, "confirmed_duplicates": str(existing.pk)})
    assert response.status_code == 302
    assert Customer.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "same",
    [
        {"phone": "01 45 67 89 01"},  # typed nationally, stored E.164
        {"mobile": "+33 1 45 67 89 01"},
        {"name": "jeanne martin"},  # same name in the same postcode
    ],
)
def test_same_phone_or_same_name_in_postcode_is_a_likely_duplicate(rep, client_for, same):
    CustomerFactory(sales_rep=rep, name="Jeanne Martin", postcode="75011", phone="+33145678901")
    response = client_for(rep).post("/customers/new/", creation(**{"name": "X", **same}))
    assert response.status_code == 200
    assert len(response.context["duplicates"]) == 1


@pytest.mark.django_db
def test_a_confirmation_does_not_cover_a_duplicate_not_yet_shown(rep, client_for):
    first = CustomerFactory(sales_rep=rep, email="jeanne@exemple.fr")
    second = CustomerFactory(sales_rep=rep, phone="+33145678901")
    data = creation(email="jeanne@exemple.fr", phone="0145678901")
    response = client_for(rep).post("/customers/new/", {**data, "confirmed_duplicates": first.pk})
    assert response.status_code == 200
    assert {customer.pk for customer in response.context["duplicates"]} == {first.pk, second.pk}


@pytest.mark.django_db
@pytest.mark.parametrize("confirmed", ["²", "١٢", "12,³"])
def test_a_confirmation_with_non_ascii_digits_is_ignored(rep, client_for, confirmed):
    response = client_for(rep).post(
        "/customers/new/", {**creation(), "confirmed_duplicates": confirmed}
    )
    assert response.status_code == 302
    assert Customer.objects.filter(sales_rep=rep).count() == 1


@pytest.mark.django_db
def test_another_reps_customer_is_not_shown_as_a_duplicate(rep, other_rep, client_for):
    CustomerFactory(sales_rep=other_rep, email="jeanne@exemple.fr")
    response = client_for(rep).post("/customers/new/", creation(email="jeanne@exemple.fr"))
    assert response.status_code == 302
    assert Customer.objects.filter(sales_rep=rep).count() == 1


@pytest.mark.django_db
def test_only_direction_chooses_the_sales_rep(direction, rep, other_rep, client_for):
    client_for(direction).post("/customers/new/", creation(name="A", sales_rep=other_rep.pk))
    assert Customer.objects.get(name="A").sales_rep == other_rep
    client_for(rep).post("/customers/new/", creation(name="B", sales_rep=other_rep.pk))
    assert Customer.objects.get(name="B").sales_rep == rep


@pytest.mark.django_db
def test_a_service_error_shows_at_the_field(rep, client_for, monkeypatch):
    def refuse(**fields):
        raise ValidationError({"city": "Ville inconnue.", "siret": "Refusé."})

    monkeypatch.setattr("creneau.customers.views.create.customer_create", refuse)
    response = client_for(rep).post("/customers/new/", creation())
    form = response.context["form"]
    assert form.errors["city"] == ["Ville inconnue."]
    assert form.non_field_errors() == ["Refusé."]


@pytest.mark.django_db
def test_planner_and_accountant_do_not_create_customers(planner, accountant, client_for):
    for user in (planner, accountant):
        client = client_for(user)
        assert client.get("/customers/new/").status_code == 403
        assert client.post("/customers/new/", creation()).status_code == 403
        assert "Nouveau client" not in client.get("/customers/").content.decode()
    assert not Customer.objects.exists()


# The list -------------------------------------------------------------------------------


@pytest.fixture
def portfolio(rep, other_rep):
    syndics, banks = FamilyFactory(name="Syndics"), FamilyFactory(name="Banques")
    customers = {
        "alpha": CustomerFactory(
            name="Alpha Syndic", family=syndics, sales_rep=rep, kind="business", city="Lyon"
        ),
        "bravo": CustomerFactory(name="Bravo Banque", family=banks, sales_rep=other_rep),
        "charlie": CustomerFactory(name="Charlie Sans Rep", city="Lyon"),
        "delta": CustomerFactory(name="Delta Ancien", sales_rep=rep, is_active=False),
    }
    SiteFactory(customer=customers["charlie"], name="Entrepôt des Marronniers")
    customer_refresh_search(customer=customers["charlie"])
    customers["syndics"], customers["banks"] = syndics, banks
    return customers


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Alpha Syndic", "Bravo Banque", "Charlie Sans Rep"]),
        ("q=marronniers", ["Charlie Sans Rep"]),
        ("q=ALPHA", ["Alpha Syndic"]),
        ("kind=business", ["Alpha Syndic"]),
        ("city=lyon", ["Alpha Syndic", "Charlie Sans Rep"]),
        ("sales_rep=none", ["Charlie Sans Rep"]),
        ("active=0", ["Delta Ancien"]),
        ("active=all", ["Alpha Syndic", "Bravo Banque", "Charlie Sans Rep", "Delta Ancien"]),
        ("family=abc", ["Alpha Syndic", "Bravo Banque", "Charlie Sans Rep"]),  # ignored
        ("sort=-name", ["Charlie Sans Rep", "Bravo Banque", "Alpha Syndic"]),
    ],
)
def test_list_filters_and_sort(direction, client_for, portfolio, query, expected):
    response = client_for(direction).get(f"/customers/?{query}")
    assert response.status_code == 200
    assert names(response) == expected


@pytest.mark.django_db
def test_list_filters_on_family_and_sales_rep(direction, rep, client_for, portfolio):
    client = client_for(direction)
    assert names(client.get(f"/customers/?family={portfolio['banks'].pk}")) == ["Bravo Banque"]
    assert names(client.get(f"/customers/?sales_rep={rep.pk}")) == ["Alpha Syndic"]


@pytest.mark.django_db
def test_a_rep_lists_only_its_customers_and_has_no_sales_rep_filter(rep, client_for, portfolio):
    response = client_for(rep).get("/customers/?active=all")
    assert names(response) == ["Alpha Syndic", "Delta Ancien"]
    assert 'name="sales_rep"' not in response.content.decode()


@pytest.mark.django_db
def test_list_columns_and_count(direction, client_for, portfolio):
    html = client_for(direction).get("/customers/").content.decode()
    alpha = portfolio["alpha"]
    assert "3 clients" in html
    assert f'href="/customers/{alpha.pk}/"' in html
    for text in ("Professionnel", "Syndics", "Claire Commerciale", "Lyon", alpha.code, "Actif"):
        assert text in html
    assert 'name="sales_rep"' in html and "Sans commercial" in html


@pytest.mark.django_db
def test_list_pages_on_the_server(direction, client_for, settings):
    CustomerFactory.create_batch(30)
    client = client_for(direction)
    first = client.get("/customers/")
    assert len(first.context["page"]) == settings.CUSTOMERS_PAGE_SIZE == 25
    html = first.content.decode()
    assert "30 clients" in html and "Page 1 sur 2" in html and "?page=2" in html
    assert len(client.get("/customers/?page=2").context["page"]) == 5
    assert len(client.get("/customers/?page=99").context["page"]) == 5  # the last one


@pytest.mark.django_db
def test_typing_in_the_filters_gets_only_the_results(direction, client_for, portfolio):
    response = client_for(direction).get("/customers/?q=bravo&sort=-name", headers=HTMX_RESULTS)
    html = response.content.decode()
    assert names(response) == ["Bravo Banque"]
    assert "<html" not in html and 'id="customer-filters"' not in html
    # The hidden sort field of the filters follows the sort chosen by a column header.
    assert '<input type="hidden" name="sort" id="id_sort" value="-name" hx-swap-oob="true">' in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.django_db
def test_the_history_restore_request_gets_the_whole_page(direction, client_for):
    headers = {**HTMX_RESULTS, "HX-History-Restore-Request": "true"}
    html = client_for(direction).get("/customers/?q=x", headers=headers).content.decode()
    assert "<html" in html and 'id="customer-filters"' in html


@pytest.mark.django_db
def test_column_headers_sort_and_keep_the_filters(direction, client_for, portfolio):
    html = client_for(direction).get("/customers/?kind=business&sort=name").content.decode()
    assert 'href="/customers/?kind=business&amp;sort=-name"' in html
    assert 'href="/customers/?kind=business&amp;sort=code"' in html


# CSV export ------------------------------------------------------------------------------


def csv_lines(response) -> list[str]:
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())
    return content.decode("utf-8-sig").splitlines()


@pytest.mark.django_db
def test_csv_is_utf8_with_bom_semicolons_and_french_headers(direction, client_for, portfolio):
    response = client_for(direction).get("/customers/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="clients-')
    lines = csv_lines(response)
    assert lines[0].startswith("Code client;Nom;Type;Adresse;Code postal;Ville;Pays;Téléphone")
    assert len(lines) == 4  # active customers, the list's default
    alpha = portfolio["alpha"]
    assert f"{alpha.code};Alpha Syndic;Professionnel;" in lines[1]
    assert ";Syndics;Claire Commerciale;" in lines[1]


@pytest.mark.django_db
def test_csv_exports_the_current_filter(direction, client_for, portfolio):
    lines = csv_lines(client_for(direction).get("/customers/export.csv?city=Lyon&sort=-name"))
    assert [line.split(";")[1] for line in lines[1:]] == ["Charlie Sans Rep", "Alpha Syndic"]


@pytest.mark.django_db
def test_a_reps_csv_has_only_its_customers(rep, client_for, portfolio):
    lines = csv_lines(client_for(rep).get("/customers/export.csv?active=all"))
    assert [line.split(";")[1] for line in lines[1:]] == ["Alpha Syndic", "Delta Ancien"]


@pytest.mark.django_db
def test_csv_cells_never_start_a_formula(direction, client_for):
    CustomerFactory(name='=HYPERLINK("http://x")', phone="+33145678901")
    lines = csv_lines(client_for(direction).get("/customers/export.csv"))
    assert ';"\'=HYPERLINK(""http://x"")";' in lines[1]
    assert ";01 45 67 89 01;" in lines[1]


# The top search box ----------------------------------------------------------------------


@pytest.mark.django_db
def test_quick_search_suggests_visible_customers_only(rep, other_rep, client_for):
    mine = CustomerFactory(name="Boulangerie Dupont", sales_rep=rep, is_active=False)
    CustomerFactory(name="Dupont Frères", sales_rep=other_rep)
    html = client_for(rep).get("/customers/quick-search/?q=dupont").content.decode()
    assert f'href="/customers/{mine.pk}/"' in html
    assert "Inactif" in html
    assert "Dupont Frères" not in html
    assert 'href="/customers/?q=dupont&amp;active=all"' in html


@pytest.mark.django_db
def test_quick_search_shows_at_most_eight(direction, client_for):
    CustomerFactory.create_batch(10, name="Résidence Commune")
    html = client_for(direction).get("/customers/quick-search/?q=residence").content.decode()
    assert html.count('href="/customers/') == 8 + 1  # and "see all results"


@pytest.mark.django_db
def test_quick_search_by_phone_and_short_queries(direction, client_for):
    customer = CustomerFactory(phone="+33145678901")
    client = client_for(direction)
    html = client.get("/customers/quick-search/?q=01 45 67 89").content.decode()
    assert f'href="/customers/{customer.pk}/"' in html
    assert client.get("/customers/quick-search/?q=a").content == b""
    nothing = client.get("/customers/quick-search/?q=zzzz").content.decode()
    assert "Aucun client ne correspond à « zzzz »." in nothing


@pytest.mark.django_db
def test_every_page_has_the_search_box_wired_to_quick_search(planner, client_for):
    html = client_for(planner).get("/customers/").content.decode()
    assert 'hx-get="/customers/quick-search/"' in html
    assert 'hx-target="#global-search-results"' in html


# Families --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_direction_adds_renames_and_deletes_families(direction, client_for):
    client = client_for(direction)
    response = client.post("/customers/families/", {"name": "Syndics"}, follow=True)
    assert "Famille « Syndics » ajoutée." in response.content.decode()
    family = Family.objects.get()
    customer = CustomerFactory(family=family)

    duplicate = client.post("/customers/families/", {"name": "syndics"})
    assert "Une famille porte déjà ce nom." in duplicate.content.decode()

    htmx = {"HX-Request": "true"}
    form = client.get(f"/customers/families/{family.pk}/rename/", headers=htmx).content.decode()
    assert "<html" not in form and 'value="Syndics"' in form
    client.post(f"/customers/families/{family.pk}/rename/", {"name": "Syndics de copro"})
    family.refresh_from_db()
    assert family.name == "Syndics de copro"

    response = client.post(f"/customers/families/{family.pk}/delete/", follow=True)
    assert "ses clients n&#x27;ont plus de famille" in response.content.decode()
    customer.refresh_from_db()
    assert customer.family is None


@pytest.mark.django_db
def test_renaming_to_an_empty_name_is_refused_in_place(direction, client_for):
    family = FamilyFactory(name="Banques")
    response = client_for(direction).post(
        f"/customers/families/{family.pk}/rename/", {"name": ""}, headers={"HX-Request": "true"}
    )
    assert "Ce champ est obligatoire." in response.content.decode()
    family.refresh_from_db()
    assert family.name == "Banques"


@pytest.mark.django_db
def test_only_direction_manages_families(rep, planner, accountant, direction, client_for):
    family = FamilyFactory()
    for user in (rep, planner, accountant):
        client = client_for(user)
        assert client.get("/customers/families/").status_code == 403
        assert client.post("/customers/families/", {"name": "X"}).status_code == 403
        assert client.post(f"/customers/families/{family.pk}/rename/").status_code == 403
        assert client.post(f"/customers/families/{family.pk}/delete/").status_code == 403
        assert "Familles de clients" not in client.get("/customers/").content.decode()
    assert Family.objects.count() == 1
    menu = client_for(direction).get("/customers/families/").content.decode()
    assert '<a class="nav-link active" href="/customers/families/">' in menu
    assert '<a class="nav-link" href="/customers/">' in menu


# Query counts ----------------------------------------------------------------------------


@pytest.fixture
def many_customers(direction, rep, other_rep):
    """30 customers with families, reps, sites, contacts and some history."""
    from creneau.customers.tests.factories import ContactFactory

    families = [FamilyFactory(name=f"Famille {index}") for index in range(3)]
    reps = [rep, other_rep, None]
    customers = []
    for index in range(30):
        customer = CustomerFactory(family=families[index % 3], sales_rep=reps[index % 3])
        for number in range(3):
            SiteFactory(customer=customer, billing_group="AB"[number % 2])
        ContactFactory.create_batch(2, customer=customer)
        customers.append(customer)
    return customers


@pytest.mark.django_db
def test_the_list_does_not_grow_queries_with_its_rows(
    direction, client_for, many_customers, django_assert_max_num_queries
):
    client = client_for(direction)
    with django_assert_max_num_queries(10):
        response = client.get("/customers/?sort=city")
    assert len(response.context["page"]) == 25
    with django_assert_max_num_queries(6):
        client.get("/customers/?q=a&sort=-name", headers=HTMX_RESULTS)
    with django_assert_max_num_queries(7):
        lines = csv_lines(client.get("/customers/export.csv?active=all"))
    assert len(lines) == 31
    with django_assert_max_num_queries(5):
        client.get("/customers/quick-search/?q=paris")


@pytest.mark.django_db
def test_creation_form_queries(direction, client_for, django_assert_max_num_queries):
    client = client_for(direction)
    with django_assert_max_num_queries(8):
        client.get("/customers/new/")


@pytest.mark.django_db
def test_creation_through_the_page_matches_the_service(direction, client_for):
    """The page adds nothing of its own: the same fields give the same customer."""
    client_for(direction).post("/customers/new/", creation(phone="01 45 67 89 01"))
    by_service = customer_create(by=direction, **{**creation(), "phone": "01 45 67 89 01"})
    by_page = Customer.objects.exclude(pk=by_service.pk).get()
    for field in ("name", "kind", "street", "postcode", "city", "phone", "sales_rep"):
        assert getattr(by_page, field) == getattr(by_service, field)
    assert not Site.objects.exists()
