"""Referrals to CMM: the record the NGO keeps, the consent that goes with it, and the coded
vocabulary of the anonymised packet (age groups, world regions, generalisation steps).

Pure data and rules; no storage, no crypto. Codes are stable; labels are marked with ``N_``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from fieldapp.domain import custom_codes
from fieldapp.domain.codes import CRIME_FORMS, INDUSTRIES, LANGUAGES
from fieldapp.i18n import N_

PACKET_SCHEMA = "cmm-referral/3"
PACKET_SCHEMAS = ("cmm-referral/1", "cmm-referral/2", "cmm-referral/3")      # what CMM's intake accepts
RECEIPT_SCHEMA = "cmm-receipt/1"
DEFAULT_K = 5

HELP_REQUESTED = {
    "identification_interview": N_("Identification interview with CMM"),
    "safe_housing": N_("Safe housing"),
    "health_care": N_("Health care"),
    "legal_advice": N_("Legal advice"),
    "anonymous_police_report": N_("Anonymous report to the police"),
}

# What the person agrees to share. An anonymous notice is k-gated like every packet; a referral for
# assessment sends what CMM needs in order to act (exact nationality and age group, residence status,
# a wish to report to the police, the interpreter's language, a safe way to reach the person through
# the organisation), because the person agreed to exactly that.
CONSENT_SCOPES = {
    "anonymous_notice": N_("Anonymous notice only"),
    "assessment": N_("Referral for assessment: CMM may contact the person through us"),
}
# A consent recorded before the two scopes: it goes as an anonymous notice, which shares less.
LEGACY_SCOPES = {"contact_through_us": N_("CMM may contact the person through us")}
SCOPE_LABELS = {**CONSENT_SCOPES, **LEGACY_SCOPES}

# The sentence the worker reads aloud before the person decides (the consent records that it was read).
POLICE_NOTICE = N_("As a rule, CMM itself reports a case of human trafficking to the police, without "
                   "your name. You decide yourself whether you also want to report to the police.")

RESIDENCE_STATUSES = {
    "eu_eea": N_("EU/EEA citizen"),
    "residence_permit": N_("Has a Danish residence permit"),
    "asylum_seeker": N_("Asylum seeker"),
    "no_legal_residence": N_("No legal residence (Udlændingestyrelsen assesses)"),
    "unknown": N_("Not known"),
}
POLICE_REPORT_WISHES = {
    "yes": N_("Wants to report to the police"),
    "no": N_("Does not want to report to the police"),
    "undecided": N_("Has not decided"),
}
CONTACT_CHANNELS = {
    "ngo_phone": N_("Through us, by phone"),
    "ngo_meeting": N_("Through us, at a meeting at our place"),
    "ngo_outreach": N_("Through us, at our next outreach visit"),
}
CONTACT_DAYS = {
    "weekdays": N_("Weekdays"),
    "weekend": N_("Weekends"),
    "any_day": N_("Any day"),
}
CONTACT_TIMES = {
    "morning": N_("Morning (8–12)"),
    "afternoon": N_("Afternoon (12–17)"),
    "evening": N_("Evening (17–22)"),
    "night": N_("Night (22–8)"),
}
# Interpreter languages and dialects as ISO 639-3 codes (what CMM books an interpreter by), each with the
# code the locale data names it by, or a label of our own where the locale data has none.
INTERPRETER_LANGUAGES = {
    "bin": ("", N_("Edo (Bini)")), "pcm": ("", N_("Nigerian Pidgin")), "ary": ("", N_("Moroccan Arabic (Darija)")),
    "arb": ("ar", ""), "eng": ("en", ""), "yor": ("yo", ""), "ibo": ("ig", ""), "twi": ("tw", ""),
    "ron": ("ro", ""), "bul": ("bg", ""), "hun": ("hu", ""), "pol": ("pl", ""), "ukr": ("uk", ""),
    "rus": ("ru", ""), "sqi": ("sq", ""), "srp": ("sr", ""), "tha": ("th", ""), "vie": ("vi", ""),
    "cmn": ("zh", ""), "tgl": ("fil", ""), "khm": ("km", ""), "spa": ("es", ""), "por": ("pt", ""),
    "fra": ("fr", ""), "swh": ("sw", ""), "tir": ("ti", ""), "som": ("so", ""), "pes": ("fa", ""),
    "pus": ("ps", ""), "deu": ("de", ""), "dan": ("da", ""),
}
# The app's two-letter languages, as the interpreter codes they suggest.
INTERPRETER_FOR_LANGUAGE = {two: three for three, (two, _label) in INTERPRETER_LANGUAGES.items() if two}


def interpreters_for(languages) -> tuple[str, ...]:
    """The interpreter codes a person's languages suggest; an own language or dialect suggests its parent's
    (Edo under "bin" suggests an Edo interpreter)."""
    parents = (custom_codes.parent("languages", code) for code in languages)
    found = (code if code in INTERPRETER_LANGUAGES else INTERPRETER_FOR_LANGUAGE.get(code, "") for code in parents)
    return tuple(dict.fromkeys(code for code in found if code))


@dataclass(frozen=True)
class Assessment:
    """What a person who agreed to a referral for assessment lets CMM know, all in codes."""

    residence_status: str = "unknown"
    police_report: str = "undecided"
    interpreter: tuple[str, ...] = ()          # INTERPRETER_LANGUAGES codes
    contact_channel: str = "ngo_phone"
    contact_days: str = "any_day"
    contact_times: tuple[str, ...] = ()         # CONTACT_TIMES codes

# The outbox life of a referral. "withdrawn" is where a referral ends when consent is withdrawn
# before it was sent; its sealed packet is deleted and it can never be sent.
STATUSES = {
    "draft": N_("Draft"),
    "sealed": N_("Sealed"),
    "queued": N_("Queued"),
    "sent": N_("Sent"),
    "acknowledged": N_("Acknowledged by CMM"),
    "failed": N_("Failed"),
    "withdrawn": N_("Consent withdrawn"),
}
EDITABLE = frozenset({"draft"})
UNSENT = frozenset({"draft", "sealed", "queued", "failed"})
# Referrals whose packet exists: CMM holds it or may come to (the k-rule counts them together).
SENT_OR_SEALED = frozenset({"sealed", "queued", "sent", "acknowledged", "failed"})

RECEIPT_OUTCOMES = ("accepted", "duplicate", "rejected")

# What CMM answers about a referral (``cmm-reply/1``), in the order a case usually goes.
REPLY_SCHEMA = "cmm-reply/1"
REPLY_STATUSES = {
    "received": N_("Received by CMM"),
    "interview_booked": N_("Interview booked"),
    "assessed": N_("Assessed"),
    "contact_person_assigned": N_("Contact person assigned"),
    "reflection_period_started": N_("Reflection period started"),
    "closed": N_("Closed by CMM"),
}
ASSESSMENT_OUTCOMES = {
    "victim": N_("a victim of trafficking"),
    "not_victim": N_("not a victim of trafficking"),
    "pending": N_("not decided yet"),
}
CONTACT_ROLES = {
    "cmm_social_worker": N_("a social worker at CMM"),
    "cmm_coordinator": N_("a coordinator at CMM"),
    "other": N_("another contact person"),
}


@dataclass
class Consent:
    scope: str
    sheet_language: str
    sheet_version: str
    recorded_by: int | None = None
    recorded_at: datetime | None = None
    withdrawn_at: datetime | None = None
    notice_read: bool = False          # the worker read POLICE_NOTICE aloud before the person decided


@dataclass
class Referral:
    """What the NGO keeps about one referral. ``reference`` is random per referral and is the
    only link CMM gets back to this record."""

    person_id: str
    region: str
    contact_setting: str
    month: str                                   # "YYYY-MM"
    indicators: tuple[str, ...] = ()
    exploitation_forms: tuple[str, ...] = ("undetermined",)
    help_requested: tuple[str, ...] = ()
    immediate_danger: bool = False
    consent: Consent | None = None
    status: str = "draft"
    reference: str = ""
    created_by: int | None = None
    created_at: datetime | None = None
    override_reason: str = ""
    generalised: tuple[str, ...] = ()
    assessment: Assessment | None = None     # with the consent scope "assessment"
    urgent_call_at: datetime | None = None   # when the worker called for help in immediate danger
    sent_values: dict | None = None          # what the sealed packet said (``sent_values_of``)
    id: str | None = None
    industries: tuple[str, ...] = ()         # INDUSTRIES codes of the work, from the person's contacts
    crime_forms: tuple[str, ...] = ()        # CRIME_FORMS codes, sent with "criminal_activities" only


@dataclass(frozen=True)
class QuasiRow:
    """One person as the k-rule sees them: where and when they were met, and who they are in codes.
    ``languages`` are quasi-identifiers too ("vi" says much of what "VN" says): sorted, known codes only."""

    person_id: str
    gender: str
    age: int | None
    nationality: str
    region: str
    month: str
    languages: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    crime_forms: tuple[str, ...] = ()


def language_set(languages) -> tuple[str, ...]:
    """The languages a packet may name, as the k-rule compares them: known codes, sorted, no repeats. The
    organisation's own languages and dialects are named by their parent (Darija under Arabic: "ar")."""
    return tuple(sorted({parent for parent in (custom_codes.parent("languages", code) for code in languages)
                         if parent in LANGUAGES}))


