"""The customer book: customers, contacts, follow-ups, tiers and cadence, the public pool.

Split by sub-domain (DESIGN §10.12); import models from here.
"""

from rapport.customers.models.contact import Contact, ContactQuerySet
from rapport.customers.models.customer import (
    STATUS_TRANSITIONS,
    Currency,
    Customer,
    CustomerQuerySet,
    CustomerShare,
    CustomerStatus,
    Source,
    Tag,
    Tier,
)
from rapport.customers.models.followup import (
    Attachment,
    FollowUp,
    FollowUpKind,
    FollowUpNote,
    FollowUpQuerySet,
)
from rapport.customers.models.pool import OwnershipEvent, OwnershipMove, Pool, PoolQuerySet
from rapport.customers.models.tier import TierRule

__all__ = [
    "STATUS_TRANSITIONS",
    "Attachment",
    "Contact",
    "ContactQuerySet",
    "Currency",
    "Customer",
    "CustomerQuerySet",
    "CustomerShare",
    "CustomerStatus",
    "FollowUp",
    "FollowUpKind",
    "FollowUpNote",
    "FollowUpQuerySet",
    "OwnershipEvent",
    "OwnershipMove",
    "Pool",
    "PoolQuerySet",
    "Source",
    "Tag",
    "Tier",
    "TierRule",
]
