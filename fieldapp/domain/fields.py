"""The fields of each record kind, described once: what kind of value, its label, its limits and codes.

Validation checks every described limit and code list, and the forms build their widgets and labels
from the same descriptions, so a limit is written here and nowhere else. A field's name is the
attribute it is given below, which is the record dataclass's attribute of the same name::

    class PersonFields(RecordFields, record=Person):
        alias = Field(TEXT, N_("&Alias"), max_length=60, required=N_("Give an alias ..."))

Labels, tick-box texts and messages are gettext message ids (marked with ``N_``); they are translated
where they are shown, so a language switch reaches them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from fieldapp.domain import codes
from fieldapp.domain.places import language_codes, nationality_codes
from fieldapp.domain.record_codes import HEALTH_TESTS, LEGAL_OUTCOMES
from fieldapp.domain.records import Contact, HealthContact, LegalSession, Material, OnlineSession, Person, Venue, Visit
from fieldapp.i18n import N_


class Kind(StrEnum):
    TEXT = "text"              # one line
    NOTE = "note"              # several lines
    INT = "int"
    CODE = "code"              # one code of ``codes``
    CODES = "codes"            # several codes of ``codes``
    BOOL = "bool"
    DAY = "day"
    MOMENT = "moment"          # a date and time
    REFERENCE = "reference"    # the id of another record
    MEMBER = "member"          # a user id
    MEMBERS = "members"        # several user ids
    MATERIALS = "materials"    # rows of ``MaterialFields``


TEXT, NOTE, INT, CODE, CODES, BOOL = Kind.TEXT, Kind.NOTE, Kind.INT, Kind.CODE, Kind.CODES, Kind.BOOL
DAY, MOMENT, REFERENCE, MEMBER, MEMBERS, MATERIALS = (Kind.DAY, Kind.MOMENT, Kind.REFERENCE, Kind.MEMBER,
                                                      Kind.MEMBERS, Kind.MATERIALS)


@dataclass(frozen=True, eq=False)          # each description is one of a kind: equal only to itself
class Field:
    """One field. ``label`` is the row's label (with its ``&`` mnemonic; "" for none), ``tick`` the text
    beside a yes/no field's tick box. ``max_length`` limits text; ``low``/``high`` a number (both
    inclusive). ``codes`` is a code table (code -> label) or a function giving the allowed codes.
    ``optional``: "" or None is allowed. ``required``: the message when the value is missing (for an
    optional reference: when one is given that is no record's id). ``shown``: False for a field the
    app fills in, not the user."""

    kind: Kind
    label: str = ""
    tick: str = ""
    max_length: int | None = None
    low: int | None = None
    high: int | None = None
    codes: Mapping[str, str] | Callable[[], Collection[str]] | None = None
    optional: bool = False
    required: str = ""
    shown: bool = True
    name: str = ""

    def __set_name__(self, owner: type, name: str) -> None:
        object.__setattr__(self, "name", name)

    def allowed(self) -> Collection[str]:
        """The codes this field accepts."""
        return self.codes() if callable(self.codes) else (self.codes or ())


class RecordFields:
    """The described fields of one record kind, in the order a form shows them (``fields``)."""

    record: ClassVar[type]
    fields: ClassVar[tuple[Field, ...]]

    def __init_subclass__(cls, record: type, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.record = record
        cls.fields = tuple(value for value in vars(cls).values() if isinstance(value, Field))


class VenueFields(RecordFields, record=Venue):
    name = Field(TEXT, N_("&Name"), max_length=80, required=N_("Give the venue a name."))
    kind = Field(CODE, N_("&Kind"), codes=codes.VENUE_KINDS)
    municipality = Field(TEXT, N_("&Municipality"), max_length=60)
    region = Field(CODE, N_("&Region"), codes=codes.REGIONS, optional=True)
    is_open = Field(BOOL, N_("Status"), tick=N_("O&pen (visits still happen)"))
    notes = Field(TEXT, N_("N&otes"), max_length=500)


class MaterialFields(RecordFields, record=Material):
    kind = Field(CODE, N_("Material"), codes=codes.MATERIAL_KINDS)
    language = Field(CODE, N_("Language"), codes=language_codes)
    quantity = Field(INT, N_("Quantity"), low=1, high=999)


class VisitFields(RecordFields, record=Visit):
    venue_id = Field(REFERENCE, N_("&Venue"), required=N_("Choose a venue."))
    started_at = Field(MOMENT, N_("S&tarted"))
    ended_at = Field(MOMENT, N_("&Ended"))
    team = Field(MEMBERS, N_("Tea&m"))
    people_met = Field(INT, N_("&People met"), low=0, high=1000)
    languages = Field(CODES, N_("&Languages used"), codes=language_codes)
    interpreter = Field(BOOL, N_("Interpreter"), tick=N_("An &interpreter took part"))
    materials = Field(MATERIALS, N_("Materials handed out"))
    observations = Field(CODES, N_("O&bservations at the venue"), codes=codes.INDICATORS)
    note = Field(NOTE, N_("&Note"), max_length=500)


class PersonFields(RecordFields, record=Person):
    alias = Field(TEXT, N_("&Alias"), max_length=60, required=N_("Give an alias (a nickname, never the real name)."))
    gender = Field(CODE, N_("&Gender"), codes=codes.GENDERS)
    age_estimate = Field(INT, N_("Age &estimate"), low=12, high=90, optional=True)
    # Checked against the age limits above (a rule across fields); here only: a year has four digits.
    birth_year = Field(INT, N_("&Year of birth"), high=9999, optional=True)
    nationality = Field(CODE, N_("Natio&nality"), codes=nationality_codes, optional=True)
    languages = Field(CODES, N_("&Languages"), codes=language_codes)
    phone_consent = Field(BOOL, N_("Phone"), tick=N_("The person agreed that we keep a phone number (&consent)"))
    phone = Field(TEXT, N_("P&hone number"))
    key_worker = Field(MEMBER, N_("Key &worker"), optional=True, required=N_("Choose the key worker."))
    record_consent = Field(CODE, N_("Consent to &record"), codes=codes.RECORD_CONSENT,
                           required=N_("Say whether the person agreed that we keep a record."))
    consent_reason = Field(CODE, N_("Why not as&ked"), codes=codes.NOT_ASKED_REASONS, optional=True)
    sheet_language = Field(CODE, N_("Information &sheet"), codes=codes.LANGUAGES, optional=True)
    sheet_version = Field(TEXT, shown=False, max_length=20)
    first_contact = Field(DAY, shown=False)
    last_contact = Field(DAY, shown=False)


class ContactFields(RecordFields, record=Contact):
    person_id = Field(REFERENCE, required=N_("Choose the person."), shown=False)
    kind = Field(CODE, N_("&Kind"), codes=codes.CONTACT_KINDS)
    occurred_at = Field(MOMENT, N_("&When"))
    visit_id = Field(REFERENCE, N_("On &visit"), optional=True, required=N_("Choose the visit."))
    topics = Field(CODES, N_("&Topics"), codes=codes.TOPICS)
    services = Field(CODES, N_("Servic&es"), codes=codes.SERVICES)
    indicators = Field(CODES, N_("&Indicators seen"), codes=codes.INDICATORS)
    exploitation = Field(CODES, N_("Suspected e&xploitation"), codes=codes.EXPLOITATION_FORMS)
    industry = Field(CODE, N_("Industr&y of the work"), codes=codes.INDUSTRIES, optional=True)
    crime_forms = Field(CODES, N_("Forms of forced cri&me"), codes=codes.CRIME_FORMS)
    child_steps = Field(CODES, N_("C&hild protection"), codes=codes.CHILD_STEPS)
    follow_up = Field(DAY, N_("&Follow up on"), optional=True)
    follow_up_text = Field(TEXT, N_("Follow-up &plan"), max_length=120)
    follow_up_owner = Field(MEMBER, N_("Who follows it &up"), optional=True, required=N_("Choose who follows it up."))
    note = Field(NOTE, N_("&Note"), max_length=1000)


class HealthFields(RecordFields, record=HealthContact):
    reason = Field(CODE, N_("&Reason"), codes=codes.HEALTH_REASONS)
    tests_offered = Field(CODES, N_("Tests o&ffered"), codes=HEALTH_TESTS)
    tests_taken = Field(CODES, N_("Tests ta&ken"), codes=HEALTH_TESTS)
    referred_public_care = Field(BOOL, N_("Referral"), tick=N_("Referred to public health care"))
    assaults = Field(CODES, N_("Assault &disclosed"), codes=codes.ASSAULT_KINDS)
    assault_by = Field(CODES, N_("Assault &by"), codes=codes.ASSAULT_BY)
    note = Field(NOTE, N_("Health no&te"), max_length=1000)


class LegalFields(RecordFields, record=LegalSession):
    adviser_id = Field(MEMBER, N_("Adviser"), required=N_("Choose the adviser."))
    topics = Field(CODES, N_("&Legal topics"), codes=codes.LEGAL_TOPICS)
    crimes = Field(CODES, N_("&Crimes disclosed"), codes=codes.LEGAL_CRIMES)
    perpetrators = Field(CODES, N_("Committed &by"), codes=codes.ASSAULT_BY)
    interpreter = Field(BOOL, N_("Interpreter"), tick=N_("An interpreter took part"))
    police_report_assisted = Field(BOOL, N_("Police report"), tick=N_("Helped to prepare a police report"))
    police_report_filed = Field(BOOL, tick=N_("A police report was filed"))
    victims_lawyer_requested = Field(BOOL, N_("Lawyer"), tick=N_("A victim's lawyer (bistandsadvokat) was requested"))
    first_reached_here = Field(BOOL, N_("First re&ached"),
                               tick=N_("Legal advice was the first contact with this person (not met by outreach "
                                       "before)"))
    outcome = Field(CODE, N_("Outc&ome"), codes=LEGAL_OUTCOMES, optional=True)
    follow_up = Field(DAY, N_("Se&ssion follow-up"), optional=True)


class OnlineFields(RecordFields, record=OnlineSession):
    started_at = Field(MOMENT, N_("S&tarted"))
    platform = Field(CODE, N_("&Platform"), codes=codes.PLATFORMS)
    ads_screened = Field(INT, N_("&Ads screened"), low=0, high=10000)
    ads_flagged = Field(INT, N_("Ads with &signs of exploitation"), low=0, high=10000)
    messages_sent = Field(INT, N_("&Messages sent"), low=0, high=10000)
    replies = Field(INT, N_("&Replies"), low=0, high=10000)
    people_reached = Field(INT, N_("P&eople reached"), low=0, high=10000)
    note = Field(NOTE, N_("&Note"), max_length=500)


RECORD_FIELDS: tuple[type[RecordFields], ...] = (VenueFields, VisitFields, MaterialFields, PersonFields,
                                                 ContactFields, HealthFields, LegalFields, OnlineFields)
