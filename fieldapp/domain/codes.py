"""Code lists: the app's vocabulary, from the national action plan and CMM's statistics.

Codes are stable identifiers stored in the vault and sent in packets; labels are translated
where they are shown (``_(label)``), so they are marked with ``N_`` here. Venue kinds, platforms and services are
``ExtensibleCodes``: these standard codes, then the organisation's own codes of the open vault (``custom_codes``).
"""

from __future__ import annotations

from fieldapp.domain.custom_codes import ExtensibleCodes
from fieldapp.i18n import N_

ROLES = {
    "outreach": N_("Outreach worker"),
    "health": N_("Health staff"),
    "legal": N_("Legal adviser"),
    "coordinator": N_("Coordinator"),
    "admin": N_("Administrator"),
}

VENUE_KINDS = ExtensibleCodes("venue_kinds", {
    "massage_clinic": N_("Massage clinic"),
    "street_area": N_("Street area"),
    "house_apartment": N_("House or apartment"),
    "escort_online": N_("Escort or online"),
    # Workplaces where men and women in forced labour are met (domain facts: construction, restaurants,
    # warehouses, agriculture, transport; the Padborg case), and institutions (HopeNow's prisons and asylum centres).
    "construction_site": N_("Construction site"),
    "farm_greenhouse": N_("Farm or greenhouse"),
    "restaurant_kitchen": N_("Restaurant or kitchen"),
    "car_wash": N_("Car wash"),
    "cleaning": N_("Cleaning company or site"),
    "warehouse": N_("Warehouse or transport"),
    "prison_asylum": N_("Prison or asylum centre"),
    "drop_in": N_("Drop-in centre"),
    "other": N_("Other"),
})

# The industry of the work a person is exploited in, as CMM's annual report groups forced labour.
INDUSTRIES = {
    "construction": N_("Construction"),
    "agriculture": N_("Agriculture and horticulture"),
    "restaurant_hotel": N_("Restaurants and hotels"),
    "cleaning": N_("Cleaning"),
    "car_wash": N_("Car wash"),
    "warehouse_transport": N_("Warehouses and transport"),
    "manufacturing": N_("Manufacturing"),
    "domestic": N_("Domestic work"),
    "sex_industry": N_("Prostitution and the sex industry"),
    "other": N_("Other"),
}

# Forms of forced crime (domain facts: "strafbare handlinger: theft, drug sale/transport, cannabis production").
CRIME_FORMS = {
    "theft": N_("Theft or shoplifting"),
    "drugs": N_("Drug sale or transport"),
    "cannabis": N_("Cannabis cultivation"),
    "benefit_fraud": N_("Benefit fraud"),
    "other": N_("Other"),
}

# Where online outreach happens: the sex trade has moved to digital platforms (CMM annual report 2021).
PLATFORMS = ExtensibleCodes("platforms", {
    "escort_sites": N_("Escort and massage sites"),
    "classifieds": N_("Classified ads"),
    "dating_apps": N_("Dating apps"),
    "social_media": N_("Social media"),
    "messaging": N_("Messaging apps"),
    "other": N_("Other"),
})

REGIONS = {
    "hovedstaden": N_("Capital Region of Denmark"),
    "sjaelland": N_("Region Zealand"),
    "syddanmark": N_("Region of Southern Denmark"),
    "midtjylland": N_("Central Denmark Region"),
    "nordjylland": N_("North Denmark Region"),
}

GENDERS = {
    "woman": N_("Woman"),
    "man": N_("Man"),
    "transgender": N_("Transgender person"),
    "unknown": N_("Unknown"),
}

CONTACT_KINDS = {
    "street": N_("Street"),
    "venue": N_("Venue"),
    "health": N_("Health"),
    "legal": N_("Legal advice"),
    "phone_online": N_("Phone or online"),
    "drop_in": N_("Drop-in"),
}

INDICATORS = {
    "deceived": N_("Deceived about the job, pay or conditions"),
    "travel_arranged": N_("Travel arranged and paid by others"),
    "documents_withheld": N_("ID documents held by someone else"),
    "false_documents": N_("False ID or travel documents"),
    "isolated_controlled": N_("Isolated, controlled or watched"),
    "poor_conditions": N_("Poor housing and working conditions"),
    "debt": N_("In debt to an exploiter or recruiter"),
    "no_or_low_pay": N_("No pay or very low pay"),
    "threats_violence": N_("Threats or violence"),
    "no_healthcare": N_("No or limited access to health care"),
    "fears_authorities": N_("Fears authorities, does not know where to get help"),
    "not_speaking_freely": N_("Cannot speak freely, someone watches"),
    "lives_at_work": N_("Lives where they work"),
}

EXPLOITATION_FORMS = {
    "sexual": N_("Sexual exploitation"),
    "forced_labour": N_("Forced labour"),
    "criminal_activities": N_("Forced criminal activities"),
    "slavery_like": N_("Slavery-like conditions"),
    "undetermined": N_("Could not be determined"),
    "other": N_("Other"),
}

MATERIAL_KINDS = {
    "leaflet": N_("Leaflet"),
    "wallet_card": N_("Wallet card"),
    "health_kit": N_("Condoms or health kit"),
    "other": N_("Other"),
}

