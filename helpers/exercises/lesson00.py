"""Lesson 00's exercises: where a fake server is stopped, and when a certificate is trusted.

* ``q1`` is answered with an option's letter or the name of a box of the request-path figure.
* ``q2`` is answered with a date; the checker runs cryptography's verifier at that date on the
  certificate that :func:`certificate` returns, so any date inside its validity is right.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from typing import Any

from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from ..clock import UTC, now, utc
from ..course import HOST
from ..pki import course_pki
from ..plots.overview import STEPS
from . import Question, Uncheckable, Wrong, echo, kind_of, labelled_choice


def _step(says: str) -> str:
    """The label of the figure's box whose text has ``says`` in it, on one line ('TLS: validation')."""
    return next(" ".join(step.split()) for step, detail, _ in STEPS if says in f"{step} {detail}")


# The figure's boxes, as the learner reads them off the figure above the question.
_DNS, _TCP, _HELLO = _step("DNS"), _step("TCP"), _step("key agreement")
_CERTIFICATE, _VALIDATION = _step("sends its"), _step("trusted")
_PIN, _REQUEST = _step("Pin check"), _step("GET /users")

_Q1_OPTIONS = "'A' (DNS), 'B' (TCP), 'C' (TLS: certificate), 'D' (TLS: validation), 'E' (Pin check) " \
              "or 'F' (Encrypted request)"

q1 = Question(
    name="q1",
    prompt="On a café Wi-Fi, an attacker answers the app's DNS lookup with their own laptop's address, and "
           "their server presents a certificate for api.yourapp.com that they made and signed themselves. "
           f"At which step of the figure does a correctly written app stop? Answer {_Q1_OPTIONS}.",
    checker=labelled_choice("D", {
        "A": (_DNS, "DNS lookup"),
        "B": (_TCP, "TCP connect", "TCP connection"),
        "C": (_CERTIFICATE, "certificate"),
        "D": (_VALIDATION, "validation", "certificate validation", "TLS validation"),
        "E": (_PIN, "pinning", "pin"),
        "F": (_REQUEST, "request"),
    }, {
        "A": "The lookup works: it returns the attacker's address, and nothing in a DNS answer tells the "
             "app that it is false.",
        "B": "The attacker's laptop accepts the connection: TCP connects two ports and proves nothing about "
             "who listens on the other one.",
        "C": "The certificate arrives without trouble: anyone can send any certificate, and receiving it "
             "checks nothing.",
        "E": "Only apps that pin have a pin check, and the question is about every correctly written app. "
             "What does every such app check about a certificate it has received?",
        "F": "By then the app would already have sent its bearer token to the attacker; a correct app "
             "refuses before it sends anything.",
    }, success="Validation stops it: the self-made certificate's signature leads to no root in the app's "
               "trust store (lesson 01 builds such a fake), so the app ends the handshake before it sends "
               "anything. The DNS, TCP and key-agreement steps all worked, with the attacker.",
        near={
        _HELLO: "Key agreement works with the attacker too: it gives a secret shared with whoever is at "
                "the other end, and says nothing about who that is.",
        "key agreement": "Key agreement works with the attacker too: it gives a secret shared with whoever "
                         "is at the other end, and says nothing about who that is.",
        "TLS": "TLS covers several boxes of the figure (the shaded ones), and they do different jobs.",
        "TLS handshake": "The handshake covers several boxes of the figure (the shaded ones), and they "
                         "do different jobs.",
        "Tap": "The tap only starts the request; the app has not talked to any server yet.",
        "Data on screen": "If the app got that far, the attacker would have read the request, bearer token "
                          "and all.",
    }),
    hints=("Follow the figure box by box with the attacker at the other end. Which steps work just as well "
           "with the attacker's laptop as with the real server?",
           "DNS, TCP and key agreement do not care who is at the other end. Which box asks questions that "
           "a self-made certificate cannot answer?"),
    answer="'D' (TLS: validation). DNS, TCP and key agreement all work with the attacker; the certificate "
           "arrives; validation finds no trusted signer, so the app stops before it sends anything.",
)


# --- q2: when would this certificate have been trusted? ------------------------------------------

#: q2's certificate is valid from the first second of NOT_BEFORE's day to the last of NOT_AFTER's
#: (181 days, both included), months before the course clock.
NOT_BEFORE, NOT_AFTER = utc(2025, 10, 20), utc(2026, 4, 18) + _dt.timedelta(days=1, seconds=-1)


@functools.cache
def certificate() -> x509.Certificate:
    """q2's certificate: a leaf for api.yourapp.com from the course's issuing CA (the same on every run)."""
    return course_pki().intermediate.issue_leaf([HOST], serial=2001, key_label="lesson 00 q2 key",
                                                name="lesson 00 q2", not_before=NOT_BEFORE,
                                                not_after=NOT_AFTER).cert


