"""What the leaflets say about a person's rights, each with who decides, on what condition, and its source.

Every figure a leaflet prints comes from ``FIGURES`` (the catalogues carry placeholders only; a test renders
every language with sentinel values and finds no figure of a translation's own). Every rights line of the
catalogues has a ``Source`` below: the passage of the national documents it restates (quoted from
``shared/reference/seeds``), and who decides. Update these, and the catalogues, when the national action plan
changes; any edit of a catalogue gives it a new content version.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One amount, period or age printed on leaflets."""

    value: int
    unit: str  # "days", "months", "years" or "DKK"
    year: int  # the year of the rule or rate it quotes
    source: str


@dataclass(frozen=True)
class Source:
    """Where a rights line comes from: the document, the passage it restates, and who decides (the bodies, by
    their Danish name where the leaflet prints one, separated by ";"; "" for a line that decides nothing)."""

    document: str
    passage: str
    decides: str = ""


_PLAN = "National action plan against human trafficking 2026–2029"
_RATES = "CMM annual report 2021, prepared return (rates as of January 2022, unchanged in the 2026–2029 plan)"
REFLECTION_DAYS = Figure(30, "days", 2026, _PLAN)
REFLECTION_MAX_DAYS = Figure(120, "days", 2026, _PLAN)
CASH_SINGLE = Figure(10_000, "DKK", 2026, _PLAN + " (rates unchanged since January 2022)")
CASH_WITH_CHILDREN = Figure(20_000, "DKK", 2026, _PLAN + " (rates unchanged since January 2022)")
REINTEGRATION_PER_ADULT = Figure(40_000, "DKK", 2026, _PLAN + " (rates unchanged since January 2022)")
SUPPORT_PER_CHILD = Figure(9_000, "DKK", 2026, _PLAN + " (rates unchanged since January 2022)")
CASH_PAID_OVER = Figure(6, "months", 2026, _RATES)
MINOR_AGE = Figure(18, "years", 2026, _PLAN)

FIGURES = {
    "reflection_days": REFLECTION_DAYS,
    "reflection_max_days": REFLECTION_MAX_DAYS,
    "cash_single": CASH_SINGLE,
    "cash_children": CASH_WITH_CHILDREN,
    "reintegration": REINTEGRATION_PER_ADULT,
    "per_child": SUPPORT_PER_CHILD,
    "cash_months": CASH_PAID_OVER,
    "minor_age": MINOR_AGE,
}
RULES_YEAR = REFLECTION_DAYS.year
RATES_YEAR = CASH_SINGLE.year
# The trade union the seeds name for workers' wage claims (CMM annual report 2021, the Padborg case).
UNION = "3F"

def signature() -> str:
    """Every figure a sheet prints, as text: part of each catalogue's content version, so a changed rule or
    rate gives every language a new version (and puts a reviewed one back to draft)."""
    figures = ";".join(f"{name}={figure.value}{figure.unit}" for name, figure in sorted(FIGURES.items()))
    return f"{figures};rules={RULES_YEAR};rates={RATES_YEAR};union={UNION}"


