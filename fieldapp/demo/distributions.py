"""The shapes of the synthetic data, from ``reference/domain-facts.md``.

Nationalities follow CMM's 2021 victims (Nigeria 16, Thailand 11, Morocco 9 ...) with Romania,
Bulgaria and Thailand raised, as outreach in massage clinics and on the street meets them most.
About 90 % women (AmiAmi 2006–2019: 91 %). Men mostly in forced labour and criminal activities.
Health contacts follow AmiAmi: mostly STI tests, ~9 % of clients disclose an assault, ~16 % are
referred on to public health care.
"""

from __future__ import annotations

import random
from datetime import date

CMM_2021 = {
    "NG": 16, "TH": 11, "MA": 9, "RO": 6, "VN": 6, "CN": 5, "AF": 3, "DZ": 2, "CM": 2, "GH": 2, "KE": 2, "PK": 2,
    "BG": 1, "KH": 1, "DK": 1, "PH": 1, "GM": 1, "IN": 1, "IQ": 1, "RU": 1, "RS": 1, "SR": 1, "TZ": 1, "UG": 1,
    "UA": 1, "HU": 1,
}
OUTREACH_BOOST = {"TH": 30, "RO": 25, "BG": 12}
WOMEN_NATIONALITIES = {code: CMM_2021[code] + OUTREACH_BOOST.get(code, 0) for code in CMM_2021}
MEN_NATIONALITIES = {"MA": 14, "VN": 10, "RO": 10, "CN": 6, "AF": 5, "DZ": 4, "PK": 4, "NG": 3, "UA": 3, "BG": 3,
                     "IQ": 2, "RS": 2}

LANGUAGES = {
    "NG": ("en", "yo", "ig"), "TH": ("th",), "MA": ("ar", "fr"), "RO": ("ro",), "VN": ("vi",), "CN": ("zh",),
    "AF": ("fa", "ps"), "DZ": ("ar", "fr"), "CM": ("fr", "en"), "GH": ("en",), "KE": ("sw", "en"), "PK": ("ur", "en"),
    "BG": ("bg",), "KH": ("km",), "DK": ("da",), "PH": ("tl", "en"), "GM": ("en",), "IN": ("hi", "en"),
    "IQ": ("ar",), "RU": ("ru",), "RS": ("sr",), "SR": ("nl",), "TZ": ("sw",), "UG": ("en",), "UA": ("uk", "ru"),
    "HU": ("hu",),
}

GENDERS = {"woman": 88, "man": 8, "transgender": 3, "unknown": 1}
AGE_MEAN, AGE_SD, AGE_RANGE = 31, 8, (18, 62)

VENUE_KINDS = {"massage_clinic": 40, "street_area": 14, "house_apartment": 15, "escort_online": 11, "drop_in": 5,
               "construction_site": 2, "farm_greenhouse": 2, "restaurant_kitchen": 2, "car_wash": 1, "cleaning": 1,
               "warehouse": 1, "prison_asylum": 4, "other": 2}
REGIONS = {"hovedstaden": 40, "sjaelland": 12, "syddanmark": 20, "midtjylland": 18, "nordjylland": 10}
MUNICIPALITIES = {
    "hovedstaden": ("København", "Frederiksberg", "Gentofte", "Hvidovre", "Ballerup", "Helsingør", "Hillerød"),
    "sjaelland": ("Roskilde", "Køge", "Næstved", "Slagelse", "Holbæk"),
    "syddanmark": ("Odense", "Esbjerg", "Kolding", "Vejle", "Svendborg", "Sønderborg"),
    "midtjylland": ("Aarhus", "Randers", "Herning", "Horsens", "Silkeborg", "Viborg"),
    "nordjylland": ("Aalborg", "Hjørring", "Frederikshavn", "Thisted"),
}
VENUE_WORDS = ("Lotus", "Golden", "Jasmine", "Orchid", "Bamboo", "Sunrise", "Harmony", "Silk", "Pearl", "Lucky",
               "Royal", "Zen", "Coral", "Ruby", "Jade", "Amber")