#: A date as ISO 8601 text: YYYY-MM-DD, optionally with a time and a zone.
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_WRITE_IT = "write it as 'YYYY-MM-DD', for example '2031-07-04' (or give a datetime.date)."


def _moment(answer: Any) -> tuple[_dt.datetime, str]:
    """The moment a learner's date names (a date alone is noon UTC, the course clock's time), and how to show it."""
    original = answer
    if isinstance(answer, list | tuple) and len(answer) == 1:
        answer = answer[0]
    if hasattr(answer, "astype") and str(getattr(answer, "dtype", "")).startswith("datetime64"):
        text = str(answer)  # numpy.datetime64: '2026-01-15' for a day, ISO with a T for a moment
        answer = str(answer.astype("datetime64[us]")) if "T" in text else text
    if isinstance(answer, bytes) and len(answer) <= 40:
        answer = answer.decode("utf-8", "replace")
    if isinstance(answer, list | tuple) and len(answer) > 1:
        raise Uncheckable(f"That is {len(answer)} values; answer with one date: {_WRITE_IT}")
    if isinstance(answer, str):
        answer = _parse(answer)
    try:
        if isinstance(answer, _dt.datetime):
            moment = (answer if answer.tzinfo else answer.replace(tzinfo=UTC)).astimezone(UTC)
            return moment, f"{moment.date().isoformat()} {moment:%H:%M} UTC"
        if isinstance(answer, _dt.date):
            moment = _dt.datetime(answer.year, answer.month, answer.day, 12, tzinfo=UTC)
            return moment, f"{answer.isoformat()} (read as 12:00 UTC, the course clock's time of day)"
    except (OverflowError, ValueError):
        raise Uncheckable(f"{echo(original)} is too close to the ends of the calendar to check; "
                          f"{_WRITE_IT}") from None
    raise Uncheckable(f"That is {kind_of(answer)}, not a date; {_WRITE_IT}")


def _parse(answer: str) -> _dt.date | _dt.datetime:
    """A date or a moment from strict ISO 8601 text ('2026-01-15', '2026-01-15T08:00Z'; ' UTC' is allowed)."""
    text = answer.strip().strip("'\"`").strip()
    if text.upper().endswith("UTC"):  # '2026-01-15 08:00 UTC', as some tools print a moment
        text = text[:-3].rstrip()
        text += "+00:00" if len(text) > 10 else ""
    if len(text) > 40 or not _ISO.fullmatch(text):
        raise Uncheckable(f"{echo(answer)} is not a date the checker can read; {_WRITE_IT}")
    try:
        return _dt.datetime.fromisoformat(text) if len(text) > 10 else _dt.date.fromisoformat(text)
    except ValueError:
        raise Uncheckable(f"{echo(answer)} is not a real date (or time); {_WRITE_IT}") from None


def verdict(at: _dt.datetime) -> str | None:
    """None when a client that trusts the course root accepts :func:`certificate` at ``at``, else the verifier's words."""
    pki = course_pki()
    verifier = (PolicyBuilder().store(Store([pki.root.cert])).time(at)
                .build_server_verifier(x509.DNSName(HOST)))
    try:
        verifier.verify(certificate(), [pki.intermediate.cert])
    except VerificationError as exc:
        return str(exc).removeprefix("validation failed: ").split(" (encountered processing")[0]
    return None


def _check_date(answer: Any) -> str:
    moment, shown = _moment(answer)
    try:
        refused = verdict(moment)
    except (ValueError, OverflowError, TypeError):
        refused = "the verifier cannot work at that date"
    if refused is None:
        return (f"On {shown} the verifier accepts it (leaf, issuing CA, course root). On the course clock, "
                f"{now().date()}, it refuses the same certificate: a validation is only true for the moment "
                "it is made.")
    course = " That is the course clock's own day, when the lesson says it is refused." \
        if moment.date() == now().date() else ""
    real = " That is your computer's date, and the certificate is not valid by that clock either." \
        if moment.date() == _dt.datetime.now(UTC).date() and not course else ""
    raise Wrong(f"On {shown} the verifier refuses it: \"{refused}\".{course}{real}")


q2 = Question(
    name="q2",
    prompt="On the course clock, a client that trusts the course root refuses `cert = ex.certificate()`. "
           "Answer with a date ('YYYY-MM-DD') on which the same client would have accepted it.",
    checker=_check_date,
    hints=("A certificate carries the two dates between which it is valid: "
           "print(cert.not_valid_before_utc, cert.not_valid_after_utc).",
           "Any day from the first date to the last, both included, is right; a date alone is checked at "
           "12:00 UTC."),
    answer="Any day from cert.not_valid_before_utc to cert.not_valid_after_utc (2025-10-20 to 2026-04-18, "
           "both included), for example '2026-01-15'. The course clock, 2026-09-01, is after the last one.",
)
