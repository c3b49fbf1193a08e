"""The scoreboard: every attack against every client, shown as a client × attack table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..show import Cell, Shown, Table
from .clients import ClientFactory, default_clients
from .runner import Result, real_server, run_attack
from .scenarios import ATTACKS, Attack


@dataclass
class Scoreboard(Shown):
    """Client × attack results, printable as text (CLI) or HTML (notebooks)."""

    results: list[Result] = field(default_factory=list)

    def cell(self, client: str, attack: Attack) -> Result:
        return next(r for r in self.results if r.client == client and r.attack == attack)

    def clients(self) -> list[str]:
        return list(dict.fromkeys(r.client for r in self.results))

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(client, attack, "connected"/"refused", what the attacker read) for each result."""
        return [(r.client, r.attack.key, "connected" if r.connected else "refused", r.read)
                for r in self.results]

    def table(self) -> Table:
        """One row per result: what the command line prints."""
        return Table(("client", "attack", "verdict", "what the attacker read"), self.rows())

    def matrix(self) -> Table:
        """Client × attack, each cell the verdict with what the attacker read (and why a client refused)."""
        attacks = list(dict.fromkeys(r.attack for r in self.results))
        rows = [[client, *(_verdict(self.cell(client, item)) for item in attacks)] for client in self.clients()]
        caption = ("✗ connected: the client talked to the attacker. "
                   "✓ refused: the client hung up before sending its request.")
        return Table(["client \\ attack", *(item.key for item in attacks)], rows, caption, row_headers=True)

    def _repr_html_(self) -> str:
        return self.matrix()._repr_html_()

    def __repr__(self) -> str:
        return f"<Scoreboard: {len(self.results)} results>"


def _verdict(result: Result) -> Cell:
    if result.connected:
        return Cell("✗ connected", (f"attacker read: {result.read}",))
    return Cell("✓ refused", (f"attacker read: {result.read}", f"why: {result.reason}"))


def scoreboard(clients: dict[str, ClientFactory] | None = None,
               attacks: Sequence[Attack] = ATTACKS) -> Scoreboard:
    """Run every attack against every client (one real server for all) and collect the results."""
    clients = default_clients() if clients is None else clients
    board = Scoreboard()
    with real_server() as server:
        for name, factory in clients.items():
            for item in attacks:
                result = run_attack(item, factory, upstream=server)
                board.results.append(replace(result, client=name))
    return board
