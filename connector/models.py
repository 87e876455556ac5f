"""The core domain. Every row belongs to an organisation; uniqueness lives in the database."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.db.models import Q

from accounts.models import Organization
from connector.crypto import EncryptedJSONField, EncryptedTextField
from connector.options import ConnectionOptions
from connector.platforms import get_platform, platform_choices


class SystemRole(models.TextChoices):
    ACCOUNTING = "accounting", "Accounting (QuickBooks)"
    STORE = "store", "Store"


class SystemStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    NEEDS_RECONNECT = "needs_reconnect", "Needs reconnecting"
    DISCONNECTED = "disconnected", "Disconnected"


class ConnectedSystem(models.Model):
    """A QuickBooks company or a store that an organisation connected."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="systems")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    platform = models.CharField(max_length=40, choices=platform_choices)
    role = models.CharField(max_length=20, choices=SystemRole.choices)
    display_name = models.CharField(max_length=200)
    external_account_id = models.CharField(
        max_length=255, help_text="Realm id, shop domain, site URL, eBay user or database DSN host."
    )
    base_url = models.URLField(blank=True, help_text="Overrides the platform's API address (emulators, sandboxes).")
    status = models.CharField(max_length=20, choices=SystemStatus.choices, default=SystemStatus.ACTIVE)
    status_message = models.TextField(blank=True)
    credentials = EncryptedJSONField(blank=True, default=dict, editable=False)
    credentials_version = models.PositiveIntegerField(default=0, editable=False)
    webhook_secret = EncryptedTextField(blank=True, editable=False)
    options = models.JSONField(default=dict, blank=True)
    cursors = models.JSONField(default=dict, blank=True, help_text="Polling / CDC cursors by name.")
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "platform", "external_account_id"], name="system_unique_account"
            ),
        ]
        indexes = [models.Index(fields=["platform", "external_account_id"])]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_platform_display()})"

    @property
    def spec(self) -> Any:
        return get_platform(self.platform)

    @property
    def opts(self) -> ConnectionOptions:
        return ConnectionOptions.from_json(self.options)

    @property
    def is_store(self) -> bool:
        return self.role == SystemRole.STORE

    @property
    def is_active(self) -> bool:
        return self.status == SystemStatus.ACTIVE


class Product(models.Model):
    """One external product or variant, as last pulled from its system."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="products")
    system = models.ForeignKey(ConnectedSystem, on_delete=models.CASCADE, related_name="products")
    external_id = models.CharField(max_length=255)
    parent_external_id = models.CharField(max_length=255, blank=True)
    sku = models.CharField(max_length=255, blank=True, help_text="As the platform defines it.")
    sku_key = models.CharField(max_length=255, blank=True, db_index=True,
                               help_text="Trimmed, case-folded SKU used for matching.")
    sku_generated = models.BooleanField(default=False)
    name = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=40, blank=True)
    tracks_stock = models.BooleanField(default=False)
    quantity = models.IntegerField(null=True, blank=True)
    source_version = models.CharField(max_length=64, blank=True)
    source_updated_at = models.DateTimeField(null=True, blank=True)
    source_sequence = models.BigIntegerField(
        default=0, help_text="Source version as a number (QuickBooks SyncToken), so a conditional UPDATE can "
                             "refuse an older snapshot.")
    observed_quantity = models.IntegerField(null=True, blank=True,
                                            help_text="Stock the store reported after an edit made there.")
    drift_detected_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    extra = models.JSONField(default=dict, blank=True)
    raw = models.JSONField(null=True, blank=True)
    pulled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "external_id"], name="product_unique_external_id"),
        ]
        indexes = [models.Index(fields=["system", "sku_key"]),
                   models.Index(fields=["system", "parent_external_id"], name="product_parent_idx")]

    def __str__(self) -> str:
        return f"{self.sku or '(no SKU)'} {self.name}".strip()


class LinkOrigin(models.TextChoices):
    AUTO = "auto", "Matched by SKU"
    MANUAL = "manual", "Set by hand"
    CSV = "csv", "Imported from CSV"
    CREATED = "created", "Created in QuickBooks"


class ProductLink(models.Model):
    """A store product sold as a QuickBooks item. One link per store product."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="product_links")
    accounting_product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="store_links")
    store_product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="link")
    origin = models.CharField(max_length=20, choices=LinkOrigin.choices, default=LinkOrigin.AUTO)
    locked = models.BooleanField(default=False, help_text="Auto-matching never changes a locked link.")
    needs_push = models.BooleanField(default=False, db_index=True)
    last_pushed_quantity = models.IntegerField(null=True, blank=True)
    last_pushed_version = models.CharField(max_length=64, blank=True)
    last_pushed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.store_product} -> {self.accounting_product}"


