"""Contacts (联系人): the people at a customer. Visible wherever their customer is."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rapport.core.models import ArchivableModel
from rapport.customers.models.customer import CustomerChildQuerySet


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    OTHER = "other", _("Other")


class ContactQuerySet(CustomerChildQuerySet):
    def editable_by(self, user) -> ContactQuerySet:
        from rapport.customers.models.customer import Customer

        return self.filter(customer__in=Customer.objects.editable_by(user).values("pk"))


class Contact(ArchivableModel):
    """A person at a customer. Phones are stored as E.164 (+8613800138000); a landline's
    extension is kept apart because E.164 has none."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    buying_role = models.CharField(
        _("buying role"), max_length=16, choices=BuyingRole.choices, default=BuyingRole.OTHER
    )
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    phone_ext = models.CharField(_("extension"), max_length=10, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True, db_index=True)
    wechat = models.CharField(_("WeChat ID"), max_length=64, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    do_not_contact = models.BooleanField(_("do not contact"), default=False)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    search_text = models.TextField(_("search text"), blank=True, editable=False)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                "customer",
                condition=Q(is_primary=True, archived_at__isnull=True),
                name="customers_contact_one_primary",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-is_primary", "name"], name="contact_cust"),
            # The sorts of the whole-book contact list (ContactFilter.sort).
            models.Index(fields=["name", "id"], name="contact_name"),
            models.Index(fields=["-created_at", "-id"], name="contact_created"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:contact-detail", args=[self.pk])
