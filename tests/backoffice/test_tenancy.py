"""The isolation matrix, generated from the admin registry and the URL resolver: a member of
organisation A never sees, opens, picks, filters to, acts on or links to organisation B's rows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib import admin
from django.urls import URLPattern, reverse
from django.utils import timezone

from accounts.models import Invitation
from connector.admin_scoping import OrgScopedAdmin
from connector.models import CustomerLink, ProductLink
from syncjobs.models import Job, JobStatus, SyncLog, SyncRun, WebhookDelivery

pytestmark = pytest.mark.django_db

SCOPED = [(model, model_admin) for model, model_admin in admin.site._registry.items()
          if isinstance(model_admin, OrgScopedAdmin)]
IDS = [f"{m._meta.app_label}.{m._meta.model_name}" for m, _ in SCOPED]


@pytest.fixture
def rows_of_b(other_world, outsider) -> dict[type, Any]:  # type: ignore[no-untyped-def]
    """One row of organisation B for every scoped model."""
    org, shop = other_world.org, other_world.shop
    delivery = WebhookDelivery.objects.create(platform="shopify", delivery_id="b-1", organization=org, system=shop,
                                              topic="orders/create", body="{}")
    job = Job.objects.create(organization=org, system=shop, kind="stock.push", status=JobStatus.DEAD,
                             run_after=timezone.now(), last_error="b failed")
    run = SyncRun.objects.create(organization=org, system=shop, kind="products.pull")
    rows = {
        type(org): org, type(shop): shop, ProductLink: other_world.link, type(other_world.document): other_world.document,
        type(other_world.items["TEA-1"]): other_world.items["TEA-1"], WebhookDelivery: delivery, Job: job, SyncRun: run,
        SyncLog: SyncLog.objects.create(organization=org, system=shop, job=job, run=run, message="b log"),
        CustomerLink: CustomerLink.objects.create(organization=org, accounting_system=other_world.qbo, name_key="b",
                                                  display_name="B Customer", accounting_customer_id="77"),
        Invitation: Invitation.objects.create(organization=org, email="new@b.example", invited_by=outsider),
    }
    rows[outsider.memberships.model] = outsider.memberships.get()
    return rows


def _url(model: Any, view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_the_matrix_covers_every_scoped_admin() -> None:
    names = set(IDS)
    for expected in ("connector.connectedsystem", "connector.product", "connector.productlink",
                     "connector.salesdocument", "connector.customerlink", "syncjobs.job", "syncjobs.webhookdelivery",
                     "syncjobs.synclog", "syncjobs.syncrun", "accounts.organization", "accounts.membership",
                     "accounts.invitation"):
        assert expected in names


@pytest.mark.parametrize(("model", "model_admin"), SCOPED, ids=IDS)
def test_a_member_of_a_sees_none_of_bs_rows(client, bookkeeper, world, rows_of_b, model, model_admin) -> None:
    client.force_login(bookkeeper)
    response = client.get(_url(model, "changelist"))
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert rows_of_b[model].pk not in shown
    assert "Other Co" not in response.content.decode()  # not in the rows, nor in any filter's choices


@pytest.mark.parametrize(("model", "model_admin"), SCOPED, ids=IDS)
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_bs_ids_are_404_on_every_object_view(client, bookkeeper, world, rows_of_b, model, model_admin, view) -> None:
    client.force_login(bookkeeper)
    assert client.get(_url(model, view, rows_of_b[model].pk)).status_code == 404


@pytest.mark.parametrize(("model", "model_admin"), SCOPED, ids=IDS)
def test_actions_on_bs_ids_do_nothing(client, bookkeeper, world, rows_of_b, model, model_admin) -> None:
    client.force_login(bookkeeper)
    jobs_before = Job.objects.count()
    for action in model_admin.get_actions(_request(bookkeeper)):
        if action == "delete_selected":
            continue
        client.post(_url(model, "changelist"), {"action": action, "_selected_action": [rows_of_b[model].pk]})
    assert Job.objects.count() == jobs_before
    assert model.objects.filter(pk=rows_of_b[model].pk).exists()


def _request(user: Any) -> Any:
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_a_filter_pointing_at_bs_system_shows_nothing(client, bookkeeper, world, rows_of_b) -> None:
    client.force_login(bookkeeper)
    response = client.get(_url(ProductLink, "changelist"), {"organization__id__exact": rows_of_b[type(world.org)].pk})
    # An unknown choice is either refused (Django redirects with ?e=1) or matches no row.
    if response.status_code == 302:
        assert "e=1" in response["Location"]
    else:
        assert rows_of_b[ProductLink].pk not in {row.pk for row in response.context["cl"].result_list}


@pytest.mark.parametrize("field", ["store_product", "accounting_product"])
def test_autocomplete_offers_only_own_organisation_and_the_right_side(client, bookkeeper, world, other_world,
                                                                       field) -> None:
    client.force_login(bookkeeper)
    data = client.get("/admin/autocomplete/", {"app_label": "connector", "model_name": "productlink",
                                                "field_name": field, "term": ""}).json()
    ids = {int(r["id"]) for r in data["results"]}
    own_side = world.shop if field == "store_product" else world.qbo
    assert ids and ids <= set(own_side.products.values_list("pk", flat=True))


def test_a_link_form_carrying_bs_product_is_refused(client, bookkeeper, world, other_world) -> None:
    client.force_login(bookkeeper)
    response = client.post(_url(ProductLink, "add"), {"store_product": world.products["TEA-2"].pk,
                                                      "accounting_product": other_world.items["TEA-2"].pk})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not ProductLink.objects.filter(store_product=world.products["TEA-2"]).exists()


def _connect_urls() -> list[URLPattern]:
    from accounts import urls

    return [p for p in urls.urlpatterns if "slug" in p.pattern.converters]


@pytest.mark.parametrize("pattern", _connect_urls(), ids=lambda p: p.name)
def test_every_client_page_of_b_is_a_404_for_a(client, client_user, world, other_world, rows_of_b, pattern) -> None:
    client.force_login(client_user)
    kwargs: dict[str, Any] = {"slug": other_world.org.slug}
    converters = pattern.pattern.converters
    if "public_id" in converters:
        kwargs["public_id"] = other_world.shop.public_id
    if "platform" in converters:
        kwargs["platform"] = "quickbooks"
    if "pk" in converters:
        kwargs["pk"] = rows_of_b[client_user.memberships.model].pk
    url = reverse(f"connect:{pattern.name}", kwargs=kwargs)
    assert client.get(url).status_code == 404
    assert client.post(url, {"document_type": "invoice", "role": "owner"}).status_code == 404


def test_the_organisation_list_and_progress_name_no_other_organisation(client, client_user, world, other_world) -> None:
    client.force_login(client_user)
    html = client.get("/connect/acme/").content.decode()
    assert "b Shop" not in html and "Other Co" not in html
    assert str(other_world.shop.public_id) not in client.get("/connect/acme/progress.json").content.decode()
    assert re.search(r"a Shop", html)


@pytest.mark.parametrize(("model", "model_admin"), SCOPED, ids=IDS)
def test_add_forms_refuse_every_foreign_key_of_b(client, bookkeeper, world, rows_of_b, model, model_admin) -> None:
    request = _request(bookkeeper)
    client.force_login(bookkeeper)
    if not model_admin.has_add_permission(request):
        assert client.get(_url(model, "add")).status_code == 403
        return
    form = model_admin.get_form(request)()
    foreign_keys = [name for name, field in form.fields.items() if hasattr(field, "queryset")]
    assert foreign_keys
    count = model.objects.count()
    for name in foreign_keys:
        related = form.fields[name].queryset.model
        b_row = next(row for row in rows_of_b.values() if isinstance(row, related))
        response = client.post(_url(model, "add"), {name: b_row.pk})
        assert response.status_code == 200
        assert name in response.context["adminform"].form.errors
        assert "Select a valid choice" in str(response.context["adminform"].form.errors[name])
    assert model.objects.count() == count


def test_the_admin_refuses_invalid_connection_options(client, bookkeeper, world) -> None:
    client.force_login(bookkeeper)
    response = client.post(_url(type(world.shop), "change", world.shop.pk),
                           {"display_name": "a Shop", "base_url": "", "options": '{"document_type": "cheque"}'})
    assert response.status_code == 200 and "invoice or a sales receipt" in response.content.decode()
