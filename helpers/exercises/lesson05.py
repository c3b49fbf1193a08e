"""Lesson 05's exercises: run a defence (CAA, a CT monitor) and see what a device's store decides.

* q1: CAA records (text, one per line, or a list). The checker runs the toy CAA check of
  :mod:`helpers.attacks.caa` on them: your renewal must pass, both hijackers must be refused.
* q2: which attacks still connect when the store holds only system CAs. The checker runs the four
  attacks on loopback against such a client. The answer is a list (or any iterable) of attacks: their
  names as the scoreboard prints them, their titles, ``Attack`` objects, ``Attacker`` values or the
  ``Result`` of ``run_attack``, in any case and spacing.
* q3: a CT monitor (a function ``certificate -> bool``, or the keys you hold as pins, certificates or
  public keys, or issuer names). The checker runs it on the toy log of :mod:`helpers.attacks.ct` and on
  two certificates it makes just now, one yours and one not.
"""

from __future__ import annotations

import functools
import itertools
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography import x509

from ..attacks import ATTACKS, CHAIN_STUFFING, Attack, Result, caa, ct, run_attack
from ..clock import utc
from ..course import HOST
from ..pem import short_name
from ..pinning.client import CaClient
from ..pinning.pins import Pin, PinError, PinSet, parse_pin
from ..pki import Attacker, Issued, course_pki
from ..pki.ca import leaf_dates
from . import Question, Wrong, echo, kind_of

#: The attack names a learner may give, as the scoreboard shows them.
ATTACK_KEYS = tuple(a.value for a in Attacker)


# --- q1: a CAA record that stops the mis-issuance ------------------------------------------------

_MAX_TEXT = 2000


def _records(answer: Any) -> list[caa.CaaRecord]:
    """The answer as CAA records: one text (one record per line), bytes, or a list of texts or records."""
    if isinstance(answer, bytes | bytearray) and len(answer) <= _MAX_TEXT:
        answer = bytes(answer).decode("utf-8", "replace")
    if isinstance(answer, caa.CaaRecord):
        return [answer]
    if isinstance(answer, str):
        if len(answer) > _MAX_TEXT:
            raise Wrong(f"That text is {len(answer):,} characters long; a CAA record is one short line.")
        items: list[Any] = answer.splitlines()
    elif isinstance(answer, Mapping) or not isinstance(answer, Iterable):
        raise Wrong(f"That is {kind_of(answer)}; give the record as text, like '0 issue \"ca.example\"', "
                    "or a list of such texts.")
    else:
        items = list(itertools.islice(iter(answer), _MAX_ITEMS + 1))
        if len(items) > _MAX_ITEMS:
            raise Wrong(f"That holds more than {_MAX_ITEMS} items; a zone has a few CAA records.")
    records = []
    for item in items:
        if isinstance(item, caa.CaaRecord):
            records.append(item)
        elif isinstance(item, str):
            if item.strip():
                try:
                    records.append(caa.parse_record(item))
                except caa.CaaSyntaxError as why:
                    raise Wrong(str(why)[:1].upper() + str(why)[1:]) from None
        else:
            raise Wrong(f"An item of your list is {kind_of(item)}; each record is a text like "
                        "'0 issue \"ca.example\"'.")
    if not records:
        raise Wrong("Your answer holds no CAA record, so every CA may issue for your name.")
    return records


def _why_you_are_refused(records: list[caa.CaaRecord]) -> str:
    issue = [r for r in records if r.tag == "issue"]
    if not any(r.issuer() == caa.YOUR_CA for r in issue):
        return "no issue record names the CA that issues your certificates"
    if all(r.parameters().get("accounturi", caa.YOUR_ACCOUNT) != caa.YOUR_ACCOUNT
           for r in issue if r.issuer() == caa.YOUR_CA):
        return "its accounturi is not your ACME account"
    return "its validationmethods leave out the method your renewal uses"


