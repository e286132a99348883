"""A print pack for a visit: so many copies of which leaflet or card, in which language, for which reader."""

from __future__ import annotations

from dataclasses import dataclass

from fieldapp.i18n import _
from fieldapp.leaflets.errors import LeafletUsageError
from fieldapp.leaflets.languages import DEFAULT_VARIANT, check_format, check_variant, language

MATERIAL_KIND = {"a4": "leaflet", "a5": "leaflet", "card": "wallet_card"}  # domain.codes.MATERIAL_KINDS
MAX_COPIES = 200


@dataclass(frozen=True)
class PackItem:
    fmt: str
    tag: str
    quantity: int
    variant: str = DEFAULT_VARIANT

    def material(self) -> tuple[str, str, int]:
        """(kind, language, quantity) as a visit's materials record them."""
        return MATERIAL_KIND[self.fmt], self.tag, self.quantity


def pack_item(fmt: str, tag: str, quantity: int, variant: str = DEFAULT_VARIANT) -> PackItem:
    """A checked pack line; raises ``LeafletUsageError`` for an unknown format, language or variant or a bad
    quantity."""
    if not 1 <= quantity <= MAX_COPIES:
        raise LeafletUsageError(_("Choose between 1 and {most} copies.").format(most=MAX_COPIES))
    return PackItem(check_format(fmt), language(tag).tag, quantity, check_variant(variant))


def materials(items: list[PackItem]) -> list[tuple[str, str, int]]:
    """The pack's materials, one entry per kind and language, quantities added up."""
    totals: dict[tuple[str, str], int] = {}
    for item in items:
        kind, tag, quantity = item.material()
        totals[(kind, tag)] = totals.get((kind, tag), 0) + quantity
    return [(kind, tag, quantity) for (kind, tag), quantity in totals.items()]