TOPICS = {
    "rights": N_("Rights in Denmark"),
    "health": N_("Health"),
    "housing": N_("Housing"),
    "work": N_("Work and pay"),
    "debt": N_("Debt"),
    "violence": N_("Violence"),
    "residence": N_("Residence status"),
    "return": N_("Return home"),
    "other": N_("Other"),
}

SERVICES = ExtensibleCodes("services", {
    "information": N_("Information given"),
    "leaflet": N_("Leaflet given"),
    "health_kit": N_("Health kit given"),
    "accompanied": N_("Accompanied to a service"),
    "referral_health": N_("Referred to health care"),
    "referral_legal": N_("Referred to legal advice"),
    "referral_cmm": N_("Referred to CMM"),
    "shelter": N_("Helped to find shelter"),
})

HEALTH_REASONS = {
    "sti_test": N_("STI test"),
    "contraception": N_("Contraception"),
    "pregnancy": N_("Pregnancy"),
    "abortion_referral": N_("Abortion referral"),
    "chronic_illness": N_("Chronic illness"),
    "injury": N_("Injury"),
    "other": N_("Other"),
}

ASSAULT_KINDS = {
    "robbery": N_("Robbery"),
    "physical": N_("Physical violence"),
    "threats": N_("Threats"),
    "sexual": N_("Sexual assault"),
}

ASSAULT_BY = {
    "customer": N_("Customer"),
    "trafficker": N_("Trafficker or pimp"),
    "other": N_("Other"),
}

LEGAL_TOPICS = {
    "report_violence": N_("Reporting violence or rape"),
    "residence": N_("Residence status"),
    "reflection_period": N_("Reflection period"),
    "labour_rights": N_("Labour rights"),
    "debt": N_("Debt"),
    "compensation": N_("Compensation"),
    "tax": N_("Tax"),
    "other": N_("Other"),
}

# Crimes against a client disclosed to the legal adviser (the Reden pilot exists so that women in
# prostitution can report violence and rape by customers and traffickers). The first four are ASSAULT_KINDS'
# codes, so that health and legal figures can be read side by side; who committed them is an ASSAULT_BY code.
LEGAL_CRIMES = {
    "sexual": N_("Rape or sexual assault"),
    "physical": N_("Physical violence"),
    "threats": N_("Threats"),
    "robbery": N_("Robbery or theft"),
    "exploitation": N_("Trafficking or exploitation"),
    "withheld_pay": N_("Pay withheld or taken"),
    "other": N_("Other crime"),
}

# Whether the person agreed that we keep a record of them (asked with the information sheet, whose language and
# version are kept). Someone who refuses is not recorded: only an anonymous count is kept. "historic_import" is
# for records brought in from old spreadsheets, where nobody can say now what was asked.
CHILD_UNDER = 18     # a child under the action plan's duty to protect children, and in CMM's figures

# The duty to protect children (National action plan 2026-2029, "Tilbud til mindreårige"): children exposed to
# trafficking need special protection under the general, extended duty to protect children; the municipality where
# the child stays must act and look after the child; an unaccompanied child gets a personal representative; the
# child always has the right to be involved and heard; authorities that see signs of trafficking tell the police
# and CMM. What a worker did about it, at a contact with someone under CHILD_UNDER:
CHILD_STEPS = {
    "municipality_told": N_("Told the municipality where the child stays: it must act and look after the child"),
    "municipality_to_tell": N_("Will tell the municipality (a follow-up is set)"),
    "cmm_told": N_("Told CMM (the hotline): a child is referred, never only an anonymous notice"),
    "child_heard": N_("Told the child what happens next, and heard what the child wants"),
    "representative_asked": N_("Unaccompanied: asked who the child's personal representative is"),
}
MUNICIPALITY_STEPS = ("municipality_told", "municipality_to_tell")

RECORD_CONSENT = {
    "given": N_("Agreed that we keep a record"),
    "refused": N_("Refused: count anonymously only"),
    "not_asked": N_("Not asked yet"),
    "historic_import": N_("Historic record, imported"),
}
RECORD_CONSENT_CHOSEN = ("given", "refused", "not_asked")     # what a worker can choose; the import sets the last

NOT_ASKED_REASONS = {
    "not_safe": N_("Not safe to ask now: someone was watching or listening"),
    "no_language": N_("No shared language and no interpreter"),
    "no_time": N_("No time: the meeting was too short"),
    "distressed": N_("The person was too distressed to ask"),
    "before_app": N_("Recorded before the app asked for consent"),
}

# The lists an organisation extends with codes of its own (languages: ``places.language_codes``).
EXTENSIBLE = {"venue_kinds": VENUE_KINDS, "platforms": PLATFORMS, "services": SERVICES}

# ISO 639-1 codes offered in pickers; labels come from babel in the UI language. Packets name these only; the
# organisation's own languages are offered beside them (``custom_codes``) and count as their parent.
LANGUAGES = ("da", "en", "th", "ro", "bg", "es", "pt", "zh", "vi", "ar", "ru", "uk", "pl", "hu",
             "fr", "tl", "yo", "ig", "sw", "ti", "so", "fa", "ps", "de", "sq", "sr", "km")
