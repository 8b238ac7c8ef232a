"""Staff accounts: direction creates them, gives a role, resets a password, deactivates."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.test import Client

from creneau.core.models import AuditEvent
from creneau.core.roles import Role, role_given
from creneau.core.staff import staff_create, staff_set_active, staff_set_password, staff_update

GOOD_PASSWORD = "Planning-du-lundi-42"


def role_groups(user: User) -> list[str]:
    return sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True))


# --- services -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_create_gives_one_role_and_hashes_the_password(direction):
    user = staff_create(
        by=direction,
        username=" Marie ",
        password=GOOD_PASSWORD,
        role=Role.PLANNER,
        first_name="Marie",
        last_name="Martin",
        email="marie@EXAMPLE.FR",
    )
    assert user.username == "Marie"
    assert user.email == "marie@example.fr"
    assert user.is_active and not user.is_staff and not user.is_superuser
    assert user.check_password(GOOD_PASSWORD)
    assert role_groups(user) == ["planner"]
    event = AuditEvent.objects.get(object_type="user", action=AuditEvent.Action.CREATE)
    assert event.actor == direction
    assert event.changes["role"] == [None, "planner"]
    assert "password" not in event.changes
    assert GOOD_PASSWORD not in str(event.changes)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"password": "court"}, "password", "trop court"),
        ({"password": "12345678901234"}, "password", "entièrement numérique"),
        ({"password": "motdepasse"}, "password", "trop courant"),
        ({"password": "marie.martin", "username": "marie.martin"}, "password", "trop semblable"),
        ({"role": "boss"}, "role", "Choisissez un rôle."),
        ({"username": "DIRECTION"}, "username", "déjà pris"),
        ({"username": "direction"}, "username", "existe déjà"),
        ({"username": "marie martin"}, "username", "utilisateur valide"),
        ({"email": "marie@"}, "email", "adresse de courriel valide"),
    ],
)
def test_staff_create_refuses_bad_input_and_saves_nothing(direction, fields, field, message):
    arguments = {"username": "marie", "password": GOOD_PASSWORD, "role": Role.SALES, **fields}
    count = User.objects.count()
    with pytest.raises(ValidationError) as error:
        staff_create(by=direction, **arguments)
    assert message in " ".join(error.value.message_dict[field])
    assert User.objects.count() == count
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_staff_update_changes_the_role_and_records_it(direction, rep):
    Group.objects.create(name="newsletter").user_set.add(rep)
    staff_update(user=rep, by=direction, role=Role.ACCOUNTANT, first_name=" Claire ")
    rep.refresh_from_db()
    assert role_groups(rep) == ["accountant"]
    assert rep.groups.filter(name="newsletter").exists()  # groups that are not roles stay
    assert rep.first_name == "Claire"
    event = AuditEvent.objects.get(object_type="user")
    assert event.changes == {"role": ["sales", "accountant"]}


@pytest.mark.django_db
def test_direction_cannot_drop_its_own_role(direction, make_user):
    make_user("direction2", Role.DIRECTION)
    with pytest.raises(ValidationError) as error:
        staff_update(user=direction, by=direction, role=Role.SALES)
    assert "votre propre rôle" in error.value.message_dict["role"][0]
    assert role_groups(direction) == ["direction"]


@pytest.mark.django_db
def test_the_last_direction_account_keeps_its_role(direction, make_user):
    other = make_user("direction2", Role.DIRECTION)
    staff_set_active(user=direction, by=other, active=False)
    with pytest.raises(ValidationError) as error:
        staff_update(user=other, by=None, role=Role.SALES)  # e.g. from a script
    assert "au moins un utilisateur actif de la direction" in error.value.message_dict["role"][0]
    other.refresh_from_db()
    assert role_given(other) == Role.DIRECTION


@pytest.mark.django_db
def test_a_superuser_role_is_not_changed_here(direction, make_user):
    admin = make_user("admin", None, is_superuser=True)
    with pytest.raises(ValidationError, match="super-utilisateur"):
        staff_update(user=admin, by=direction, role=Role.SALES)


@pytest.mark.django_db
def test_staff_set_password_validates_and_records_without_the_password(direction, rep):
    with pytest.raises(ValidationError) as error:
        staff_set_password(user=rep, by=direction, password="123")
    assert "password" in error.value.message_dict
    rep.refresh_from_db()
    assert rep.check_password("secret-pass-1")
    staff_set_password(user=rep, by=direction, password=GOOD_PASSWORD)
    rep.refresh_from_db()
    assert rep.check_password(GOOD_PASSWORD)
    event = AuditEvent.objects.get(object_type="user")
    assert event.message == "Mot de passe réinitialisé"
    assert event.changes == {}


@pytest.mark.django_db
def test_deactivation_keeps_customers_and_history(direction, rep):
    from creneau.customers.tests.factories import CustomerFactory

    customer = CustomerFactory(sales_rep=rep)
    staff_set_active(user=rep, by=direction, active=False)
    rep.refresh_from_db()
    customer.refresh_from_db()
    assert not rep.is_active
    assert customer.sales_rep == rep
    assert role_groups(rep) == ["sales"]  # reactivation gives the same role back
    event = AuditEvent.objects.get(object_type="user")
    assert (event.action, event.changes) == ("deactivate", {"is_active": [True, False]})
    staff_set_active(user=rep, by=direction, active=True)
    rep.refresh_from_db()
    assert rep.is_active
    assert AuditEvent.objects.filter(object_type="user").first().action == "update"


@pytest.mark.django_db
def test_direction_cannot_deactivate_itself(direction, make_user):
    make_user("direction2", Role.DIRECTION)
    with pytest.raises(ValidationError, match="votre propre compte"):
        staff_set_active(user=direction, by=direction, active=False)
    direction.refresh_from_db()
    assert direction.is_active


@pytest.mark.django_db
def test_the_last_active_direction_account_cannot_be_deactivated(direction, make_user):
    other = make_user("direction2", Role.DIRECTION)
    staff_set_active(user=other, by=direction, active=False)
    with pytest.raises(ValidationError, match="au moins un utilisateur actif"):
        staff_set_active(user=direction, by=None, active=False)  # e.g. from a script
    direction.refresh_from_db()
    assert direction.is_active


@pytest.mark.django_db
def test_a_superuser_counts_as_direction(direction, make_user):
    make_user("admin", None, is_superuser=True)
    staff_set_active(user=direction, by=None, active=False)
    direction.refresh_from_db()
    assert not direction.is_active


# --- pages ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_shows_each_account_with_its_role(direction, rep, planner, client_for):
    staff_set_active(user=planner, by=direction, active=False)
    page = client_for(direction).get("/settings/staff/").content.decode()
    for text in ("Claire Commerciale", "commercial1", "Commercial", "Planning", "Désactivé"):
        assert text in page
    assert "jamais" in page


@pytest.mark.django_db
def test_the_list_is_one_query_for_the_accounts(
    direction, make_user, client_for, django_assert_max_num_queries
):
    for number in range(10):
        make_user(f"user{number}", Role.SALES)
    client = client_for(direction)
    with django_assert_max_num_queries(8):
        assert client.get("/settings/staff/").status_code == 200


@pytest.mark.django_db
def test_direction_creates_an_account_that_can_log_in(direction, client_for):
    response = client_for(direction).post(
        "/settings/staff/new/",
        {
            "username": "marie",
            "first_name": "Marie",
            "last_name": "Martin",
            "email": "marie@example.fr",
            "role": "planner",
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/settings/staff/"
    marie = User.objects.get(username="marie")
    assert role_groups(marie) == ["planner"]
    login = Client().post("/login/", {"username": "marie", "password": GOOD_PASSWORD})
    assert login.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password2": "Autre-chose-42"}, "password2", "ne correspondent pas"),
        ({"password1": "court", "password2": "court"}, "password1", "trop court"),
        ({"role": ""}, "role", "obligatoire"),
        ({"username": "direction"}, "username", "existe déjà"),
        ({"email": "marie@"}, "email", "courriel valide"),
    ],
)
def test_the_create_page_shows_errors_at_the_field(direction, client_for, changes, field, message):
    data = {
        "username": "marie",
        "role": "sales",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        **changes,
    }
    response = client_for(direction).post("/settings/staff/new/", data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert 'class="form-control is-invalid"' in response.content.decode() or field == "role"
    assert not User.objects.filter(username="marie").exists()


@pytest.mark.django_db
def test_direction_edits_names_email_and_role(direction, rep, client_for):
    response = client_for(direction).post(
        f"/settings/staff/{rep.pk}/",
        {
            "first_name": "Claire",
            "last_name": "Durand",
            "email": "claire@example.fr",
            "role": "planner",
        },
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert (rep.last_name, rep.email, role_groups(rep)) == (
        "Durand",
        "claire@example.fr",
        ["planner"],
    )


@pytest.mark.django_db
def test_the_edit_page_refuses_dropping_ones_own_role(direction, client_for):
    response = client_for(direction).post(
        f"/settings/staff/{direction.pk}/", {"first_name": "Diane", "role": "sales"}
    )
    assert response.status_code == 200
    assert "votre propre rôle" in response.context["form"].errors["role"][0]


@pytest.mark.django_db
def test_direction_resets_a_password_which_also_lifts_a_lockout(
    direction, rep, client_for, settings
):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/login/", {"username": "commercial1", "password": "wrong"})
    assert (
        Client()
        .post("/login/", {"username": "commercial1", "password": "secret-pass-1"})
        .status_code
        == 429
    )
    response = client_for(direction).post(
        f"/settings/staff/{rep.pk}/password/",
        {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )
    assert response["Location"] == f"/settings/staff/{rep.pk}/"
    login = Client().post("/login/", {"username": "commercial1", "password": GOOD_PASSWORD})
    assert login.status_code == 302


@pytest.mark.django_db
def test_direction_changing_its_own_password_stays_logged_in(direction, client_for):
    client = client_for(direction)
    client.post(
        f"/settings/staff/{direction.pk}/password/",
        {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )
    assert client.get("/settings/staff/").status_code == 200


@pytest.mark.django_db
def test_a_deactivated_user_is_logged_out_and_cannot_log_in(direction, rep, client_for):
    rep_session = client_for(rep)
    response = client_for(direction).post(
        f"/settings/staff/{rep.pk}/active/", {"active": "0"}, follow=True
    )
    assert "Compte « commercial1 » désactivé." in response.content.decode()
    assert rep_session.get("/customers/")["Location"].startswith("/login/")
    login = Client().post("/login/", {"username": "commercial1", "password": "secret-pass-1"})
    assert login.status_code == 200
    assert "Identifiant ou mot de passe incorrect." in login.content.decode()


@pytest.mark.django_db
def test_the_page_refuses_self_deactivation_with_a_message(direction, client_for):
    response = client_for(direction).post(
        f"/settings/staff/{direction.pk}/active/", {"active": "0"}, follow=True
    )
    assert "Vous ne pouvez pas désactiver votre propre compte." in response.content.decode()
    direction.refresh_from_db()
    assert direction.is_active


@pytest.mark.django_db
def test_reactivation_from_the_page(direction, rep, client_for):
    staff_set_active(user=rep, by=direction, active=False)
    client_for(direction).post(f"/settings/staff/{rep.pk}/active/", {"active": "1"})
    rep.refresh_from_db()
    assert rep.is_active


@pytest.mark.django_db
def test_an_unknown_account_answers_404(direction, client_for):
    assert client_for(direction).get("/settings/staff/999999/").status_code == 404


@pytest.mark.django_db
def test_staff_names_keep_no_invisible_character(direction, rep):
    names = {"first_name": "Ma\u202erie", "last_name": "Martin\u200b"}
    user = staff_create(
        by=direction, username="marie", password=GOOD_PASSWORD, role=Role.PLANNER, **names
    )
    assert (user.first_name, user.last_name) == ("Marie", "Martin")
    staff_update(user=rep, by=direction, last_name="\u2066Roux\u200f")
    rep.refresh_from_db()
    assert rep.last_name == "Roux"
