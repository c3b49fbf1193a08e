"""Lesson 05's exercises: which attack does which defence stop, and what does a device's store decide?"""

from __future__ import annotations

from ..attacks import ATTACKS, run_attack
from ..pinning.client import CaClient
from ..pki import Attacker, course_pki
from . import Question, Wrong, choice

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
        "C": "The CA here is your own, legitimate CA; distrusting it would break your real certificate too.",
    }, success="Both run inside the CA's issuance process. Checking your domain from several network "
               "locations (ballot SC-067) defeats a hijack seen from only one of them. CAA limits which "
               "CAs may issue, so it helps only when the attacker tries a CA you did not name."),
    hints=("Two of the defences act after issuance; one acts while the CA is deciding.",
           "Which defence runs inside the CA's own validation process?"),
    answer="'B'. Multi-perspective domain validation and CAA checks happen during issuance; CT detects "
           "afterwards and distrust removes a CA afterwards.",
)


_WHY_IT_CONNECTS = {
    Attacker.ROGUE_CA: "'rogue CA' still connects: the compromised CA is a public CA that ships in the system "
                       "store",
    Attacker.DV_MISISSUANCE: "'DV mis-issuance' still connects: its certificate chains to your own CA, which "
                             "the system store holds",
    Attacker.CORPORATE_PROXY: "'corporate proxy' still connects: its CA is in the system store",
    Attacker.GOVERNMENT_ROOT: "'government root' still connects: its root is in the system store",
}


def _system_only_connects(answer) -> str:
    given = answer if isinstance(answer, list | tuple | set | frozenset) else [answer]
    by_lower = {key.lower(): key for key in ATTACK_KEYS}
    unknown = sorted(str(a) for a in given if str(a).strip().lower() not in by_lower)
    if unknown:
        raise Wrong(f"{unknown} {'is not an attack name' if len(unknown) == 1 else 'are not attack names'}; "
                    f"use names from {list(ATTACK_KEYS)}.")
    keys = {by_lower[str(a).strip().lower()] for a in given}
    expected = system_only_results()
    if keys != expected:
        why = [_WHY_IT_CONNECTS[key] for key in ATTACK_KEYS if key in expected - keys]
        why += [f"'{key}' is refused: its CA was installed by a user (or their IT), and the app ignores "
                "user-installed CAs" for key in ATTACK_KEYS if key in keys - expected]
        raise Wrong("; ".join(why) + ".")
    return ("Only attacks whose certificate chains to a CA the system itself ships still work, which is "
            "exactly why pinning exists.")


def system_only_results() -> set[str]:
    """Run the four attacks against a client that trusts only 'system' CAs (no user-installed ones)."""
    pki = course_pki()
    system_store = [pki.root.cert, pki.attacker_cas[Attacker.ROGUE_CA].cert]  # the CAs the device ships
    return {str(a.key) for a in ATTACKS if run_attack(a, CaClient, roots=system_store).connected}


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
