"""Four attacks that plain CA validation accepts, as data, plus a runner and a scoreboard.

Every attack here has the same shape, because in real life they all end the same way:
someone sits between the app and ``api.yourapp.com`` with a certificate for that name
that the device accepts. What differs is *where that certificate comes from*:

1. **rogue CA**: a public CA in every trust store is compromised (DigiNotar, 2011);
2. **corporate proxy**: IT installed a TLS-inspection CA on the device;
3. **government root**: users are told to install a national root;
4. **DV mis-issuance**: the legitimate CA issues for your name to an attacker who hijacked
   your DNS for a few minutes.

One concern per module:

* :mod:`.scenarios`: the attacks as data (:data:`ATTACKS`, :data:`CHAIN_STUFFING`, :func:`attack`);
* :mod:`.clients`: the client line-ups of lessons 05 and 06;
* :mod:`.runner`: one attack against one client, on loopback (:func:`run_attack`);
* :mod:`.scoreboard`: every attack against every client (:func:`scoreboard`);
* :mod:`.callback`: the bad-certificate-callback demonstration of lesson 06;
* :mod:`.defences`: what catches each attack without pinning;
* :mod:`.caa` and :mod:`.ct`: two of those defences run as toys (a CAA check, a CT log search).
"""

from . import caa, ct
from .caa import caa_check
from .callback import CallbackCase, CallbackDemo, callback_demo
from .clients import ClientFactory, broken_clients, default_clients, leaf_pins, lesson06_clients
from .defences import Defences, defence_rows
from .runner import Result, real_server, run_attack
from .scenarios import ATTACKS, CHAIN_STUFFING, Attack, UnknownAttackError, attack, describe
from .scoreboard import Scoreboard, scoreboard

__all__ = [
    "ATTACKS", "CHAIN_STUFFING", "Attack", "caa", "caa_check", "ct", "CallbackCase", "CallbackDemo", "ClientFactory", "Defences", "Result",
    "Scoreboard", "UnknownAttackError", "attack", "broken_clients", "callback_demo", "default_clients",
    "defence_rows", "describe", "leaf_pins", "lesson06_clients", "real_server", "run_attack", "scoreboard",
]