_SUPPORT = "Action plan 2026–2029, area 2, support in the reflection and recovery period"
SOURCES: dict[str, Source] = {
    "rights.assessment": Source(
        _SUPPORT, "Tilbuddene under handlingsplanen gives til personer, der er vurderet udsat for menneskehandel "
        "af de danske myndigheder, ligesom den kan gives til personer under udredning herfor.",
        "CMM (legal residence); Udlændingestyrelsen (no legal residence)"),
    "rights.reflection": Source(
        _SUPPORT, "For personer, der opholder sig uden lovligt ophold i Danmark [...] har refleksions- og "
        "restitutionsperioden karakter af en forlænget udrejsefrist på 30 dage, som meddeles af "
        "Udlændingestyrelsen. [...] CMM meddeler personer med lovligt ophold en tilsvarende refleksions- og "
        "restitutionsperiode på 30 dage", "CMM; Udlændingestyrelsen"),
    "rights.extension": Source(
        _SUPPORT, "Perioden kan forlænges op til i alt 120 dage, hvis personen samarbejder om en forberedt "
        "hjemsendelse [...] eller hvis særlige grunde taler for det. Det kan fx være, hvis det vurderes "
        "nødvendigt, at personen bliver i Danmark for at vidne, ved en graviditet med nærtstående fødsel",
        "CMM; Udlændingestyrelsen"),
    "rights.support": Source(
        _SUPPORT, "I refleksions- og restitutionsperioden får alle ofre tildelt en kontaktperson fra CMM [...] "
        "rådgivning og juridisk bistand, tolkebistand, adgang til relevant og sikker indkvartering, kost og "
        "lommepenge, mulighed for udvidet sundhedsbehandling samt psykologhjælp.", "CMM"),
    "rights.housing_women": Source(
        "Domain facts, who does what", "Reden International [...] the only specialised crisis centre for "
        "trafficked women (regardless of residence status)", "CMM"),
    "rights.housing_men": Source(
        "CMM annual report 2021, new accommodation", "ofre for menneskehandel fremover kan indkvarteres på "
        "botilbud, som er godkendt til at kunne indkvartere ofre for menneskehandel [...] Det gælder både "
        "krisecentre for kvinder og mænd.", "CMM"),
    "minor.protect": Source(
        "Action plan 2026–2029, unaccompanied children", "Barnets opholdskommune har handle- og tilsynspligt i "
        "forhold til mindreårige udlændinge.", "the municipality"),
    "minor.representative": Source(
        "Action plan 2026–2029, unaccompanied children", "Uledsagede børn får udpeget en personlig "
        "repræsentant, der varetager barnets interesser.", "the municipality"),
    # rights.police and rights.union grant and decide nothing (support does not depend on the police; a union
    # may help), so they name no decider; every other rights line names who decides in its text.
    "rights.police": Source(
        _SUPPORT, "Tilbuddene afhænger ikke af, om personen samarbejder med politiet i efterforskningen eller "
        "vidner mod deres bagmænd."),
    "rights.report": Source(
        "Domain facts, CMM's reporting strategy", "CMM helps every victim who wants to report to the police; "
        "if the person does not want to report, CMM as a rule files a report itself in which the victim is "
        "anonymous.", "CMM"),
    "rights.lawyer": Source(
        "Action plan 2026–2029, the prosecution's guidelines", "Hvis et offer anmelder en sag om menneskehandel "
        "eller menneskeudnyttelse, skal politiet i den forbindelse vejlede om muligheden for en "
        "bistandsadvokat.", "the police"),
    "rights.permit": Source(
        "Domain facts, police and courts", "A temporary residence permit is possible while the person's "
        "presence is needed for an investigation or trial (udlændingeloven § 9 c, stk. 4).",
        "Udlændingestyrelsen"),
    "rights.punish": Source(
        "Action plan 2026–2029, the prosecution's guidelines", "Der skal som udgangspunkt meddeles "
        "tiltalefrafald i medfør af retsplejelovens § 722, stk. 2, hvis [...] det påsigtede forhold relaterer "
        "sig til menneskehandlen, og at det påsigtede forhold ikke kan karakteriseres som grov kriminalitet.",
        "the prosecution"),
    "rights.return": Source(
        "Domain facts, prepared return", "voluntary; offered whether or not the person is legally in Denmark "
        "and whether or not they cooperate with the police.", "Hjemrejsestyrelsen"),
    "rights.return_cash": Source(
        _RATES, "Kontantstøtten til enlige er på 10.000 kr. [...] Kontantstøtte til forsørgere er på 20.000 kr. "
        "[...] Kontantstøtten bliver udbetalt i en periode over seks måneder.", "Hjemrejsestyrelsen"),
    "rights.return_plan": Source(
        _RATES, "Reintegrationsstøtte til voksne er på 40.000 kr. [...] kan ikke udbetales kontant [...] "
        "Reintegrationsstøtte til børn er på 9.000 kr. pr. barn. [...] når reintegrationsplanen er færdig og "
        "godkendt af Hjemrejsestyrelsen.", "Hjemrejsestyrelsen"),
    "rights.union": Source(
        "CMM annual report 2021, case: Ning and Yen", "fagforbundet 3F hjalp dem med at rejse lønkrav mod "
        "virksomheden."),
}
