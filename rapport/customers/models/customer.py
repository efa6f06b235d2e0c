"""Customers (客户): the heart of the book, and who may see them (DESIGN §5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rapport.core.models import ArchivableModel, BaseModel, ScopedQuerySet
from rapport.core.money import Currency, amount_field, currency_field

__all__ = [
    "STATUS_TRANSITIONS",
    "Currency",
    "Customer",
    "CustomerChildQuerySet",
    "CustomerQuerySet",
    "CustomerShare",
    "CustomerStatus",
    "Source",
    "Tag",
    "Tier",
]


class CustomerStatus(models.TextChoices):
    LEAD = "lead", _("Lead")
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active")
    DORMANT = "dormant", _("Dormant")
    LOST = "lost", _("Lost")


# The moves a customer's status may make; anything else is refused by the model.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    CustomerStatus.LEAD: frozenset({CustomerStatus.PROSPECT, CustomerStatus.LOST}),
    CustomerStatus.PROSPECT: frozenset(
        {CustomerStatus.ACTIVE, CustomerStatus.LEAD, CustomerStatus.LOST}
    ),
    CustomerStatus.ACTIVE: frozenset({CustomerStatus.DORMANT, CustomerStatus.LOST}),
    CustomerStatus.DORMANT: frozenset({CustomerStatus.ACTIVE, CustomerStatus.LOST}),
    CustomerStatus.LOST: frozenset({CustomerStatus.LEAD, CustomerStatus.PROSPECT}),
}


class Tier(models.TextChoices):
    A = "A", _("A")
    B = "B", _("B")
    C = "C", _("C")
    D = "D", _("D")


class Source(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    WEBSITE = "website", _("Website")
    EXHIBITION = "exhibition", _("Exhibition")
    COLD_CALL = "cold_call", _("Cold call")
    PARTNER = "partner", _("Partner")
    CAMPAIGN = "campaign", _("Campaign")
    IMPORT = "import", _("Import")
    OTHER = "other", _("Other")


def pool_ids_of(user) -> models.QuerySet:
    """The pools `user` works (a subquery): explicit members, and everyone in the pool's
    team or a team below it."""
    from rapport.customers.models.pool import Pool
    from rapport.org.scope import scope_for

    scope = scope_for(user)
    return Pool.objects.filter(
        Q(team_id__in=scope.ancestor_team_ids) | Q(members=user), archived_at__isnull=True
    ).values("pk")


class CustomerQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> CustomerQuerySet:
        """Admin: all. Others: what they own, the book of teams they lead, check (quality)
        or view, customers shared with them, and the pools they work."""
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        if not user.is_authenticated:
            return self.none()
        shared = CustomerShare.objects.filter(user=user).values("customer_id")
        return self.filter(
            Q(owner_id=user.pk)
            | Q(team_id__in=scope.book_team_ids)
            | Q(pool_id__in=pool_ids_of(user))
            | Q(pk__in=shared)
        )

    def editable_by(self, user) -> CustomerQuerySet:
        """The owner and the leads above the customer's team; pool customers are claimed
        or assigned, not edited, by pool members."""
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        if not scope.can_write:
            return self.none()
        return self.filter(Q(owner_id=user.pk) | Q(team_id__in=scope.led_team_ids))

    def in_pool(self) -> CustomerQuerySet:
        return self.filter(pool__isnull=False)

    def owned(self) -> CustomerQuerySet:
        return self.filter(owner__isnull=False)


class TagQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> TagQuerySet:
        return self.all() if user.is_authenticated else self.none()


class CustomerChildQuerySet(ScopedQuerySet):
    """Rows that belong to one customer (contacts, follow-ups, ownership moves): visible
    exactly where their customer is (ADR 0006)."""

    def visible_to(self, user):
        return self.filter(customer__in=Customer.objects.visible_to(user).values("pk"))

    def for_customer(self, user, customer):
        """The rows of one customer, if `user` may see it. The scope subquery is narrowed to
        that customer's primary key, so the database checks one row instead of working out
        the user's whole book (SQLite would scan it for every child query of the 360 page)."""
        one = Customer.objects.visible_to(user).filter(pk=customer.pk).values("pk")
        return self.filter(customer=customer, customer__in=one)


class Tag(BaseModel):
    """A label on customers, shared by the whole organisation: everyone signed in sees
    the list; anyone who may write may add one."""

    name = models.CharField(_("name"), max_length=40)

    objects = TagQuerySet.as_manager()

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [models.UniqueConstraint("name", name="customers_tag_name_unique")]

    def __str__(self) -> str:
        return self.name


