"""Passphrase strength, judged with zxcvbn; new passphrases must reach a minimum score."""

from __future__ import annotations

from dataclasses import dataclass

from zxcvbn import zxcvbn

from fieldapp.i18n import N_, _

MIN_LENGTH = 10
MIN_SCORE = 3
_LABELS = (N_("Very weak"), N_("Weak"), N_("Fair"), N_("Strong"), N_("Very strong"))


@dataclass(frozen=True)
class Strength:
    score: int          # 0..4
    label: str
    acceptable: bool
    advice: str


def strength(passphrase: str, user_inputs: tuple[str, ...] = ()) -> Strength:
    if not passphrase:
        return Strength(0, _(_LABELS[0]), False, _("Type a passphrase of at least {count} characters.")
                        .format(count=MIN_LENGTH))
    result = zxcvbn(passphrase[:100], user_inputs=list(user_inputs))
    score = int(result["score"])
    if len(passphrase) < MIN_LENGTH:
        return Strength(min(score, 1), _(_LABELS[min(score, 1)]), False,
                        _("Use at least {count} characters.").format(count=MIN_LENGTH))
    ok = score >= MIN_SCORE
    advice = "" if ok else _("Add more words. A few unrelated words are strong and easy to remember.")
    return Strength(score, _(_LABELS[score]), ok, advice)
