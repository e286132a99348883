"""The languages and formats leaflets come in."""

from __future__ import annotations

from dataclasses import dataclass

from fieldapp.i18n import N_, _
from fieldapp.leaflets.errors import LeafletUsageError


@dataclass(frozen=True)
class Language:
    """A leaflet language: BCP 47 tag, names, script family and writing direction."""

    tag: str
    name: str  # English name, marked with N_ and translated where shown
    native: str  # the language's own name, shown to the person choosing
    script: str  # latin | cyrillic | thai | arabic | cjk | vietnamese
    rtl: bool = False
    locale: str = ""  # the CLDR locale for dates, numbers and units, when it differs from the tag

    @property
    def babel_locale(self) -> str:
        return self.locale or self.tag.replace("-", "_")

    @property
    def code(self) -> str:
        """The language as records and consent keep it (ISO 639-1, domain.codes.LANGUAGES): "zh" for zh-Hans."""
        return self.tag.split("-")[0]


LANGUAGES: tuple[Language, ...] = (
    Language("da", N_("Danish"), "Dansk", "latin"),
    Language("en", N_("English"), "English", "latin"),
    Language("th", N_("Thai"), "ไทย", "thai"),
    Language("ro", N_("Romanian"), "Română", "latin"),
    Language("bg", N_("Bulgarian"), "Български", "cyrillic"),
    Language("es", N_("Spanish"), "Español", "latin"),
    Language("pt", N_("Portuguese"), "Português", "latin"),
    Language("zh-Hans", N_("Chinese (Simplified)"), "简体中文", "cjk"),
    Language("vi", N_("Vietnamese"), "Tiếng Việt", "vietnamese"),
    Language("ar", N_("Arabic"), "العربية", "arabic", rtl=True),
    Language("ru", N_("Russian"), "Русский", "cyrillic"),
    Language("uk", N_("Ukrainian"), "Українська", "cyrillic"),
    Language("pl", N_("Polish"), "Polski", "latin"),
    Language("hu", N_("Hungarian"), "Magyar", "latin"),
    Language("fr", N_("French"), "Français", "latin"),
    Language("tl", N_("Tagalog"), "Tagalog", "latin", locale="fil"),
    Language("fa", N_("Persian"), "فارسی", "arabic", rtl=True),
)
TAGS: tuple[str, ...] = tuple(language.tag for language in LANGUAGES)
BILINGUAL_PARTNERS: tuple[str, ...] = ("da", "en")

FORMATS: tuple[str, ...] = ("a4", "a5", "card")
FORMAT_NAMES = {"a4": N_("A4 sheet"), "a5": N_("A5 folded leaflet"), "card": N_("Wallet card")}

# Who the sheet speaks to: the intro, the shelters and the rights that apply differ (see content.py).
VARIANTS: tuple[str, ...] = ("women", "men", "minor")
DEFAULT_VARIANT = "women"
VARIANT_NAMES = {"women": N_("Women"), "men": N_("Men (forced labour and forced crime)"),
                 "minor": N_("Children under 18")}


def for_code(code: str) -> Language | None:
    """The leaflet language for a record's language code ("zh" gives zh-Hans), or None."""
    return next((lang for lang in LANGUAGES if lang.code == code), None)


def language(tag: str) -> Language:
    """The language with this tag; ``LeafletUsageError`` names the known tags otherwise."""
    for candidate in LANGUAGES:
        if candidate.tag.lower() == tag.lower():
            return candidate
    raise LeafletUsageError(_("Unknown leaflet language “{tag}”. Known: {known}.").format(
        tag=tag, known=", ".join(TAGS)))


def check_format(fmt: str) -> str:
    """The format name, normalised; ``LeafletUsageError`` for an unknown one."""
    if fmt.lower() in FORMATS:
        return fmt.lower()
    raise LeafletUsageError(_("Unknown leaflet format “{fmt}”. Known: {known}.").format(
        fmt=fmt, known=", ".join(FORMATS)))


def check_variant(variant: str) -> str:
    """The variant name, normalised; ``LeafletUsageError`` for an unknown one."""
    if variant.lower() in VARIANTS:
        return variant.lower()
    raise LeafletUsageError(_("Unknown leaflet variant “{variant}”. Known: {known}.").format(
        variant=variant, known=", ".join(VARIANTS)))


def check_bilingual(primary: Language, partner_tag: str | None) -> Language | None:
    """The partner language of a bilingual leaflet (Danish or English, not the same as the primary)."""
    if partner_tag is None:
        return None
    partner = language(partner_tag)
    if partner.tag not in BILINGUAL_PARTNERS or partner.tag == primary.tag:
        raise LeafletUsageError(_("A bilingual leaflet pairs the person's language with Danish or English "
                                  "(and not with itself)."))
    return partner