def code_set(found, known) -> tuple[str, ...]:
    """Codes of ``known`` among ``found``, sorted, no repeats: how a packet names them and the k-rule compares them."""
    return tuple(sorted({code for code in found if code in known}))


def work_of(referral: Referral) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The industries and the forms of forced crime a packet about this referral may name: the forms of crime
    only while forced criminal activities are among its suspected forms of exploitation."""
    crime = referral.crime_forms if "criminal_activities" in referral.exploitation_forms else ()
    return code_set(referral.industries, INDUSTRIES), code_set(crime, CRIME_FORMS)


# -- age groups -------------------------------------------------------------------------------

AGE_LEVELS = 3   # 0: five-year bands, 1: ten-year bands, 2: under 18 / 18 and over
_FIVE = ((25, 29), (30, 34), (35, 39), (40, 44), (45, 49), (50, 54), (55, 59), (60, 64))
_TEN = ((25, 34), (35, 44), (45, 54))


def _band(age: int, bands: tuple[tuple[int, int], ...], top: str) -> str:
    for low, high in bands:
        if low <= age <= high:
            return f"{low}-{high}"
    return top


def age_group(age: int | None, level: int) -> str:
    """The age group at a level of detail; bands keep CMM's own lines (under 18, under 25)."""
    if age is None or age < 0 or age > 120:
        return "unknown"
    if age < 18:
        return "under_18"
    if level >= 2:
        return "18_plus"
    if age < 25:
        return "18-24"
    return _band(age, _FIVE, "65_plus") if level == 0 else _band(age, _TEN, "55_plus")