class CustomerLink(models.Model):
    """A store customer (name + email) known as a QuickBooks customer."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="customer_links")
    accounting_system = models.ForeignKey(ConnectedSystem, on_delete=models.CASCADE, related_name="customer_links")
    email_key = models.CharField(max_length=254, blank=True, help_text="Lower-cased email.")
    name_key = models.CharField(max_length=300, help_text="Name with whitespace collapsed, case-folded.")
    display_name = models.CharField(max_length=500)
    accounting_customer_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["accounting_system", "email_key", "name_key"], name="customer_link_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name


class DocumentStatus(models.TextChoices):
    PENDING = "pending", "Waiting to post"
    HELD = "held", "Held: needs attention"
    POSTED = "posted", "Posted"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Not posted (status not selected)"
    CANCELLED = "cancelled", "Cancelled before posting"
    CANCELLED_AFTER_POST = "cancelled_after_post", "Cancelled after posting: review in QuickBooks"


class SalesDocument(models.Model):
    """The ledger that makes 'each order becomes exactly one QuickBooks document' hold.

    request_id and doc_number are fixed when the row is created, before any call to QuickBooks, so
    every retry reuses them and a lookup by either finds a document an earlier attempt created.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sales_documents")
    store_system = models.ForeignKey(ConnectedSystem, on_delete=models.CASCADE, related_name="sales_documents")
    accounting_system = models.ForeignKey(ConnectedSystem, on_delete=models.PROTECT, related_name="+")
    order_external_id = models.CharField(max_length=255)
    order_number = models.CharField(max_length=100, blank=True)
    order_status = models.CharField(max_length=60, blank=True)
    order_updated_at = models.DateTimeField(null=True, blank=True)
    document_type = models.CharField(max_length=20, default="invoice")
    request_id = models.CharField(max_length=50, unique=True)
    doc_number = models.CharField(max_length=21, blank=True)
    status = models.CharField(max_length=30, choices=DocumentStatus.choices, default=DocumentStatus.PENDING)
    message = models.TextField(blank=True)
    accounting_document_id = models.CharField(max_length=64, blank=True)
    customer_link = models.ForeignKey(CustomerLink, null=True, blank=True, on_delete=models.SET_NULL)
    total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    snapshot = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store_system", "order_external_id"], name="sales_document_one_per_order"),
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return f"Order {self.order_number or self.order_external_id}"


class SalesDocumentLine(models.Model):
    """Units an order sold, kept so unposted orders can be held back from published stock."""

    document = models.ForeignKey(SalesDocument, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(max_length=255, blank=True)
    store_product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    accounting_product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="pending_sales_lines")
    quantity = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class RateLimitBucket(models.Model):
    """Calls made in one rate-limit window (used when no Redis is configured)."""

    key = models.CharField(max_length=200)
    bucket = models.BigIntegerField()
    count = models.BigIntegerField(default=0)
    expires_at = models.BigIntegerField(default=0, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "bucket"], name="rate_limit_bucket_unique")]


__all__ = [
    "ConnectedSystem", "CustomerLink", "DocumentStatus", "LinkOrigin", "Product", "ProductLink",
    "RateLimitBucket", "SalesDocument", "SalesDocumentLine", "SystemRole", "SystemStatus", "Q",
]
