"""factory_boy factories shared by the test suites of all apps."""

import factory
from django.contrib.auth.models import Permission

from kam.accounts.models import Access, Account, Stakeholder, TeamMembership, TeamRole
from kam.core.permissions import gets_admin_rights, gets_margins_by_default
from kam.users.models import Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    role = Role.KEY_ACCOUNT_MANAGER
    password = factory.django.Password("secret-pass")

    @factory.post_generation
    def margins(user, create, extracted, **kwargs):
        wanted = extracted if extracted is not None else gets_margins_by_default(user.role)
        if create and wanted:
            user.user_permissions.add(Permission.objects.get(codename="view_margins"))
        if create and gets_admin_rights(user.role):
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account
        skip_postgeneration_save = True

    customer_number = factory.Sequence(lambda n: f"K{n:06d}")
    name = factory.Faker("company", locale="de_DE")
    city = factory.Faker("city", locale="de_DE")
    industry = "Maschinenbau"
    owner = factory.SubFactory(UserFactory)

    @factory.post_generation
    def search_index(account, create, extracted, **kwargs):
        """In the search index, as the services would put it there."""
        if create:
            from kam.search.index import index_refresh

            index_refresh("account", [account.pk])


class TeamMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMembership

    account = factory.SubFactory(AccountFactory)
    user = factory.SubFactory(UserFactory)
    role = TeamRole.FIELD_SALES
    access = Access.READ


class StakeholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stakeholder
        skip_postgeneration_save = True

    account = factory.SubFactory(AccountFactory)
    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")
    position = "Einkauf"

    @factory.post_generation
    def search_index(stakeholder, create, extracted, **kwargs):
        if create:
            from kam.search.index import index_refresh

            index_refresh("stakeholder", [stakeholder.pk])


def sales_line(account, *, product: str, cents: int, day, quantity="1", invoice: str = ""):
    """One stored invoice line (without its monthly fact); `invoice` defaults to a fresh number."""
    from decimal import Decimal

    from kam.sales.models import SalesLine

    return SalesLine.objects.create(
        account=account,
        invoice_number=invoice or f"R-{SalesLine.objects.count() + 1}",
        line_number=1,
        invoice_date=day,
        invoice_month=day.replace(day=1),
        product_number=product,
        quantity=Decimal(quantity) if quantity is not None else None,
        net_revenue_cents=cents,
        currency="EUR",
    )
