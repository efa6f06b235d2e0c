"""Menu entries of the customer book, and its lists that can be saved as views."""

from django.utils.translation import gettext_lazy as _

from rapport.core.navigation import NavItem, register_nav
from rapport.org.models import Role

# Everyone who works the book or reads it: AM, lead, QM, viewer, admin.
BOOK_ROLES = frozenset(
    {Role.ACCOUNT_MANAGER, Role.TEAM_LEAD, Role.QUALITY_MANAGER, Role.VIEWER, Role.ADMIN}
)


def register() -> None:
    from rapport.core.saved_views import register_list
    from rapport.customers.filters import ContactFilter, CustomerFilter, FollowUpFilter

    register_nav(NavItem(_("Customers"), "customers:customer-list", order=20, roles=BOOK_ROLES))
    register_nav(NavItem(_("Contacts"), "customers:contact-list", order=22, roles=BOOK_ROLES))
    register_nav(NavItem(_("Follow-ups"), "customers:followup-list", order=24, roles=BOOK_ROLES))
    register_list("customers", "customers:customer-list", CustomerFilter.base_filters)
    register_list("contacts", "customers:contact-list", ContactFilter.base_filters)
    register_list(
        "follow-ups", "customers:followup-list", [*FollowUpFilter.base_filters, "customer"]
    )
