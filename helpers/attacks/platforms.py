"""The attacks of lesson 05 through each platform's model (lesson 08).

Each platform ships lesson 06's pin set in its own configuration (generated, then parsed back,
so what is modelled is what the file says). Dart cannot pin a key: ``dart:io`` shows the app no
SPKI, so a Dart app pins by trust anchor, and here it trusts the course root. For each attack,
the model is given the chain the attacker's proxy sends and the device's trust store in that
scenario. Where an attack relies on a CA the user (or IT) installed, the corporate proxy and the
government root, that CA goes into the *user* store, which Android apps targeting API 24+ do
not trust unless their configuration opts in.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509

from ..course import HOST
from ..pki.catalogue import Attacker, course_pki
from ..platforms import MODULES, dart
from ..platforms.gallery import course_policy
from ..platforms.policy import PLATFORM_NAMES, Decision, Policy
from ..show import Cell, Shown, Table
from .scenarios import ATTACKS, CHAIN_STUFFING, Attack

__all__ = ["GENUINE", "PlatformBoard", "USER_INSTALLED", "device_stores", "platform_board", "shipped",
           "through_model"]

#: Attacks whose CA the user (or IT) installed on the device, rather than one shipped with the OS.
USER_INSTALLED = frozenset({Attacker.CORPORATE_PROXY, Attacker.GOVERNMENT_ROOT})

#: The row that keeps the board honest: a configuration that refuses everything also refuses this.
GENUINE = "the genuine server"

Stores = tuple[list[x509.Certificate], list[x509.Certificate]]


def device_stores(attack: Attack) -> Stores:
    """(system roots, user-installed roots) on the device in this attack's scenario."""
    real = course_pki().root.cert
    extra = [r for r in attack.device_roots() if r != real]
    return ([real], extra) if attack.attacker in USER_INSTALLED else ([real, *extra], [])


def shipped(platform: str, policy: Policy | None = None) -> Policy:
    """What the app ships on ``platform``: lesson 06's pins in its file (Dart: the course root as anchor)."""
    mod = MODULES[platform]
    if platform == "dart":
        return dart.parse(dart.generate_with_anchors([course_pki().root.cert]))
    return mod.parse(mod.generate(policy or course_policy()))


def through_model(attack: Attack | str, platform: str, policy: Policy | None = None) -> Decision:
    """One attack (or :data:`GENUINE`) against one platform's model of the app's configuration."""
    pki = course_pki()
    if attack == GENUINE:
        chain, (roots, user) = pki.leaf.chain, ([pki.root.cert], [])
    else:
        chain, (roots, user) = attack.chain(), device_stores(attack)
    return MODULES[platform].model(shipped(platform, policy), HOST, chain, roots, user)


class PlatformBoard(Shown):
    """Attacks down the side, platforms across; each cell says connects or refuses, and at which step."""

    def __init__(self, decisions: dict[tuple[str, str], Decision], rows: Sequence[str]):
        self.decisions = decisions
        self.rows = tuple(rows)

    def table(self) -> Table:
        rows = [[row, *(_cell(row, self.decisions[row, p]) for p in PLATFORM_NAMES)] for row in self.rows]
        return Table(["attack", *PLATFORM_NAMES], rows, row_headers=True,
                     caption="Lesson 06's pin set shipped on each platform (Dart: the course root as its "
                             "trust anchor), against each attack")

    def __repr__(self) -> str:
        return f"<PlatformBoard: {len(self.rows)} rows x {len(PLATFORM_NAMES)} platforms>"


def _cell(row: str, decision: Decision) -> Cell:
    if row == GENUINE:
        return Cell("connects", ("as it should",)) if decision.connects else Cell("REFUSES", ("users locked out",))
    if decision.connects:
        return Cell("CONNECTS", ("the token leaks",))
    return Cell("refuses", (f"at {decision.stage}",))


def platform_board(attacks: Sequence[Attack] = (*ATTACKS, CHAIN_STUFFING)) -> PlatformBoard:
    """The genuine server and every attack, through every platform's model."""
    rows = {GENUINE: GENUINE, **{a.title: a for a in attacks}}
    decisions = {(title, p): through_model(item, p) for title, item in rows.items() for p in PLATFORM_NAMES}
    return PlatformBoard(decisions, list(rows))
