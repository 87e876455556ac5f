"""The back office in a real browser (Chromium through Playwright): sign in, see and connect
systems, save options, read a CSV import's line-numbered error, and be refused another
organisation's pages. Uses Debian's chromium; Playwright never downloads a browser."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connector.models import ConnectedSystem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PASSWORD = "correct horse 1"
REALM = "9341455327810552"
SCREENSHOTS = os.environ.get("CONNECTOR_SCREENSHOTS_DIR", "")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM:
        pytest.skip("Chromium is not installed (apt-get install chromium); the browser tests need it.")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are ordinary synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, emulator_url) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15000)
    yield tab
    context.close()


def sign_in(page: Any, live_server: Any, email: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def shot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)


def test_a_client_signs_in_and_sees_every_system_with_its_health(page, live_server, client_user, world) -> None:
    sign_in(page, live_server, "client@example.com")
    assert page.url.endswith("/connect/acme/")
    cards = page.locator("[data-testid=system]")
    assert cards.count() == 2
    shop = page.locator(f"#system-{world.shop.public_id}")
    assert "a Shop" in shop.inner_text() and "5 of 6" in shop.inner_text()
    shot(page, "connect-page.png")


def test_a_client_connects_quickbooks_through_the_consent_page(page, live_server, client_user, org) -> None:
    from emulators.quickbooks.emulator import emulator_seed

    emulator_seed(REALM, [{"sku": "TEA-1", "name": "Earl Grey", "type": "Inventory", "qty_on_hand": 5, "unit_price": 4}])
    sign_in(page, live_server, "client@example.com")
    page.click("[data-platform=quickbooks] button[type=submit]")
    page.wait_for_url("**/_emulators/quickbooks/**")
    page.select_option("select[name=realmId]", REALM)
    page.click("button[value=connect]")
    page.wait_for_url("**/connect/acme/**")
    assert "is connected" in page.inner_text(".messages")
    system = ConnectedSystem.objects.get(platform="quickbooks", external_account_id=REALM)
    assert page.locator(f"#system-{system.public_id}").is_visible()


def test_a_client_connects_a_shopify_store_through_its_consent_page(page, live_server, client_user, org) -> None:
    from emulators.shopify.emulator import emulator_seed

    emulator_seed("browser-shop.myshopify.com", [{"sku": "TEA-1", "name": "Earl Grey", "quantity": 2,
                                                  "tracks_stock": True}])
    sign_in(page, live_server, "client@example.com")
    form = page.locator("[data-platform=shopify]")
    form.locator("input[name=shop]").fill("browser-shop.myshopify.com")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/admin/oauth/authorize**")
    page.click("button[value=install]")
    page.wait_for_url("**/connect/acme/**")
    system = ConnectedSystem.objects.get(platform="shopify", external_account_id="browser-shop.myshopify.com")
    assert "is connected" in page.inner_text(".messages")
    assert page.locator(f"#system-{system.public_id}").is_visible()


def test_the_options_form_saves(page, live_server, client_user, world) -> None:
    sign_in(page, live_server, "client@example.com")
    card = page.locator(f"#system-{world.shop.public_id}")
    card.locator("summary").click()
    card.locator("input[name=sync_stock]").uncheck()
    card.locator("select[name=document_type]").select_option("sales_receipt")
    card.locator("input[name=doc_number_prefix]").fill("WEB-")
    card.locator("button", has_text="Save options").click()
    page.wait_for_load_state("networkidle")
    assert "Options of a Shop saved." in page.inner_text(".messages")
    opts = ConnectedSystem.objects.get(pk=world.shop.pk).opts
    assert (opts.sync_stock, opts.document_type, opts.doc_number_prefix) == (False, "sales_receipt", "WEB-")


def test_a_csv_import_error_names_its_line(page, live_server, bookkeeper, world, tmp_path) -> None:
    bad = tmp_path / "mappings.csv"
    bad.write_text("store,store_sku,accounting_sku\na Shop,TEA-2,TEA-2\na Shop,NO-SUCH-SKU,TEA-2\n")
    sign_in(page, live_server, "bookkeeper@example.com")
    page.goto(f"{live_server.url}/admin/connector/productlink/import-csv/")
    page.set_input_files("input[name=file]", str(bad))
    page.click("#preview-import")
    page.wait_for_load_state("networkidle")
    errors = page.inner_text("#import-errors")
    assert "Line 3" in errors and "SKU 'NO-SUCH-SKU' was not found on the store side" in errors
    assert page.locator("#confirm-import").count() == 0


def test_a_csv_import_goes_through_the_preview_then_writes(page, live_server, bookkeeper, world, tmp_path) -> None:
    from connector.models import ProductLink

    good = tmp_path / "mappings.csv"
    good.write_text("store;store_sku;accounting_sku\na Shop;ORPHAN-9;MUG-1\n", encoding="utf-8-sig")
    sign_in(page, live_server, "bookkeeper@example.com")
    page.goto(f"{live_server.url}/admin/connector/productlink/")
    page.click("text=Import CSV")
    page.set_input_files("input[name=file]", str(good))
    page.click("#preview-import")
    assert "1\nnew" in page.inner_text("#import-counts").replace("\r", "")
    assert not ProductLink.objects.filter(store_product=world.products["ORPHAN"]).exists()
    page.click("#confirm-import")
    page.wait_for_load_state("networkidle")
    assert "Imported into Acme Books" in page.content()
    link = ProductLink.objects.get(store_product=world.products["ORPHAN"])
    assert link.accounting_product == world.items["MUG-1"] and link.locked


def test_a_bookkeeper_fixes_an_unmatched_product_with_autocomplete(page, live_server, bookkeeper, world,
                                                                   other_world) -> None:
    from connector.models import ProductLink

    sign_in(page, live_server, "bookkeeper@example.com")
    page.goto(f"{live_server.url}/admin/connector/product/?link=unmatched")
    assert "No QuickBooks item has SKU ORPHAN-9" in page.content() or "ORPHAN-9" in page.content()
    page.goto(f"{live_server.url}/admin/connector/productlink/add/")
    for field, term, wanted in (("store_product", "ORPHAN", "ORPHAN-9"), ("accounting_product", "MUG", "MUG-1")):
        page.click(f".field-{field} .select2-selection")
        page.fill(".select2-search__field", term)
        option = page.locator(".select2-results__option", has_text=wanted)
        option.first.wait_for()
        # Organisation B has a product with the same SKU: only A's is offered.
        assert option.count() == 1
        option.first.click()
    page.click("input[name=_save]")
    page.wait_for_load_state("networkidle")
    link = ProductLink.objects.get(store_product=world.products["ORPHAN"])
    assert link.accounting_product == world.items["MUG-1"] and link.origin == "manual"


def test_the_dashboard_draws_charts(page, live_server, bookkeeper, world) -> None:
    from syncjobs.models import StockPushEvent

    for i in range(6):
        StockPushEvent.objects.create(organization=world.org, system=world.shop, ok=i != 3, quantity=i, latency_ms=400 + 90 * i)
    sign_in(page, live_server, "bookkeeper@example.com")
    page.goto(f"{live_server.url}/admin/connector/connectedsystem/dashboard/")
    assert page.locator("[data-org=acme] svg").count() == 2
    shot(page, "dashboard.png")


def test_an_outsider_gets_404_on_another_organisations_pages(page, live_server, outsider, world) -> None:
    sign_in(page, live_server, "outsider@example.com")
    response = page.goto(f"{live_server.url}/connect/acme/")
    assert response.status == 404
    response = page.goto(f"{live_server.url}/admin/connector/productlink/{world.link.pk}/change/")
    assert response.status == 404
    assert "a Shop" not in page.content()