def _check_caa(answer: Any) -> str:
    records = _records(answer)
    you, hijacker_here, hijacker_elsewhere, _zone = caa.REQUESTS
    if not caa.issued(records, you):
        raise Wrong(f"Your records refuse your own renewal too ({_why_you_are_refused(records)}), so your "
                    "next certificate would not be issued.")
    if caa.issued(records, hijacker_elsewhere):
        raise Wrong("Your records let any CA issue for your name: only issue records restrict who may issue "
                    "(issuewild and iodef do not).")
    if caa.issued(records, hijacker_here):
        raise Wrong("Your records let the hijacker get a certificate from your own CA with its own ACME "
                    "account: naming the CA is not enough when the attacker uses your CA.")
    return ("The CA now issues only to your account (or only by a method the hijacker cannot pass). It "
            "still cannot help against an attacker who controls your DNS zone: that attacker rewrites "
            "the CAA records.")


q1 = Question(
    name="q1",
    prompt="Write the CAA record(s) for api.yourapp.com that let your own renewal through (CA "
           f"{caa.YOUR_CA}, ACME account {caa.YOUR_ACCOUNT}, validation dns-01) and stop the hijacker "
           "who gets its certificates from that same CA. The checker runs the toy CAA check on them.",
    checker=_check_caa,
    hints=("A record like 0 issue \"ca.example\" names a CA; RFC 8657 adds parameters after a ';'.",
           "Parameters: accounturi=<your account URL> and validationmethods=<methods>; "
           "try attacks.caa_check(your_records)."),
    answer="'0 issue \"issuing-ca.example; accounturi=https://issuing-ca.example/acme/acct/1001\"'. "
           "Adding validationmethods=dns-01 works too.",
)


# --- q2: the store decides ---------------------------------------------------------------------

def _squash(text: str) -> str:
    """Lower case, letters and digits only: 'DV mis-issuance', 'DV_MISISSUANCE' and 'dv misissuance' agree."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _names() -> dict[str, str]:
    """Every spelling the lesson prints (key, title, enum name), squashed, to the attack's key."""
    names = {}
    for item in ATTACKS:
        for spelling in (item.key, item.title, item.attacker.name, item.attacker.value):
            names[_squash(str(spelling))] = str(item.key)
    return names


_MAX_ITEMS = 50  # more than this many items is not a list of the four attacks


def _items(answer: Any) -> list[Any]:
    """The answer as a list of items: one name, a comma-separated string, or any iterable."""
    if isinstance(answer, str):
        return [part for part in re.split(r"[,;]", answer) if part.strip()] or [answer]
    if isinstance(answer, Mapping):
        raise Wrong("That is a dict; give a list of the attacks that connect, e.g. "
                    "[name for name, connected in your_dict.items() if connected].")
    if isinstance(answer, Attack | Attacker | Result) or not isinstance(answer, Iterable):
        return [answer]
    items = list(itertools.islice(iter(answer), _MAX_ITEMS + 1))
    if len(items) > _MAX_ITEMS:
        raise Wrong(f"That holds more than {_MAX_ITEMS} items; the answer is a short list of attack names.")
    return items


def _attack_key(item: Any) -> str:
    """One item of the answer as an attack's key; Wrong if it names no attack of this lesson."""
    if isinstance(item, Result):
        item = item.attack
    if item is CHAIN_STUFFING or (isinstance(item, str) and _squash(item) in {_squash(CHAIN_STUFFING.key),
                                                                             _squash(CHAIN_STUFFING.title)}):
        raise Wrong("Chain stuffing is lesson 06's twist on the rogue-CA attack; this question is about "
                    f"the four attacks of this lesson: {', '.join(ATTACK_KEYS)}.")
    if isinstance(item, Attack):
        item = item.key
    key = _names().get(_squash(item)) if isinstance(item, str) else None
    if key is None:
        raise Wrong(f"{echo(item)} is not an attack name of this lesson; name them as the scoreboard does: "
                    f"{', '.join(ATTACK_KEYS)}.")
    return key


