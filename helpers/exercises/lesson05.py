"""Lesson 05's exercises: which attack does which defence stop, and what does a device's store decide?

* q1 and q3: multiple choice (a letter, in any of the usual spellings: ``"b"``, ``"(B)"``, ``"B."``).
* q2: which attacks still connect when the store holds only system CAs. The checker runs the four
  attacks on loopback against such a client. The answer is a list (or any iterable) of attacks: their
  names as the scoreboard prints them, their titles, ``Attack`` objects, ``Attacker`` values or the
  ``Result`` of ``run_attack``, in any case and spacing.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..attacks import ATTACKS, CHAIN_STUFFING, Attack, Result, run_attack
from ..pinning.client import CaClient
from ..pki import Attacker, course_pki
from . import Question, Wrong, choice, echo

#: The attack names a learner may give, as the scoreboard shows them.
ATTACK_KEYS = tuple(a.value for a in Attacker)

q1 = Question(
    name="q1",
    prompt="Which defence works *before* the mis-issued certificate exists, while the CA decides whether "
           "to issue? Answer 'A' (CT monitoring), 'B' (multi-perspective validation and CAA) or 'C' "
           "(root-store distrust).",
    checker=choice("B", {
        "A": "CT monitoring shows you the certificate after it was issued and logged: it detects, it "
             "does not prevent.",
        "C": "Root-store distrust removes a CA after the harm is known; and the CA here is your own, "
             "legitimate CA: distrusting it would break your real certificate too.",
    }, success="Both run inside the CA's issuance process. Checking your domain from several network "
               "locations (ballot SC-067) defeats a hijack seen from only one of them. CAA limits which "
               "CAs may issue, so it helps only when the attacker tries a CA you did not name."),
    hints=("Two of the defences act after issuance; one acts while the CA is deciding.",
           "Which defence runs inside the CA's own validation process?"),
    answer="'B'. Multi-perspective domain validation and CAA checks happen during issuance; CT detects "
           "afterwards and distrust removes a CA afterwards.",
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

q3 = Question(
    name="q3",
    prompt="The corporate proxy validated the real server properly. Did that protect the bearer token? "
           "Answer 'A' (yes, the upstream leg was secure) or 'B' (no, the proxy decrypted it in between).",
    checker=choice("B", {
        "A": "Both legs were encrypted, but the proxy is an endpoint of each, so it holds the plaintext "
             "in between; the scoreboard shows the token it read.",
    }, success="TLS protects data between two endpoints; the proxy made itself one of them."),
    hints=("Look at what the proxy recorded.",),
    answer="'B'. The proxy terminates the client's TLS and starts its own, so it reads everything in "
           "between, including the Authorization header.",
)