class Customer(ArchivableModel):
    """A company (or person) the organisation sells to.

    Owned by one account manager, or by nobody while it sits in a public pool. `team` is
    the team whose book it belongs to (the owner's team, or the team it was released
    from). The follow-up, cadence and reclaim dates are kept by the services.
    """

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    # Normalised name for duplicate checks (full-width, case, punctuation, suffixes).
    name_key = models.CharField(_("name key"), max_length=200, editable=False, db_index=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    industry = models.CharField(_("industry"), max_length=64, blank=True)
    region = models.CharField(_("province / region"), max_length=32, blank=True)
    city = models.CharField(_("city"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CustomerStatus.choices, default=CustomerStatus.LEAD
    )
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, default=Tier.C)
    tier_locked = models.BooleanField(
        _("tier set by hand"),
        default=False,
        help_text=_("The tier rules leave a tier set by hand alone."),
    )
    tier_reason = models.CharField(_("reason for the tier"), max_length=200, blank=True)
    strategic = models.BooleanField(_("strategic account"), default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="customers",
        null=True,
        blank=True,
    )
    team = models.ForeignKey(
        "org.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="customers"
    )
    pool = models.ForeignKey(
        "customers.Pool",
        verbose_name=_("public pool"),
        on_delete=models.PROTECT,
        related_name="customers",
        null=True,
        blank=True,
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="+")
    annual_value = amount_field(_("annual value"), default=0)
    currency = currency_field()
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    next_follow_up_due = models.DateField(_("next follow-up due"), null=True, blank=True)
    # The earlier of the planned next follow-up and the tier cadence: due or overdue.
    contact_due_on = models.DateField(_("contact due on"), null=True, blank=True)
    last_progress_at = models.DateTimeField(_("last opportunity progress"), null=True, blank=True)
    owned_since = models.DateTimeField(_("owned since"), null=True, blank=True)
    reclaim_on = models.DateField(_("reclaimed on"), null=True, blank=True)
    reclaim_rule = models.CharField(_("reclaim rule"), max_length=200, blank=True)
    pool_entered_at = models.DateTimeField(_("in the pool since"), null=True, blank=True)
    pool_reason = models.CharField(_("why in the pool"), max_length=300, blank=True)
    # Name, short name, pinyin (full and initials), USCC: what the search box matches.
    search_text = models.TextField(_("search text"), blank=True, editable=False)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "uscc", condition=~Q(uscc=""), name="customers_customer_uscc_unique"
            ),
            models.CheckConstraint(
                condition=Q(owner__isnull=True) | Q(pool__isnull=True),
                name="customers_customer_owner_or_pool",
            ),
            models.CheckConstraint(
                condition=Q(annual_value__gte=0), name="customers_customer_value_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "contact_due_on"], name="cust_owner_due"),
            models.Index(fields=["team", "contact_due_on"], name="cust_team_due"),
            # The lead's cadence and overdue panels: per owner of the team, live rows only.
            models.Index(
                fields=["team", "owner", "contact_due_on"],
                name="cust_team_owner_due",
                condition=models.Q(archived_at__isnull=True),
            ),
            models.Index(fields=["owner", "name", "id"], name="cust_owner_name"),
            models.Index(fields=["team", "name", "id"], name="cust_team_name"),
            models.Index(fields=["team", "-last_follow_up_at"], name="cust_team_lastfu"),
            models.Index(fields=["team", "-annual_value"], name="cust_team_value"),
            models.Index(fields=["team", "-created_at"], name="cust_team_created"),
            models.Index(fields=["pool", "-pool_entered_at"], name="cust_pool_entered"),
            models.Index(fields=["reclaim_on"], name="cust_reclaim_on"),
            models.Index(fields=["tier"], name="cust_tier"),
            # The whole book's sorts and filters (an admin's list, size L). `archived_at`
            # closes each index so that the list's default "live only" filter, its COUNT
            # and a deep OFFSET read the index alone, never the table (100 ms -> 2 ms at
            # page 500 on SQLite); the API, which lists both, uses the same indexes.
            models.Index(fields=["name", "id", "archived_at"], name="cust_name_live"),
            models.Index(
                fields=["-last_follow_up_at", "-id", "archived_at"], name="cust_lastfu_live"
            ),
            models.Index(
                fields=["status", "-last_follow_up_at", "-id", "archived_at"],
                name="cust_status_lastfu_live",
            ),
            models.Index(
                fields=["status", "tier", "name", "id", "archived_at"],
                name="cust_status_tier_name_live",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:customer-detail", args=[self.pk])

    @property
    def in_pool(self) -> bool:
        return self.pool_id is not None

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from rapport.customers.normalize import company_key, validate_uscc

        errors = {}
        if self.uscc:
            self.uscc = self.uscc.strip().upper()
            try:
                validate_uscc(self.uscc)
            except ValidationError as error:
                errors["uscc"] = error.messages
            taken = Customer.objects.filter(uscc=self.uscc).exclude(pk=self.pk)
            if "uscc" not in errors and taken.exists():
                errors["uscc"] = [
                    _("A customer with this unified social credit code already exists.")
                ]
        if self.name:
            self.name = " ".join(self.name.split())
            self.name_key = company_key(self.name)
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        # clean() checks the USCC's uniqueness and names the field; the conditional
        # constraint would only add an anonymous duplicate of that message.
        super().validate_constraints(exclude={*(exclude or ()), "uscc"})


class CustomerShare(models.Model):
    """A customer explicitly shared with a colleague (协作人): they may read it."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="shares"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shared with"),
        on_delete=models.CASCADE,
        related_name="customer_shares",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer share")
        verbose_name_plural = _("customer shares")
        constraints = [
            models.UniqueConstraint("customer", "user", name="customers_share_unique"),
        ]
        indexes = [models.Index(fields=["user", "customer"], name="cust_share_user")]

    def __str__(self) -> str:
        return f"{self.customer} → {self.user}"
