import factory

from creneau.customers.models import Contact, Customer, Family, Site


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Family
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Famille {n}")


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer built through the same fields as the service (code and search text set)."""

    class Meta:
        model = Customer
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"T{n:05d}")
    kind = Customer.Kind.INDIVIDUAL
    name = factory.Faker("name", locale="fr_FR")
    # A fixed street: Faker's French streets carry surnames ("rue Durand")
    # that a search test for a customer's name would also find.
    street = factory.Sequence(lambda n: f"{n % 200 + 1} quai de Valmy")
    postcode = "75011"
    city = "Paris"
    accounting_code = factory.LazyAttribute(lambda customer: f"411{customer.code}")

    @factory.post_generation
    def refresh_search(customer, create, extracted, **kwargs):
        if create:
            from creneau.customers.services import customer_refresh_search

            customer_refresh_search(customer=customer)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    street = "1 rue de la Paix"
    postcode = "75002"
    city = "Paris"
    billing_group = "A"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Faker("name", locale="fr_FR")
    role = Contact.Role.DIRECTION
    email = factory.Faker("email")
