"""Demo catalogues. QuickBooks holds about 40 items; each store overlaps it the way real shops
do: variants, a product without SKU, a duplicated SKU, a few products only on one side."""

from __future__ import annotations

from typing import Any

_TEAS = [
    ("TEA-EARLGREY", "Earl Grey loose leaf 100 g"), ("TEA-ASSAM", "Assam breakfast 100 g"),
    ("TEA-SENCHA", "Sencha green 50 g"), ("TEA-ROOIBOS", "Rooibos vanilla 100 g"),
    ("TEA-CHAI", "Masala chai 100 g"), ("TEA-MINT", "Moroccan mint 75 g"),
    ("TEA-OOLONG", "Tie Guan Yin oolong 50 g"), ("TEA-DARJ", "Darjeeling first flush 50 g"),
    ("TEA-MATCHA", "Ceremonial matcha 30 g"), ("TEA-CHAMO", "Chamomile flowers 40 g"),
]
_WARE = [
    ("POT-GLASS-600", "Glass teapot 600 ml"), ("POT-CAST-800", "Cast iron teapot 800 ml"),
    ("MUG-STONE", "Stoneware mug"), ("CUP-SET-4", "Porcelain cup set of 4"),
    ("INF-STEEL", "Steel infuser"), ("INF-SILICONE", "Silicone infuser"),
    ("CADDY-TIN", "Tea caddy tin"), ("SCALE-MINI", "Mini kitchen scale"),
    ("KETTLE-GOOSE", "Gooseneck kettle"), ("TRAY-BAMBOO", "Bamboo tea tray"),
]
_APPAREL = [(f"TSHIRT-LEAF-{size}", f"Leaf T-shirt {size}") for size in ("S", "M", "L", "XL")]
_GIFTS = [
    ("GIFT-BOX-S", "Gift box small"), ("GIFT-BOX-L", "Gift box large"), ("CARD-GREET", "Greeting card"),
    ("SAMPLER-6", "Sampler of six teas"), ("HONEY-JAR", "Wildflower honey jar"),
    ("BISC-SHORT", "Shortbread biscuits"), ("CANDLE-BERG", "Bergamot candle"),
    ("BOOK-TEA", "The little book of tea"),
]
_SERVICES = [
    ("SVC-WRAP", "Gift wrapping", "Service"), ("SVC-TASTING", "Tasting workshop", "Service"),
    ("SHIP-STD", "Shipping", "Service"), ("DISC-GEN", "Discount", "Service"),
    ("FEE-HANDLING", "Handling fee", "Service"), ("SVC-ENGRAVE", "Engraving", "NonInventory"),
    ("NI-CATALOGUE", "Printed catalogue", "NonInventory"), ("NI-SAMPLE", "Free sample sachet", "NonInventory"),
]


def quickbooks_items() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for index, (sku, name) in enumerate(_TEAS + _WARE + _APPAREL + _GIFTS):
        items.append({"sku": sku, "name": name, "type": "Inventory", "qty_on_hand": 10 + (index * 7) % 40,
                      "unit_price": 4.5 + index})
    for sku, name, kind in _SERVICES:
        items.append({"sku": sku, "name": name, "type": kind, "qty_on_hand": 0, "unit_price": 5})
    return items


def _simple(sku: str, name: str, quantity: int = 3, tracks: bool = True) -> dict[str, Any]:
    return {"sku": sku, "name": name, "quantity": quantity, "tracks_stock": tracks, "variants": []}


def store_products(platform: str) -> list[dict[str, Any]]:
    """Per store: an overlap with QuickBooks plus the awkward cases, different by platform."""
    teas = [_simple(sku, name) for sku, name in _TEAS[:8]]
    ware = [_simple(sku, name) for sku, name in _WARE[:6]]
    shirt = {"sku": "", "name": "Leaf T-shirt", "quantity": 0, "tracks_stock": True,
             "variants": [{"sku": sku, "name": name, "quantity": 2, "tracks_stock": True} for sku, name in _APPAREL]}
    no_sku = _simple("", f"Mystery tea ({platform})")
    store_only = _simple(f"{platform.upper()}-EXCLUSIVE", f"{platform.title()} exclusive blend")
    duplicate = [_simple("MUG-STONE", "Stoneware mug (blue)"), _simple("MUG-STONE", "Stoneware mug (green)")]
    untracked = _simple("CARD-GREET", "Greeting card", quantity=0, tracks=False)
    if platform == "shopify":
        return teas + ware + [shirt, no_sku, store_only, untracked] + duplicate
    if platform == "woocommerce":
        return teas[:6] + ware[2:] + [shirt, no_sku, store_only, _simple("GIFT-BOX-S", "Gift box small")]
    if platform == "ebay":
        return teas[:5] + [shirt, no_sku, store_only, _simple("KETTLE-GOOSE", "Gooseneck kettle")]
    return teas[2:] + ware[:4] + [no_sku, store_only, _simple("SAMPLER-6", "Sampler of six teas")]


ACCOUNTS = {
    "quickbooks": "9341453050871234",
    "shopify": "leafandkettle.myshopify.com",
    "woocommerce": "leafandkettle-woo",
    "ebay": "leafandkettle_uk",
    "opencart": "leafandkettle-oc",
}