VENUE_NOUNS = {
    "massage_clinic": ("Massage", "Wellness", "Spa", "Thai Massage", "Body Care"),
    "street_area": ("station area", "harbour front", "side streets", "ring road lay-by"),
    "house_apartment": ("house", "apartment", "flat"),
    "escort_online": ("escort profiles", "online ads", "dating app contacts"),
    "drop_in": ("drop-in", "café"),
    "construction_site": ("building site", "renovation site", "road works"),
    "farm_greenhouse": ("farm", "greenhouses", "nursery"),
    "restaurant_kitchen": ("restaurant", "kitchen", "takeaway"),
    "car_wash": ("car wash", "hand car wash"),
    "cleaning": ("cleaning crew", "office cleaning"),
    "warehouse": ("warehouse", "logistics centre"),
    "prison_asylum": ("asylum centre", "prison visits"),
    "other": ("hostel", "workers' camp", "farm housing"),
}

CONTACT_KINDS = {"venue": 46, "street": 12, "phone_online": 12, "drop_in": 12, "health": 14, "legal": 4}
TOPICS = {"rights": 30, "health": 25, "housing": 10, "work": 12, "debt": 8, "violence": 6, "residence": 8,
          "return": 4, "other": 5}
SERVICES = {"information": 60, "leaflet": 35, "health_kit": 30, "accompanied": 4, "referral_health": 6,
            "referral_legal": 3, "referral_cmm": 1, "shelter": 1}
INDICATORS = {"deceived": 8, "travel_arranged": 8, "documents_withheld": 4, "false_documents": 3,
              "isolated_controlled": 7, "poor_conditions": 10, "debt": 12, "no_or_low_pay": 8,
              "threats_violence": 6, "no_healthcare": 6, "fears_authorities": 10, "not_speaking_freely": 5,
              "lives_at_work": 9}
EXPLOITATION = {
    "woman": {"sexual": 80, "forced_labour": 6, "slavery_like": 3, "undetermined": 8, "other": 3},
    "man": {"forced_labour": 45, "criminal_activities": 35, "sexual": 8, "undetermined": 12},
}
INDUSTRIES = {"construction": 25, "agriculture": 20, "restaurant_hotel": 20, "warehouse_transport": 12, "cleaning": 10,
              "car_wash": 5, "manufacturing": 3, "domestic": 3, "other": 2}
CRIME_FORMS = {"cannabis": 35, "drugs": 25, "theft": 25, "benefit_fraud": 10, "other": 5}
# Consent to be recorded: most agree with the sheet in their language; some were not asked yet (and why); older
# records came from spreadsheets. Those who refuse are counted anonymously (REFUSED_PER_PERSON of the people kept).
RECORD_CONSENT = {"given": 82, "not_asked": 10, "historic_import": 8}
NOT_ASKED_REASONS = {"not_safe": 40, "no_language": 25, "no_time": 25, "distressed": 10}
REFUSED_PER_PERSON = 0.06
SHEETS = ("da", "en", "th", "ro", "bg", "es", "pt", "zh", "vi", "ar", "ru", "uk", "pl", "hu", "fr", "tl", "fa")
SHEET_VERSION = "1.0"     # a numbered sheet, as printed before content versions were computed
ONLINE_PER_PERSON = 0.05     # online outreach sessions: one for every twenty people met
PLATFORMS = {"escort_sites": 40, "classifieds": 20, "dating_apps": 15, "social_media": 15, "messaging": 10}
CHILDREN = 0.01               # people met under 18 (CMM identifies a few children every year): aged 15-17
CHILD_STEPS = {"municipality_told": 70, "municipality_to_tell": 30}
WITH_KEY_WORKER = 0.3        # people with a key worker of their own
FOLLOW_UP_PLANS = ("Bring leaflets in her language", "Ask how the doctor's visit went", "Check the new address",
                   "Call about the legal advice appointment", "Bring a health kit", "Ask about the debt again",
                   "Offer to go with her to the drop-in")
