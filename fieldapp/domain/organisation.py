"""The organisation this installation belongs to: what leaflets and packets say about it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ContactLine:
    """One way to reach help. Leaflets print the value exactly as configured, under a label for its kind in
    the leaflet's own language ("Телефон", "โทรศัพท์"); put details such as "24 h" in the value."""

    label: str          # e.g. "Hotline (24 h)"; the organisation's own words, shown in the app
    value: str          # e.g. a phone number or an address; never invented by the app
    kind: str = "phone"  # phone | address | web | email | hours


# What an organisation may offer beyond talking and referring to CMM, which every outreach NGO does; a
# leaflet prints only the ones the organisation's configuration names (legal advice is Reden's pilot, health
# care AmiAmi's clinic: not every organisation's).
OFFERED_SERVICES = ("interpreter", "health", "housing", "legal", "accompany")

# Accent colours for headings and pictograms: each dark enough to read on white paper (contrast of at least
# 4.5:1, WCAG AA) and still readable when printed in grey.
ACCENTS = {"blue": "#1d4e89", "teal": "#00656b", "purple": "#5b2a86", "red": "#9b1c31", "green": "#2d6a2e",
           "black": "#222222"}
DEFAULT_ACCENT = "blue"


@dataclass(frozen=True)
class Organisation:
    name: str = ""
    region: str = ""
    description: str = ""
    contact_lines: tuple[ContactLine, ...] = field(default_factory=tuple)
    hotline: str = ""      # the number a wallet card's QR code dials
    # People with no contact this long are deleted, when retention runs automatically (filled from the vault's
    # retention policy; 0 when runs are by hand only, and leaflets then promise no period).
    retention_months: int = 24
    services: tuple[str, ...] = ()  # OFFERED_SERVICES codes
    services_set: bool = True       # False for a configuration saved before services could be chosen
    accent: str = DEFAULT_ACCENT    # an ACCENTS name
    logo_png: bytes = b""           # the logo leaflets print at the top (not on the discreet card)
    is_sample: bool = False  # the demo/sample configuration: leaflets carry a SAMPLE mark

    @property
    def accent_colour(self) -> str:
        return ACCENTS.get(self.accent, ACCENTS[DEFAULT_ACCENT])

    def can_print_for_real(self) -> bool:
        return bool(self.name and self.contact_lines) and not self.is_sample
