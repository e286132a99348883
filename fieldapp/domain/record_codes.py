"""Code lists used by the health and legal records beyond those in ``codes``."""

from __future__ import annotations

from fieldapp.i18n import N_

HEALTH_TESTS = {
    "hiv": N_("HIV"),
    "syphilis": N_("Syphilis"),
    "chlamydia": N_("Chlamydia"),
    "gonorrhoea": N_("Gonorrhoea"),
    "hepatitis_b": N_("Hepatitis B"),
    "hepatitis_c": N_("Hepatitis C"),
    "pregnancy": N_("Pregnancy test"),
}

LEGAL_OUTCOMES = {
    "advice_given": N_("Advice given"),
    "report_prepared": N_("Police report prepared"),
    "referred_lawyer": N_("Referred to a lawyer"),
    "referred_cmm": N_("Referred to CMM"),
    "application_made": N_("Application made (residence, compensation or other)"),
    "no_further_action": N_("No further action wanted"),
    "other": N_("Other"),
}
