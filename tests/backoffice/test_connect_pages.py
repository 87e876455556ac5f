"""The organisation's connections page: health, options, disconnect, progress, roles."""

from __future__ import annotations

import pytest
from django.utils import timezone

from connector.models import ConnectedSystem, SystemStatus
from syncjobs.models import Job, JobStatus, SyncRun

pytestmark = pytest.mark.django_db


def page(client, user, slug="acme"):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client.get(f"/connect/{slug}/")


def test_a_single_organisation_member_lands_on_its_page(client, client_user, world) -> None:
    client.force_login(client_user)
    response = client.get("/connect/")
    assert response.status_code == 302 and response["Location"] == "/connect/acme/"


def test_the_page_shows_every_system_with_its_health(client, client_user, world) -> None:
    Job.objects.create(organization=world.org, system=world.shop, kind="stock.push", status=JobStatus.DEAD,
                       run_after=timezone.now(), last_error="Shopify refused")
    world.qbo.last_success_at = timezone.now()
    world.qbo.save()
    html = page(client, client_user).content.decode()
    assert "a Books" in html and "a Shop" in html
    shop_card = html.split('id="system-' + str(world.shop.public_id))[1].split("</section>")[0]
    # 5 unlinked active store products of 6 (TEA-1 is linked).
    assert "5 of 6" in shop_card
    assert 'class="pill bad">1<' in shop_card  # one failing job
    assert "Stock last pushed" in shop_card and "never" in shop_card
    for label in ("QuickBooks Online", "Shopify", "WooCommerce", "eBay", "OpenCart"):
        assert label in html


def test_options_save_through_the_form(client, client_user, world) -> None:
    client.force_login(client_user)
    response = client.post(f"/connect/acme/systems/{world.shop.public_id}/options/", {
        "sync_stock": "", "post_sales": "on", "document_type": "sales_receipt", "order_statuses": "paid, authorized",
        "doc_number_prefix": "WEB-", "tax_mapping": "VAT 20% = 3\nZero = 5", "shipping_item_id": "SHIP",
    })
    assert response.status_code == 302
    opts = ConnectedSystem.objects.get(pk=world.shop.pk).opts
    assert opts.sync_stock is False and opts.post_sales is True and opts.document_type == "sales_receipt"
    assert opts.order_statuses == ["paid", "authorized"] and opts.doc_number_prefix == "WEB-"
    assert opts.tax_mapping == {"VAT 20%": "3", "Zero": "5"} and opts.shipping_item_id == "SHIP"


def test_an_invalid_option_is_refused_with_a_plain_message(client, client_user, world) -> None:
    client.force_login(client_user)
    response = client.post(f"/connect/acme/systems/{world.shop.public_id}/options/",
                           {"document_type": "invoice", "doc_number_prefix": "WAY-TOO-LONG-PREFIX"}, follow=True)
    assert "not saved" in response.content.decode()
    assert ConnectedSystem.objects.get(pk=world.shop.pk).opts.doc_number_prefix == ""


def test_quickbooks_options_offer_the_match_field_only(client, client_user, world) -> None:
    client.force_login(client_user)
    client.post(f"/connect/acme/systems/{world.qbo.public_id}/options/", {"match_field": "name"})
    assert ConnectedSystem.objects.get(pk=world.qbo.pk).opts.match_field == "name"


def test_a_viewer_sees_but_changes_nothing(client, viewer, world) -> None:
    html = page(client, viewer).content.decode()
    assert "a Shop" in html and "Save options" not in html and "Disconnect" not in html
    response = client.post(f"/connect/acme/systems/{world.shop.public_id}/options/", {"document_type": "sales_receipt"})
    assert response.status_code == 403
    assert client.post(f"/connect/acme/systems/{world.shop.public_id}/disconnect/").status_code == 403
    assert ConnectedSystem.objects.get(pk=world.shop.pk).status == SystemStatus.ACTIVE


def test_disconnect_deletes_tokens_stops_jobs_and_keeps_history(client, client_user, world) -> None:
    world.shop.credentials = {"access_token": "shpat_secret"}
    world.shop.save()
    pending = Job.objects.create(organization=world.org, system=world.shop, kind="orders.poll", run_after=timezone.now())
    client.force_login(client_user)
    assert "Disconnect a Shop?" in client.get(f"/connect/acme/systems/{world.shop.public_id}/disconnect/").content.decode()
    # Shopify's revoke would call the (unreachable) shop: the platform's error is logged, not raised.
    response = client.post(f"/connect/acme/systems/{world.shop.public_id}/disconnect/")
    assert response.status_code == 302
    shop = ConnectedSystem.objects.get(pk=world.shop.pk)
    assert shop.status == SystemStatus.DISCONNECTED and shop.credentials == {}
    assert Job.objects.get(pk=pending.pk).status == JobStatus.CANCELLED
    assert shop.products.count() == 6 and shop.sales_documents.count() == 1


def test_progress_is_served_as_json_with_rate_and_time_left(client, client_user, world) -> None:
    run = SyncRun.objects.create(organization=world.org, system=world.shop, kind="products.pull", done=50, total=200)
    SyncRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timezone.timedelta(seconds=10))
    client.force_login(client_user)
    data = client.get("/connect/acme/progress.json").json()
    (item,) = data["systems"][str(world.shop.public_id)]
    assert item["done"] == 50 and item["total"] == 200 and item["percent"] == 25
    assert 4.0 <= item["rate"] <= 5.1 and 28 <= item["seconds_left"] <= 31
    assert data["systems"][str(world.qbo.public_id)] == []
    html = client.get("/connect/acme/").content.decode()
    assert "50 of 200" in html and "progress.json" in html


def test_an_unverified_address_cannot_start_connecting(client, client_user, world) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=client_user).update(verified=False)
    client.force_login(client_user)
    response = client.post("/connect/acme/add/quickbooks/", follow=True)
    assert "Confirm your email address" in response.content.decode()
    assert b"/_emulators/" not in response.content


def test_the_read_products_button_enqueues_a_pull(client, client_user, world) -> None:
    client.force_login(client_user)
    client.post(f"/connect/acme/systems/{world.shop.public_id}/pull/")
    assert Job.objects.filter(system=world.shop, kind="products.pull", status=JobStatus.PENDING).exists()


def test_the_disconnect_landing_page_changes_nothing_by_itself(client, client_user, world) -> None:
    client.force_login(client_user)
    html = client.get(f"/connect/disconnected/quickbooks/?realmId={world.qbo.external_account_id}").content.decode()
    assert "a Books" in html and "Finish disconnecting here" in html
    assert ConnectedSystem.objects.get(pk=world.qbo.pk).status == SystemStatus.ACTIVE


@pytest.mark.parametrize("platform", ["quickbooks", "shopify", "woocommerce", "ebay", "opencart"])
def test_every_registered_platform_has_a_start_page(client, client_user, world, platform) -> None:
    from connector.platforms import get_platform
    from connector.views.forms import platform_available

    client.force_login(client_user)
    response = client.get(f"/connect/acme/add/{platform}/")
    spec = get_platform(platform)
    if not platform_available(spec):
        assert response.status_code == 404
        return
    html = response.content.decode()
    assert response.status_code == 200 and f"Connect {spec.label}" in html
    if spec.connect_form:
        assert 'name="method" value="keys"' in html  # the key / database form
    if spec.oauth:
        assert f"Continue to {spec.label}" in html