MATERIALS = {"leaflet": 50, "wallet_card": 15, "health_kit": 30, "other": 5}

HEALTH_REASONS = {"sti_test": 60, "contraception": 12, "pregnancy": 7, "abortion_referral": 3,
                  "chronic_illness": 8, "injury": 4, "other": 6}
STI_TESTS = ("hiv", "syphilis", "chlamydia", "gonorrhoea", "hepatitis_b", "hepatitis_c")
ASSAULT_KINDS = {"robbery": 25, "physical": 35, "threats": 25, "sexual": 15}
ASSAULT_BY = {"customer": 60, "trafficker": 25, "other": 15}
LEGAL_TOPICS = {"report_violence": 30, "residence": 20, "reflection_period": 10, "labour_rights": 8, "debt": 12,
                "compensation": 8, "tax": 6, "other": 6}
LEGAL_OUTCOMES = {"advice_given": 55, "report_prepared": 10, "referred_lawyer": 10, "referred_cmm": 6,
                  "application_made": 6, "no_further_action": 10, "other": 3}
LEGAL_PILOT_START = date(2026, 1, 1)
# Crimes disclosed at legal sessions: the pilot is there so that women can report violence and rape by customers
# and traffickers; customers most often, as in AmiAmi's assault figures.
LEGAL_CRIMES = {"sexual": 25, "physical": 25, "threats": 20, "robbery": 12, "exploitation": 8, "withheld_pay": 7,
                "other": 3}
PERPETRATORS = {"customer": 60, "trafficker": 30, "other": 10}

# Shares (probabilities) that are not weights of a code list.
HEALTH_CLIENTS = 0.15          # people who use the health service
LEGAL_CLIENTS = 0.06           # women who see the legal adviser
ASSAULT_DISCLOSED = 0.025      # per health contact (about 9 % of clients over their contacts)
REFERRED_PUBLIC_CARE = 0.05    # per health contact (about 16 % of clients)
CRIME_DISCLOSED = 0.35         # per legal session
POLICE_REPORT_ASSISTED = 0.4   # of legal sessions where a crime is disclosed (about 14 % of sessions)
INDICATORS_SEEN = 0.07         # contacts where indicators are noted
FOLLOW_UP = 0.12               # contacts that ask for a follow-up
PHONE_WITH_CONSENT = 0.08

SYLLABLES = ("ma", "li", "na", "ka", "ri", "sa", "to", "mi", "la", "ye", "jo", "an", "el", "da", "ni", "ra", "su",
             "ki", "lo", "vi", "ta", "ne", "ro", "mo", "ja", "chi", "dao", "phi", "ae", "ola", "bu", "de", "fa", "nu",
             "ze", "pim", "ly", "so", "ti")
VISIT_NOTES = ("Quiet evening; few customers.", "New faces since last time.", "Door opened after a while.",
               "Manager present; short visit.", "Women asked for more health kits.", "Heavy rain; street empty.",
               "Several asked about the drop-in opening hours.", "Interpreter by phone for part of the visit.")
CONTACT_NOTES = ("Wants to talk again next time.", "Asked about the reflection period.", "Seemed tired; short talk.",
                 "Asked for leaflets in her language for a friend.", "Would like help with a doctor's appointment.",
                 "Talked about debt to the landlord.", "Prefers contact by phone.", "First longer conversation.")


def pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(tuple(weights), tuple(weights.values()))[0]


def pick_some(rng: random.Random, weights: dict[str, int], most: int) -> tuple[str, ...]:
    """One to ``most`` different codes, by weight, in the order of ``weights``."""
    chosen = {pick(rng, weights) for _ in range(rng.randint(1, most))}
    return tuple(code for code in weights if code in chosen)