@functools.cache
def _system_only_results() -> frozenset[str]:
    """Run the four attacks against a client that trusts only 'system' CAs (no user-installed ones)."""
    pki = course_pki()
    system_store = [pki.root.cert, pki.attacker_cas[Attacker.ROGUE_CA].cert]  # the CAs the device ships
    return frozenset(str(a.key) for a in ATTACKS if run_attack(a, CaClient, roots=system_store).connected)


def _system_only_connects(answer: Any) -> str:
    keys = {_attack_key(item) for item in _items(answer)}
    connected = _system_only_results()
    if keys == connected:
        return ("Only attacks whose certificate chains to a CA the system itself ships still work: a "
                "compromised public CA, and your own CA when it mis-issues. That is why pinning exists.")
    why = []
    if keys - connected:  # never say which ones: say what the learner's list claims, and why that is wrong
        user_cas = len(keys - connected)
        why.append(f"Your list says {'an attack connects' if user_cas == 1 else f'{user_cas} attacks connect'} "
                   "whose CA was installed by a user (or their IT); the app ignores user-installed CAs, and the "
                   f"checker saw {'it' if user_cas == 1 else 'them'} refused.")
    if connected - keys:
        why.append(("Your list is empty: it says every attack is refused. " if not keys else
                    "Your list leaves out an attack that still connects. ")
                   + "For each attack, ask which CA its certificate chains to, and whether the system ships "
                   "that CA.")
    raise Wrong(" ".join(why))


q2 = Question(
    name="q2",
    prompt="An Android app targeting API 24+ trusts only the system CAs (here: the course root and the "
           "public CA that gets compromised), not user-installed ones. Which attacks still connect? "
           "Answer with a list of attack names.",
    checker=_system_only_connects,
    hints=("The corporate CA and the government root were installed by the user (or their IT).",
           "A compromised public CA is in the system store; a mis-issued certificate comes from your own CA."),
    answer="['rogue CA', 'DV mis-issuance']: both chain to CAs the system ships. The corporate and "
           "government roots were user-installed, so the app ignores them.",
)



# --- q3: a CT monitor ------------------------------------------------------------------------------

def _as_monitor(answer: Any) -> ct.Monitor:
    """A monitor: a function of a certificate, or the keys you hold (pins, certificates, keys, a PinSet)."""
    if callable(answer) and not isinstance(answer, type):
        return answer
    if isinstance(answer, str) and len(answer) > _MAX_TEXT:
        raise Wrong(f"That text is {len(answer):,} characters long; give a function that takes a certificate.")
    if isinstance(answer, PinSet):
        return lambda cert: not answer.matches([cert])
    if isinstance(answer, str | bytes | Pin | Issued | x509.Certificate) or hasattr(answer, "public_bytes") \
            or hasattr(answer, "private_bytes"):
        answer = [answer]
    if isinstance(answer, Mapping) or not isinstance(answer, Iterable):
        raise Wrong(f"That is {kind_of(answer)}; give a function that takes a certificate and returns True "
                    "to raise an alarm.")
    items = list(itertools.islice(iter(answer), _MAX_ITEMS + 1))
    if len(items) > _MAX_ITEMS:
        raise Wrong(f"That holds more than {_MAX_ITEMS} items; you hold a handful of keys.")
    if not items:
        raise Wrong("Your list is empty: a monitor that knows none of your keys alarms on everything.")
    pins, names = set(), set()
    for item in items:
        if isinstance(item, bytes | bytearray) and len(item) <= _MAX_TEXT:
            item = bytes(item).decode("utf-8", "replace")
        pin = _pin_of(item)
        if pin is None:
            if _squash(item) not in _issuer_names():
                raise Wrong(f"{echo(item)} is neither a pin nor the name of an issuer in the log.")
            names.add(_squash(item))
        else:
            pins.add(pin)
    if names and not pins:  # issuer names: the lesson's by_issuer monitor
        return lambda cert: _squash(short_name(cert.issuer)) not in names
    if names:
        raise Wrong("Your list mixes pins or keys with text that is not a pin; give one kind.")
    return lambda cert: Pin.of_spki(cert) not in pins