AGE_GROUPS = (("unknown", "under_18", "18-24", "18_plus", "55_plus", "65_plus")
              + tuple(f"{a}-{b}" for a, b in _FIVE + _TEN))


def age_in(year: int, age_estimate: int | None, birth_year: int | None) -> int | None:
    """An age for the k-rule: the year of birth if known, else the estimate."""
    if birth_year:
        return year - birth_year
    return age_estimate


# -- nationality and world regions (UN M49 sub-regions and regions) -----------------------------

_SUBREGIONS = {
    "northern_africa": "DZ EG LY MA SD TN EH",
    "eastern_africa": "IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW",
    "middle_africa": "AO CM CF TD CG CD GQ GA ST",
    "southern_africa": "BW SZ LS NA ZA",
    "western_africa": "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG",
    "caribbean": "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI",
    "central_america": "BZ CR SV GT HN MX NI PA",
    "south_america": "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE",
    "northern_america": "BM CA GL PM US",
    "central_asia": "KZ KG TJ TM UZ",
    "eastern_asia": "CN HK MO KP JP MN KR TW",
    "south_eastern_asia": "BN KH ID LA MY MM PH SG TH TL VN",
    "southern_asia": "AF BD BT IN IR MV NP PK LK",
    "western_asia": "AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE",
    "eastern_europe": "BY BG CZ HU PL MD RO RU SK UA",
    "northern_europe": "AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB",
    "southern_europe": "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES XK",
    "western_europe": "AT BE FR DE LI LU MC NL CH",
    "australia_new_zealand": "AU CX CC HM NZ NF",
    "melanesia": "FJ NC PG SB VU",
    "micronesia": "GU KI MH FM NR MP PW UM",
    "polynesia": "AS CK PF NU PN WS TK TO TV WF",
}
_REGION_OF_SUBREGION = {
    "africa": ("northern_africa", "eastern_africa", "middle_africa", "southern_africa", "western_africa"),
    "americas": ("caribbean", "central_america", "south_america", "northern_america"),
    "asia": ("central_asia", "eastern_asia", "south_eastern_asia", "southern_asia", "western_asia"),
    "europe": ("eastern_europe", "northern_europe", "southern_europe", "western_europe"),
    "oceania": ("australia_new_zealand", "melanesia", "micronesia", "polynesia"),
}
SUBREGION_OF = {code: sub for sub, codes in _SUBREGIONS.items() for code in codes.split()}
WORLD_REGION_OF = {sub: region for region, subs in _REGION_OF_SUBREGION.items() for sub in subs}
COUNTRIES = tuple(sorted(SUBREGION_OF))
NATIONALITY_VALUES = ("unknown",) + COUNTRIES + tuple(_SUBREGIONS) + tuple(_REGION_OF_SUBREGION)
NATIONALITY_LEVELS = 3   # 0: country, 1: sub-region, 2: world region


