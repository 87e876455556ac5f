"""The match report page: every product of a connection, grouped, with the reason in words."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_report_groups_products_and_says_why(client, client_user, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(client_user)
    response = client.get(f"/connect/acme/systems/{world.shop.public_id}/matches/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Matched (" in html and "Duplicated SKU (" in html and "Unmatched in the store (" in html
    assert "ORPHAN-9" in html and "DUP-S" in html
    assert "TEA-1" in html


def test_the_organisation_page_links_to_each_report(client, client_user, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(client_user)
    html = client.get("/connect/acme/").content.decode()
    assert f"/connect/acme/systems/{world.shop.public_id}/matches/" in html


def test_another_organisations_report_is_a_404(client, outsider, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(outsider)
    assert client.get(f"/connect/acme/systems/{world.shop.public_id}/matches/").status_code == 404
