"""Dart's ``badCertificateCallback``, modelled: why a pin check inside it never runs during an attack.

First the genuine server on a device that does not trust the course root: validation fails,
the callback runs, the pin matches, the app connects. Then the rogue-CA attack: validation
succeeds, so the callback, and the pin check in it, never run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from ..pinning.broken import BrokenCallbackClient
from ..pinning.client import fetch
from ..pki import Attacker, course_pki
from ..show import Shown, Table
from ..tls.api import API_TOKEN
from .clients import leaf_pins
from .runner import real_server, run_attack
from .scenarios import attack


class CallbackCase(NamedTuple):
    """One situation of the demonstration and what happened in it."""

    situation: str
    verdict: str
    callback_ran: bool
    token_leaked: bool


@dataclass(frozen=True)
class CallbackDemo(Shown):
    """The two situations, shown as one table."""

    rows: tuple[CallbackCase, ...]

    def table(self) -> Table:
        return Table(("situation", "verdict", "callback ran?", "token leaked?"),
                     [(c.situation, c.verdict, _yes(c.callback_ran), _yes(c.token_leaked)) for c in self.rows])

    def __repr__(self) -> str:
        return f"<CallbackDemo: {len(self.rows)} situations>"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def callback_demo() -> CallbackDemo:
    """Run both situations on loopback (the genuine server, then the rogue-CA attack)."""
    pki = course_pki()
    with real_server() as server:
        outsider = BrokenCallbackClient(leaf_pins(), [pki.rogue_ca.cert])  # store without the course root
        response = fetch(outsider, server.host, server.port, token=API_TOKEN)
        genuine = CallbackCase("genuine server, root not in the store", f"connected (HTTP {response.status})",
                               outsider.calls > 0, False)
        victim = BrokenCallbackClient(leaf_pins(), attack(Attacker.ROGUE_CA).device_roots())
        result = run_attack(Attacker.ROGUE_CA, lambda _roots: victim, upstream=server)
        attacked = CallbackCase("rogue-CA attack", f"connected ({result.reason})" if result.connected else "refused",
                                victim.calls > 0, result.token_leaked)
    return CallbackDemo((genuine, attacked))