# The countries in each sub-region and world region (for a query that needs only those who could match).
COUNTRIES_OF = {group: tuple(sorted(code for code in SUBREGION_OF
                                    if group in (SUBREGION_OF[code], WORLD_REGION_OF[SUBREGION_OF[code]])))
                for group in (*_SUBREGIONS, *_REGION_OF_SUBREGION)}


def nationality_group(code: str, level: int) -> str:
    """ISO 3166-1 alpha-2 at level 0, its M49 sub-region at 1, its world region at 2."""
    code = (code or "").upper()
    if code not in SUBREGION_OF:
        return "unknown"
    if level == 0:
        return code
    sub = SUBREGION_OF[code]
    return sub if level == 1 else WORLD_REGION_OF[sub]


# -- periods ------------------------------------------------------------------------------------

def month_of(day: date | datetime) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def quarter_months(month: str) -> tuple[str, str, str]:
    """The three months of the quarter that holds ``month`` ("YYYY-MM")."""
    year, first = month[:4], (int(month[5:7]) - 1) // 3 * 3 + 1
    return tuple(f"{year}-{m:02d}" for m in range(first, first + 3))


def period(month: str, level: int) -> str:
    """"YYYY-MM" at level 0, "YYYY-Qn" at level 1."""
    if level == 0:
        return month
    year, mon = month.split("-")
    return f"{year}-Q{(int(mon) - 1) // 3 + 1}"


# -- generalisation -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Levels:
    """How much detail is given up; ``languages`` 1 leaves the languages out (they go with nationality), ``work``
    1 the industries and forms of forced crime."""

    age: int = 0
    nationality: int = 0
    period: int = 0
    languages: int = 0
    work: int = 0


# The order in which detail is given up; each step is cumulative. Languages are left out in the
# step that gives up the exact nationality, or they would give it back. A rare industry or form of forced
# crime is left out before the age becomes only "under 18" or "18 and over": adults and children are one of
# CMM's own groupings, and the industry can be asked back through the organisation.
STEPS = (
    ("age_10_years", Levels(age=1)),
    ("nationality_subregion", Levels(age=1, nationality=1, languages=1)),
    ("month_to_quarter", Levels(age=1, nationality=1, period=1, languages=1)),
    ("industry_crime_left_out", Levels(age=1, nationality=1, period=1, languages=1, work=1)),
    ("age_adult_or_minor", Levels(age=2, nationality=1, period=1, languages=1, work=1)),
    ("nationality_world_region", Levels(age=2, nationality=2, period=1, languages=1, work=1)),
)
STEP_LABELS = {
    "age_10_years": N_("age given in ten-year bands"),
    "nationality_subregion": N_("nationality given as a part of the world, and languages left out"),
    "month_to_quarter": N_("month given as a quarter of the year"),
    "industry_crime_left_out": N_("industry of the work and forms of forced crime left out"),
    "age_adult_or_minor": N_("age given only as under 18 or 18 and over"),
    "nationality_world_region": N_("nationality given only as a continent"),
}