def _issuer_names() -> set[str]:
    return {_squash(short_name(entry.cert.issuer)) for entry in ct.toy_log()}


def _pin_of(item: Any) -> Pin | None:
    """An item's SPKI pin when it is a pin, a certificate or a key; None for other text."""
    if isinstance(item, Pin):
        return item
    if isinstance(item, Issued):
        item = item.cert
    if isinstance(item, x509.Certificate) or hasattr(item, "public_bytes") or hasattr(item, "private_bytes"):
        try:
            return Pin.of_spki(item.public_key() if hasattr(item, "private_bytes") else item)
        except Exception:
            raise Wrong(f"{echo(item)} is not a certificate or public key the course can read.") from None
    if isinstance(item, str) and len(item) <= _MAX_TEXT:
        try:
            return parse_pin(item)
        except PinError:
            return None
    raise Wrong(f"An item of your list is {kind_of(item)}; give pins, certificates or public keys.")


def _fresh_entries() -> list[ct.Entry]:
    """Two certificates made now, so a monitor must judge keys, not remember the log: yours, and not."""
    pki = course_pki()
    tag = secrets.token_hex(6)
    serial = 10_000 + secrets.randbelow(10**6)
    yours = pki.intermediate2.issue_leaf([HOST], key=pki.backup_key, serial=serial, name=f"fresh {tag}",
                                         **leaf_dates(utc(2026, 9, 1)))
    theirs = pki.intermediate.issue_leaf([HOST], key_label=f"fresh attacker {tag}", serial=serial + 1,
                                         name=f"fresh attacker {tag}", **leaf_dates(utc(2026, 9, 1)))
    return [ct.Entry(100, yours.cert, True), ct.Entry(101, theirs.cert, False)]


def _check_monitor(answer: Any) -> str:
    monitor = _as_monitor(answer)
    missed, false_alarms = 0, 0
    for entry in [*ct.toy_log(), *_fresh_entries()]:
        try:
            alarm = bool(monitor(entry.cert))
        except Exception as exc:
            raise Wrong(f"Your monitor raised {type(exc).__name__} on a certificate; it must take an "
                        "x509.Certificate and return True (alarm) or False.") from None
        missed += not entry.yours and not alarm
        false_alarms += entry.yours and alarm
    why = []
    if missed:
        why.append(f"Your monitor stays quiet for {missed} certificate{'s' if missed > 1 else ''} for "
                   "api.yourapp.com that you never asked for (an issuer name can be your own CA's).")
    if false_alarms:
        why.append(f"{'It' if why else 'Your monitor'} raises {false_alarms} alarm{'s' if false_alarms > 1 else ''} on your own certificates "
                   "(renewals, the planned rekey, a new intermediate or CA): every renewal would wake you.")
    if why:
        raise Wrong(" ".join(why))
    return ("Your monitor alarms on every certificate whose key you do not hold, including two the checker "
            "made just now, and stays quiet on your own renewals. It only helps for logged certificates: "
            "a corporate or government root never logs.")


q3 = Question(
    name="q3",
    prompt="Write a CT monitor for api.yourapp.com: a function that takes a logged certificate and returns "
           "True to raise an alarm. It must alarm on every certificate you "
           "did not ask for and stay quiet on your own. The checker runs it on the log and on fresh ones.",
    checker=_check_monitor,
    hints=("Which part of a certificate can an attacker not copy from yours, even at your own CA?",
           "Your keys are pki.leaf's key and the backup key: ct.by_key([...]) builds such a monitor."),
    answer="lambda cert: spki_pin(cert) not in {spki_pin(pki.leaf.cert), spki_pin(pki.backup_key.public_key())}",
)

#: Reference answers as code a learner could type (``python -m helpers solutions 05`` runs them).
REFERENCES = {
    "q1": "'0 issue \"issuing-ca.example; accounturi=https://issuing-ca.example/acme/acct/1001\"'",
    "q3": "ex.ct.by_key([pki.leaf.cert, pki.backup_key.public_key()])",
}
