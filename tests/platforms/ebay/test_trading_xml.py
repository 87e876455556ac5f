"""Trading XML built and read against the pack's samples (real captures and the documented
request), with no HTTP involved."""

from __future__ import annotations

import pytest

from connector.platforms.base import PermanentError, ReconnectRequired, RetryableError
from connector.platforms.ebay import trading
from connector.platforms.ebay.errors import trading_exception
from tests.platforms.ebay.conftest import fixture_bytes


def _statuses(root) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return [trading.as_dict(node) for node in trading.iter_items(root)]


def test_the_request_we_build_matches_the_documented_sample() -> None:
    sample = trading.parse(fixture_bytes("revise_inventory_status_request.xml"))
    ours = trading.parse(trading.revise_inventory_status_request([
        trading.StatusEntry(item_id="110551234567", quantity=12),
        trading.StatusEntry(item_id="110557654321", sku="TSHIRT-RED-M", quantity=0),
    ], message_id="m-1"))
    assert ours.tag == sample.tag == f"{trading.Q}ReviseInventoryStatusRequest"
    assert _statuses(ours) == _statuses(sample)[:2]
    assert trading.as_dict(ours)["WarningLevel"] == "High" and trading.as_dict(ours)["MessageID"] == "m-1"


def test_a_request_takes_one_to_four_entries() -> None:
    entries = [trading.StatusEntry(item_id=str(110000000000 + n), quantity=n) for n in range(5)]
    assert len(_statuses(trading.parse(trading.revise_inventory_status_request(entries[:4])))) == 4
    with pytest.raises(ValueError, match="1 to 4"):
        trading.revise_inventory_status_request(entries)
    with pytest.raises(ValueError):
        trading.revise_inventory_status_request([])


def test_it_reads_the_captured_success_response() -> None:
    result = trading.revise_result(trading.parse(fixture_bytes("revise_inventory_status_response.xml")))
    assert result.ack == "Success"
    assert result.errors == ()
    assert result.revised == (trading.RevisedStatus(item_id="110136942332", sku="", quantity=101),)


def test_it_reads_the_captured_ended_item_failure() -> None:
    root = trading.parse(fixture_bytes("trading_error_response.xml"))
    result = trading.revise_result(root)
    assert result.ack == "Failure" and result.revised == ()
    [error] = result.errors
    assert (error.code, error.severity, error.classification) == ("21916750", "Error", "RequestError")
    assert error.parameters == ("110136942332",)
    assert error.message == 'You are not allowed to revise an ended item "110136942332".'
    assert trading.names_item(error, ("110136942332",)) and not trading.names_item(error, ("110136942333",))


def test_trading_errors_map_to_the_right_exception() -> None:
    ended = trading.errors(trading.parse(fixture_bytes("trading_error_response.xml")))
    assert type(trading_exception(ended, "ReviseInventoryStatus")) is PermanentError
    token = (trading.TradingError("931", "Auth token is invalid.", "", "Error", "RequestError"),)
    assert isinstance(trading_exception(token, "GetMyeBaySelling"), ReconnectRequired)
    limit = (trading.TradingError("518", "Call usage limit has been reached.", "", "Error", "RequestError"),)
    assert isinstance(trading_exception(limit, "GetMyeBaySelling"), RetryableError)
    system = (trading.TradingError("10007", "Internal error.", "", "Error", "SystemError"),)
    assert isinstance(trading_exception(system, "GetMyeBaySelling"), RetryableError)


def test_it_refuses_a_document_with_a_doctype() -> None:
    body = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(trading.TradingXMLError):
        trading.parse(body)


def test_it_reads_active_listings_with_variations() -> None:
    body = f"""<GetMyeBaySellingResponse xmlns="{trading.NS}"><Ack>Success</Ack><ActiveList><ItemArray>
    <Item><ItemID>1</ItemID><ListingType>FixedPriceItem</ListingType><Quantity>9</Quantity>
      <SellingStatus><QuantitySold>4</QuantitySold></SellingStatus><SKU> MUG-1 </SKU><Title>Mug</Title></Item>
    <Item><ItemID>2</ItemID><ListingType>FixedPriceItem</ListingType><Quantity>5</Quantity><Title>Shirt</Title>
      <Variations><Variation><SKU>TS-S</SKU><Quantity>5</Quantity><SellingStatus><QuantitySold>1</QuantitySold>
      </SellingStatus><VariationTitle>Small</VariationTitle></Variation></Variations></Item>
    </ItemArray><PaginationResult><TotalNumberOfPages>3</TotalNumberOfPages></PaginationResult></ActiveList>
    </GetMyeBaySellingResponse>""".encode()
    listings, pages = trading.active_listings(trading.parse(body))
    assert pages == 3
    assert (listings[0].sku, listings[0].available) == ("MUG-1", 5)
    assert [(v.sku, v.available) for v in listings[1].variations] == [("TS-S", 4)]