@dataclass(frozen=True)
class QuasiIdentifiers:
    gender: str
    age_group: str
    nationality: str
    region: str
    period: str
    languages: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    crime_forms: tuple[str, ...] = ()


def quasi_identifiers(gender: str, age: int | None, nationality: str, region: str, month: str,
                      levels: Levels, languages: tuple[str, ...] = ()) -> QuasiIdentifiers:
    """The values at these levels, without industries or forms of crime (``with_work`` adds them)."""
    return QuasiIdentifiers(gender, age_group(age, levels.age), nationality_group(nationality, levels.nationality),
                            region, period(month, levels.period), languages if levels.languages == 0 else ())


def with_work(values: QuasiIdentifiers, levels: Levels, industries: tuple[str, ...],
              crime_forms: tuple[str, ...]) -> QuasiIdentifiers:
    """``values`` naming these industries and forms of forced crime, unless the levels leave them out."""
    return replace(values, industries=industries, crime_forms=crime_forms) if levels.work == 0 else values


@dataclass(frozen=True)
class Generalisation:
    """The outcome of the k-rule for one referral."""

    k: int
    exact: QuasiIdentifiers
    exact_count: int
    result: QuasiIdentifiers
    count: int                         # people consistent with ``result`` and every earlier packet
    steps: tuple[str, ...] = ()        # step codes applied, in order
    levels: Levels = field(default_factory=Levels)
    earlier: int = 0                   # earlier packets about the same person counted with this one

    @property
    def met(self) -> bool:
        return self.count >= self.k


def sent_values_of(gen: Generalisation) -> dict:
    """What a sealed packet says of the person, and at which detail, as the vault keeps it."""
    result, levels = gen.result, gen.levels
    return {"gender": result.gender, "age_group": result.age_group, "nationality": result.nationality,
            "region": result.region, "period": result.period, "languages": list(result.languages),
            "industries": list(result.industries), "crime_forms": list(result.crime_forms),
            "levels": {"age": levels.age, "nationality": levels.nationality, "period": levels.period,
                       "languages": levels.languages, "work": levels.work}}


def sent_work(data: dict | None) -> bool:
    """Whether a sealed packet's format names industries and forms of crime (``cmm-referral/3``): what the vault
    kept at sealing says so; a packet sealed before named neither."""
    return isinstance(data, dict) and isinstance(data.get("levels"), dict) and "work" in data["levels"]


def sent_values_read(data: dict) -> tuple[QuasiIdentifiers, Levels] | None:
    """The values and levels ``sent_values_of`` wrote, or None when they do not read back. A packet sealed
    before industries were sent is read as having left them out."""
    try:
        kept = data["levels"]
        levels = Levels(**{name: int(kept[name]) for name in ("age", "nationality", "period", "languages")},
                        work=int(kept["work"]) if "work" in kept else 1)
        values = QuasiIdentifiers(str(data["gender"]), str(data["age_group"]), str(data["nationality"]),
                                  str(data["region"]), str(data["period"]), tuple(str(c) for c in data["languages"]),
                                  tuple(str(c) for c in data.get("industries", ())),
                                  tuple(str(c) for c in data.get("crime_forms", ())))
    except (KeyError, TypeError, ValueError):
        return None
    return values, levels


# UN M49 numeric codes of the sub-regions and regions, so their names can come from the locale data.
M49_NUMERIC = {
    "northern_africa": "015", "eastern_africa": "014", "middle_africa": "017", "southern_africa": "018",
    "western_africa": "011", "caribbean": "029", "central_america": "013", "south_america": "005",
    "northern_america": "021", "central_asia": "143", "eastern_asia": "030", "south_eastern_asia": "035",
    "southern_asia": "034", "western_asia": "145", "eastern_europe": "151", "northern_europe": "154",
    "southern_europe": "039", "western_europe": "155", "australia_new_zealand": "053", "melanesia": "054",
    "micronesia": "057", "polynesia": "061", "africa": "002", "americas": "019", "asia": "142", "europe": "150",
    "oceania": "009",
}

AGE_GROUP_LABELS = {
    "unknown": N_("unknown"),
    "under_18": N_("under 18"),
    "18_plus": N_("18 and over"),
    "55_plus": N_("55 and over"),
    "65_plus": N_("65 and over"),
}
