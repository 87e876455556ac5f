"""SKU mappings from CSV: every row checked with its line number, all or nothing, locked links,
an export that re-imports unchanged, and the same checks in the command and the admin."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from connector.models import LinkOrigin, ProductLink
from connector.services import mappings
from connector.services.mappings import MappingFileError, mappings_export_csv, mappings_import
from tests.backoffice.conftest import product

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-mappings.csv"


def test_new_rows_become_locked_csv_links(world) -> None:
    data = b"store,store_sku,accounting_sku\na Shop,TEA-2,TEA-2\na Shop,ORPHAN-9,MUG-1\n"
    report = mappings_import(organization=world.org, data=data)
    assert report.ok and report.written and len(report.new) == 2
    link = ProductLink.objects.get(store_product=world.products["ORPHAN"])
    assert link.accounting_product == world.items["MUG-1"]
    assert link.origin == LinkOrigin.CSV and link.locked and link.needs_push


def test_the_dry_run_counts_new_changed_unchanged_and_writes_nothing(world) -> None:
    data = b"store,store_sku,accounting_sku\na Shop,TEA-1,MUG-1\na Shop,TEA-2,TEA-2\n"
    report = mappings_import(organization=world.org, data=data, dry_run=True)
    assert (len(report.new), len(report.changed), len(report.unchanged)) == (1, 1, 0)
    assert not report.written and ProductLink.objects.count() == 1
    mappings_import(organization=world.org, data=data)
    again = mappings_import(organization=world.org, data=data, dry_run=True)
    assert (len(again.new), len(again.changed), len(again.unchanged)) == (0, 0, 2)


def test_one_bad_row_writes_nothing_and_names_its_line(world) -> None:
    data = (b"store,store_sku,accounting_sku\n"
            b"a Shop,TEA-2,TEA-2\n"
            b"Nowhere,TEA-2,TEA-2\n"
            b"a Shop,NOPE,TEA-2\n"
            b"a Shop,DUP-S,TEA-2\n"
            b"a Shop,ORPHAN-9,NOT-IN-QBO\n")
    report = mappings_import(organization=world.org, data=data)
    assert not report.written and ProductLink.objects.count() == 1
    errors = {e.line: e.message for e in report.errors}
    assert errors[3] == "unknown store 'Nowhere'."
    assert "SKU 'NOPE' was not found on the store side" in errors[4]
    assert "ambiguous SKU 'DUP-S'" in errors[5]
    assert "SKU 'NOT-IN-QBO' was not found on the QuickBooks side" in errors[6]
    assert 2 not in errors


def test_another_organisations_product_is_an_error(world, other_world) -> None:
    foreign = other_world.items["TEA-1"].external_id
    data = f"store,store_sku,accounting_sku,store_product_id,accounting_item_id\na Shop,TEA-2,,,{foreign}\n".encode()
    report = mappings_import(organization=world.org, data=data)
    assert [str(e) for e in report.errors] == [f"Line 2: QuickBooks item {foreign} is another organisation's product."]
    store = str(other_world.shop.public_id)
    report = mappings_import(organization=world.org, data=f"store,store_sku,accounting_sku\n{store},TEA-2,TEA-2\n".encode())
    assert "belongs to another organisation" in report.errors[0].message
    assert not ProductLink.objects.filter(organization=world.org, store_product=world.products["TEA-2"]).exists()


def test_bom_semicolons_and_ids_are_understood(world) -> None:
    shop = world.shop.public_id
    data = (f"store;store_sku;accounting_sku;store_product_id;accounting_item_id\r\n"
            f"{shop};DUP-S;;{world.products['DUP-A'].external_id};{world.items['MUG-1'].external_id}\r\n").encode("utf-8-sig")
    report = mappings_import(organization=world.org, data=data)
    assert report.ok and report.written
    assert ProductLink.objects.get(store_product=world.products["DUP-A"]).accounting_product == world.items["MUG-1"]


def test_a_store_product_twice_in_the_file_is_an_error(world) -> None:
    data = b"store,store_sku,accounting_sku\na Shop,TEA-2,TEA-2\n\na Shop,tea-2,MUG-1\n"
    report = mappings_import(organization=world.org, data=data)
    assert [str(e) for e in report.errors] == ["Line 4: the same store product is already mapped on line 2."]


def test_unreadable_files_say_why(world, monkeypatch) -> None:
    with pytest.raises(MappingFileError, match="not UTF-8"):
        mappings_import(organization=world.org, data="store,store_sku,accounting_sku\nä,b,c\n".encode("latin-1"))
    with pytest.raises(MappingFileError, match="Line 1: the header lacks accounting_sku"):
        mappings_import(organization=world.org, data=b"store,store_sku\n")
    monkeypatch.setattr(mappings, "MAX_ROWS", 1)
    with pytest.raises(MappingFileError, match="more than 1 rows"):
        mappings_import(organization=world.org, data=b"store,store_sku,accounting_sku\na,b,c\nd,e,f\n")
    monkeypatch.setattr(mappings, "MAX_BYTES", 10)
    with pytest.raises(MappingFileError, match="the limit is"):
        mappings_import(organization=world.org, data=b"store,store_sku,accounting_sku\n")


def test_the_export_reimports_unchanged_and_guards_formulas(world) -> None:
    formula_item = product(world.qbo, "a-item-formula", "=HYPERLINK(1)")
    formula_product = product(world.shop, "a-var-formula", "=HYPERLINK(1)")
    ProductLink.objects.create(organization=world.org, store_product=formula_product, accounting_product=formula_item,
                               origin=LinkOrigin.CSV, locked=True)
    ProductLink.objects.filter(pk=world.link.pk).update(origin=LinkOrigin.CSV, locked=True)
    text = mappings_export_csv(ProductLink.objects.filter(organization=world.org))
    lines = text.splitlines()
    assert lines[0] == "store,store_sku,accounting_sku,store_product_id,accounting_item_id"
    assert "a Shop,'=HYPERLINK(1),'=HYPERLINK(1),a-var-formula,a-item-formula" in lines
    report = mappings_import(organization=world.org, data=text.encode(), dry_run=True)
    assert report.ok and len(report.unchanged) == 2 and not report.new and not report.changed


def test_the_command_checks_the_same_way(world, tmp_path, capsys) -> None:
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text("store,store_sku,accounting_sku\na Shop,TEA-2,TEA-2\n")
    bad.write_text("store,store_sku,accounting_sku\na Shop,TEA-2,TEA-2\na Shop,NOPE,TEA-2\n")
    call_command("import_mappings", str(good), "--organization", "acme", "--dry-run")
    assert "Would import: 1 rows: 1 new" in capsys.readouterr().out and ProductLink.objects.count() == 1
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_mappings", str(bad), "--organization", "acme")
    assert "Line 3: SKU 'NOPE' was not found on the store side" in capsys.readouterr().err
    call_command("import_mappings", str(good), "--organization", "acme")
    assert ProductLink.objects.count() == 2


def test_the_sample_file_imports_into_a_matching_organisation(org) -> None:
    from connector.models import ConnectedSystem

    qbo = ConnectedSystem.objects.create(organization=org, platform="quickbooks", role="accounting",
                                         display_name="Books", external_account_id="realm")
    rows = [line.split(",") for line in SAMPLE.read_text().splitlines()[1:] if line]
    for i, (store, store_sku, accounting_sku) in enumerate(rows):
        shop = ConnectedSystem.objects.create(organization=org, platform="shopify", role="store", display_name=store,
                                              external_account_id=f"s{i}")
        product(shop, f"p{i}", store_sku)
        product(qbo, f"i{i}", accounting_sku)
    report = mappings_import(organization=org, data=SAMPLE.read_bytes())
    assert report.ok and len(report.new) == len(rows) == 4


def test_the_admin_previews_then_confirms(client, bookkeeper, world) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(bookkeeper)
    upload = SimpleUploadedFile("m.csv", b"store,store_sku,accounting_sku\na Shop,TEA-2,TEA-2\n", "text/csv")
    preview = client.post("/admin/connector/productlink/import-csv/", {"organization": world.org.pk, "file": upload})
    html = preview.content.decode()
    assert preview.status_code == 200 and "Confirm import" in html and ProductLink.objects.count() == 1
    token = html.split('name="confirm" value="')[1].split('"')[0]
    done = client.post("/admin/connector/productlink/import-csv/", {"confirm": token}, follow=True)
    assert "Imported into Acme Books" in done.content.decode() and ProductLink.objects.count() == 2
    again = client.post("/admin/connector/productlink/import-csv/", {"confirm": token}, follow=True)
    assert "expired or was already imported" in again.content.decode()


def test_the_admin_preview_lists_errors_by_line_and_offers_no_confirm(client, bookkeeper, world) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(bookkeeper)
    upload = SimpleUploadedFile("m.csv", b"store,store_sku,accounting_sku\na Shop,TEA-2,TEA-2\na Shop,X,Y\n")
    html = client.post("/admin/connector/productlink/import-csv/", {"organization": world.org.pk,
                                                                     "file": upload}).content.decode()
    assert "Line 3" in html and "Confirm import" not in html


def test_the_admin_export_is_scoped(client, bookkeeper, world, other_world) -> None:
    client.force_login(bookkeeper)
    text = client.get("/admin/connector/productlink/export-csv/").content.decode()
    assert "a-var-1" in text and "b-var-1" not in text


def test_the_admin_export_reimports_unchanged(client, bookkeeper, world) -> None:
    formula_item = product(world.qbo, "a-item-formula", "+SUM(A1)")
    formula_product = product(world.shop, "a-var-formula", "@cmd")
    ProductLink.objects.create(organization=world.org, store_product=formula_product, accounting_product=formula_item,
                               origin=LinkOrigin.CSV, locked=True)
    ProductLink.objects.filter(pk=world.link.pk).update(origin=LinkOrigin.CSV, locked=True)
    client.force_login(bookkeeper)
    data = client.get("/admin/connector/productlink/export-csv/").content
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "store,store_sku,accounting_sku,store_product_id,accounting_item_id"
    assert "a Shop,'@cmd,'+SUM(A1),a-var-formula,a-item-formula" in text.splitlines()
    assert text == mappings_export_csv(ProductLink.objects.filter(organization=world.org))
    report = mappings_import(organization=world.org, data=data, dry_run=True)
    assert report.ok and len(report.unchanged) == 2 and not report.new and not report.changed
