"""Who, among the staff, sees and manages the customers' portal accesses.

The "Portail" tab follows the customer record: whoever sees the customer (the visibility
rule, checked by every view) sees its accesses, except an intervenant, who never opens a
customer record. Giving, resending, disabling, unlocking and deleting an access takes the
right to change the customer (direction, the customer's sales rep, accounting), as the
record's other write actions do.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from creneau.core.roles import user_is_office_staff

AnyUser = AbstractBaseUser | AnonymousUser

PORTAL_WRITE_PERMISSION = "customers.change_customer"


def user_sees_portal_accesses(user: AnyUser) -> bool:
    return user_is_office_staff(user)


def user_may_manage_portal_accesses(user: AnyUser) -> bool:
    return user_is_office_staff(user) and user.has_perm(PORTAL_WRITE_PERMISSION)
