"""A pictogram for each right and each section of a leaflet, from Phosphor Icons (MIT licence,
resources/fonts/LICENSE-Phosphor.txt), drawn as glyphs of a small subset font so the PDF stays vector.

``NAMES`` maps a catalogue key to a Phosphor icon name; ``CODEPOINTS`` the name to the code point of its bold
weight in the font (Phosphor 1.3.0 as packaged by qtawesome; rebuild the subset with
resources/fonts/make_icon_subset.py).
"""

from __future__ import annotations

FAMILY = "Phosphor"
FONT_FILE = "phosphor-leaflet-subset.ttf"

NAMES = {
    "who.heading": "users",
    "offer.heading": "handshake",
    "rights.heading": "scales",
    "help.heading": "phone",
    "privacy.heading": "lock-key",
    "rights.reflection": "hourglass",
    "rights.extension": "calendar-plus",
    "rights.support": "first-aid",
    "rights.housing_women": "house",
    "rights.housing_men": "house",
    "minor.protect": "shield-check",
    "minor.representative": "user-circle",
    "rights.police": "check-circle",
    "rights.report": "file-text",
    "rights.lawyer": "scales",
    "rights.permit": "identification-card",
    "rights.punish": "shield",
    "rights.union": "users-three",
    "rights.return": "airplane-takeoff",
    "rights.return_cash": "money",
    "rights.return_plan": "graduation-cap",
}
CODEPOINTS = {  # the bold weight: thin strokes vanish at 9 pt
    "users": 0xF73D, "handshake": 0xF59C, "scales": 0xF68D, "phone": 0xF650, "lock-key": 0xF5DC, "hourglass": 0xF5AC,
    "calendar-plus": 0xF42D, "first-aid": 0xF554, "house": 0xF5B4, "shield-check": 0xF69B, "user-circle": 0xF733,
    "check-circle": 0xF466, "file-text": 0xF508, "identification-card": 0xF5B8, "shield": 0xF69A,
    "users-three": 0xF740, "airplane-takeoff": 0xF762, "money": 0xF5F8, "graduation-cap": 0xF592,
}


def glyph(key: str) -> str:
    """The pictogram character for a catalogue key, or "" where the key has none."""
    name = NAMES.get(key)
    return chr(CODEPOINTS[name]) if name else ""
