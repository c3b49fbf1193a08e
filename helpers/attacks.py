"""Four attacks that plain CA validation accepts, as data, plus a runner and a scoreboard.

Every attack here has the same shape, because in real life they all end the same way:
someone sits between the app and ``api.yourapp.com`` with a certificate for that name
that the device accepts. What differs is *where that certificate comes from*:

1. **rogue CA**: a public CA in every trust store is compromised (DigiNotar, 2011);
2. **corporate proxy**: IT installed a TLS-inspection CA on the device;
3. **government root**: users are told to install a national root;
4. **DV mis-issuance**: the legitimate CA issues for your name to an attacker who hijacked
   your DNS for a few minutes.

The attacker runs :class:`helpers.tls.proxy.MitmProxy` with that certificate, in front of
the real loopback server. A client connects to the proxy, thinking it is the real server,
and sends ``GET /users`` with a bearer token. The :class:`Scoreboard` records, for each
client and attack, whether the client connected and what the attacker read in clear.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cryptography import x509

from .errors import BadInputError
from .pinning.client import CaClient, PinnedClient, Refused, fetch
from .pinning.pins import PinSet, spki_pin
from .pki import HOST, Issued, course_pki
from .tls.proxy import MitmProxy
from .tls.servers import API_TOKEN, HTTPSServer

__all__ = [
    "ATTACKS", "CHAIN_STUFFING", "TOKEN", "Attack", "AttackError", "Result", "Scoreboard", "attack",
    "Defences", "broken_clients", "callback_demo", "default_clients", "defences_table", "describe", "leaf_pins",
    "lesson06_clients", "real_server", "run_attack", "scoreboard",
]

#: The bearer token the app sends; the scoreboard shows whether an attacker read it.
TOKEN = API_TOKEN


class AttackError(BadInputError):
    """An unknown attack name or client given to the runner."""


@dataclass(frozen=True)
class Attack:
    """One attack scenario: who presents which certificate, and what catches it without pinning."""

    key: str
    title: str
    story: str
    attacker: str        # the CoursePKI attribute of the certificate the attacker presents
    installed_ca: str    # the CoursePKI attribute of the extra CA in the device's store ("" if none)
    defence: str         # the defence outside pinning that catches (or would catch) it
    how: str             # how that defence works against this attack, in one sentence
    source: str          # a primary source for the defence
    stuffed: tuple[str, ...] = ()  # genuine certificates (CoursePKI attributes) appended to the chain

    def leaf(self) -> Issued:
        return getattr(course_pki(), self.attacker)

    def chain(self) -> list[x509.Certificate]:
        """What the attacker's proxy sends: its leaf, its intermediates, and any stuffed certificates."""
        pki = course_pki()
        return [*pki.chain(self.leaf()), *(getattr(pki, name).cert for name in self.stuffed)]

    def device_roots(self) -> list[x509.Certificate]:
        """The device's trust store in this scenario: the real root plus the CA the attack relies on."""
        pki = course_pki()
        extra = [getattr(pki, self.installed_ca).cert] if self.installed_ca else []
        return [pki.root.cert, *extra]


ATTACKS: tuple[Attack, ...] = (
    Attack("rogue CA", "A compromised public CA (the DigiNotar pattern)",
           "An intruder inside a CA that every device trusts issues a certificate for your name.",
           "rogue_leaf", "rogue_ca", "Certificate Transparency monitoring, then root-store distrust",
           "CT logs are public records of issued certificates, so a monitor watching your domain (for "
           "example on crt.sh) can spot a logged rogue certificate; root programs then distrust the CA.",
           "RFC 6962 and RFC 9162 (CT); Fox-IT, 'Black Tulip' report on DigiNotar (2012)"),
    Attack("corporate proxy", "A corporate TLS-inspection proxy",
           "IT installed its own CA on the device; a proxy mints certificates for every host.",
           "corporate_leaf", "corporate_ca", "Platform trust policy (Android ignores user-added CAs)",
           "A private CA never appears in CT logs and cannot be distrusted publicly, but apps "
           "targeting Android API 24+ trust only system CAs unless their config opts in.",
           "Android Network Security Configuration documentation (trust anchors)"),
    Attack("government root", "A government-inserted root",
           "Citizens are told to install a national root; the network intercepts with it.",
           "government_leaf", "government_root", "Root-store distrust by the browser vendors",
           "Apple, Google, Microsoft and Mozilla blocked Kazakhstan's interception root (2019, "
           "2020) in their browsers, so even a copy the user installed by hand is refused.",
           "Mozilla Security Blog, 'Protecting our Users in Kazakhstan' (2019)"),
    Attack("DV mis-issuance", "DV mis-issuance after a DNS hijack",
           "An attacker hijacks your DNS briefly and passes domain validation at your real CA.",
           "misissued_leaf", "", "Multi-perspective validation (SC-067) and CAA, plus CT",
           "The CA must see the same DNS answer from several network locations, so a hijack seen from "
           "only one fails; CAA limits which CAs may issue (no help when, as here, the attacker uses "
           "your own CA); CT monitoring shows the certificate if it is issued anyway.",
           "RFC 8659 (CAA); CA/B Forum ballot SC-067 (mandatory from 15 March 2025)"),
)


#: CVE-2016-2402: the rogue-CA attacker also sends your genuine leaf and intermediate, which
#: anyone can download from your server. Only a client that pins the *sent* chain is fooled.
CHAIN_STUFFING = Attack(
    "chain stuffing", "Chain stuffing (CVE-2016-2402)",
    "The rogue-CA attacker appends your genuine certificates to its chain.",
    "rogue_leaf", "rogue_ca", "Checking pins against the verified chain (a code fix, not a service)",
    "The verified chain runs from the rogue leaf to the rogue root; the stuffed certificates are "
    "not part of it.", "CVE-2016-2402 (OkHttp, fixed in 2.7.4 and 3.1.2)",
    stuffed=("leaf", "intermediate"),
)


def attack(key: str) -> Attack:
    """Look an attack up by its key, e.g. ``attack("rogue CA")``."""
    for item in (*ATTACKS, CHAIN_STUFFING):
        if item.key == key:
            return item
    known = ", ".join(a.key for a in (*ATTACKS, CHAIN_STUFFING))
    raise AttackError(f"there is no attack {key!r}; use one of: {known}.")


# --- clients -------------------------------------------------------------------------------------

#: A client factory takes the device's trust store and returns a client with ``.connect``.
ClientFactory = Callable[[Sequence[x509.Certificate]], object]


def leaf_pins() -> PinSet:
    """The pin set the app ships: the leaf's SPKI pin, plus the backup key's pin."""
    pki = course_pki()
    return PinSet(pins=(spki_pin(pki.leaf.cert),), backup_pins=(spki_pin(pki.backup_key.public_key()),))


def default_clients() -> dict[str, ClientFactory]:
    """The two clients of lesson 05: the correct default client and the pinned client."""
    return {
        CaClient.label: CaClient,
        PinnedClient.label: lambda roots: PinnedClient(leaf_pins(), roots),
    }


def lesson06_clients() -> dict[str, ClientFactory]:
    """Lesson 06's line-up: the default client and four ways of pinning."""
    from .pinning.client import TrustAnchorClient

    pki = course_pki()
    inter_pin = PinSet(pins=(spki_pin(pki.intermediate.cert),))
    return {
        **default_clients(),
        "pinned: intermediate SPKI": lambda roots: PinnedClient(inter_pin, roots),
        "trust anchor: own leaf only": lambda roots: TrustAnchorClient([pki.leaf.cert]),
    }


def broken_clients(*, with_callback: bool = True) -> dict[str, ClientFactory]:
    """The deliberately broken pinning clients next to the correct one (lesson 06).

    ``with_callback=False`` leaves out the bad-certificate-callback client, for the
    chain-stuffing demonstration, which compares only the two ways of choosing a chain.
    """
    from .pinning.broken import BrokenCallbackClient, BrokenUnverifiedChainClient

    clients: dict[str, ClientFactory] = {
        PinnedClient.label: lambda roots: PinnedClient(leaf_pins(), roots),
        BrokenUnverifiedChainClient.label: lambda roots: BrokenUnverifiedChainClient(leaf_pins(), roots),
    }
    if with_callback:
        clients[BrokenCallbackClient.label] = lambda roots: BrokenCallbackClient(leaf_pins(), roots)
    return clients


# --- running -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Result:
    """One cell of the scoreboard."""

    client: str
    attack: str
    connected: bool
    read: str          # what the attacker read in clear, in words
    reason: str = ""   # why the client refused, when it did
    token_leaked: bool = False


def real_server() -> HTTPSServer:
    """The genuine ``api.yourapp.com`` on loopback (course leaf + intermediate); use it in ``with``."""
    return HTTPSServer(course_pki().leaf, token=TOKEN)


def run_attack(item: Attack | str, client: ClientFactory = CaClient, *, upstream=None,
               roots: Sequence[x509.Certificate] | None = None) -> Result:
    """Run one attack against one client, on loopback, and return what happened.

    ``roots`` is the device's trust store; by default, the attack's own
    :meth:`Attack.device_roots` (the real root plus the CA the attack relies on).
    ``upstream`` is a running real server; without it one is started and stopped here.
    """
    item = attack(item) if isinstance(item, str) else item
    if upstream is None:
        with real_server() as server:
            return run_attack(item, client, upstream=server, roots=roots)
    instance = client(item.device_roots() if roots is None else list(roots))
    with MitmProxy((upstream.host, upstream.port), chain=item.chain(), key=item.leaf().key,
                   upstream_roots=[course_pki().root.cert], upstream_name=HOST) as proxy:
        try:
            response = fetch(instance, proxy.host, proxy.port, token=TOKEN)
        except Refused as why:
            connected, reason = False, why.reason
        else:
            connected, reason = True, f"HTTP {response.status}"
    label = getattr(instance, "label", type(instance).__name__)
    return Result(label, item.key, connected, _what_was_read(proxy), reason,
                  any(TOKEN in value for value in proxy.authorizations()))


def _what_was_read(proxy: MitmProxy) -> str:
    tokens = proxy.authorizations()
    if tokens:
        users = " and the /users response" if any(i.response for i in proxy.interceptions) else ""
        return f"Authorization: {tokens[0]}{users}"
    return "nothing"


@dataclass
class Scoreboard:
    """Client × attack results, printable as text (CLI) or HTML (notebooks)."""

    results: list[Result] = field(default_factory=list)

    def cell(self, client: str, attack_key: str) -> Result:
        return next(r for r in self.results if r.client == client and r.attack == attack_key)

    def clients(self) -> list[str]:
        return list(dict.fromkeys(r.client for r in self.results))

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(client, attack, "connected"/"refused", what the attacker read) for each result."""
        return [(r.client, r.attack, "connected" if r.connected else "refused", r.read)
                for r in self.results]

    def to_text(self) -> str:
        header = ("client", "attack", "verdict", "what the attacker read")
        rows = [header, *self.rows()]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)) + "  " + row[3]
                 for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * len(header[3]))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        attacks = list(dict.fromkeys(r.attack for r in self.results))
        head = "".join(f"<th>{html.escape(a)}</th>" for a in attacks)
        body = []
        for client in self.clients():
            cells = []
            for key in attacks:
                r = self.cell(client, key)
                mark = "✗ connected" if r.connected else "✓ refused"
                why = "" if r.connected else f"<br><small>why: {html.escape(r.reason)}</small>"
                cells.append(f"<td><b>{mark}</b><br><small>attacker read: {html.escape(r.read)}</small>{why}</td>")
            body.append(f"<tr><th>{html.escape(client)}</th>{''.join(cells)}</tr>")
        caption = ("<caption>✗ connected: the client talked to the attacker. "
                   "✓ refused: the client hung up before sending its request.</caption>")
        return (f"<table>{caption}<thead><tr><th>client \\ attack</th>{head}</tr></thead>"
                f"<tbody>{''.join(body)}</tbody></table>")

    def __repr__(self) -> str:
        return f"<Scoreboard: {len(self.results)} results>"


def scoreboard(clients: dict[str, ClientFactory] | None = None,
               attacks: Sequence[Attack] = ATTACKS) -> Scoreboard:
    """Run every attack against every client (one real server for all) and collect the results."""
    clients = default_clients() if clients is None else clients
    board = Scoreboard()
    with real_server() as server:
        for name, factory in clients.items():
            for item in attacks:
                result = run_attack(item, factory, upstream=server)
                board.results.append(dataclasses.replace(result, client=name))
    return board


def callback_demo() -> list[tuple[str, str, bool, bool]]:
    """Dart's badCertificateCallback, modelled: (situation, verdict, callback ran?, token leaked?).

    First the genuine server on a device that does not trust the course root: validation
    fails, the callback runs, the pin matches, the app connects. Then the rogue-CA attack:
    validation succeeds, so the callback, and the pin check in it, never run.
    """
    from .pinning.broken import BrokenCallbackClient

    pki = course_pki()
    with real_server() as server:
        outsider = BrokenCallbackClient(leaf_pins(), [pki.rogue_ca.cert])  # store without the course root
        response = fetch(outsider, server.host, server.port, token=TOKEN)
        rows = [("genuine server, root not in the store", f"connected (HTTP {response.status})",
                 outsider.calls > 0, False)]
        victim = BrokenCallbackClient(leaf_pins(), attack("rogue CA").device_roots())
        result = run_attack("rogue CA", lambda _roots: victim, upstream=server)
        rows.append(("rogue-CA attack", f"connected ({result.reason})" if result.connected else "refused",
                     victim.calls > 0, result.token_leaked))
    return rows


def describe(cert: x509.Certificate) -> str:
    """A certificate in a few words: ``"api.yourapp.com, issued by Trusted Public CA R7"``."""
    if cert.subject == cert.issuer:
        return f"{_common_name(cert.subject)} (a self-signed root)"
    return f"{_common_name(cert.subject)}, issued by {_common_name(cert.issuer)}"


def _common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(values[0].value) if values else name.rfc4514_string()


def defences_table() -> list[tuple[str, str, str, str]]:
    """(attack, defence outside pinning, how it works, source) for each attack."""
    return [(a.title, a.defence, a.how, a.source) for a in ATTACKS]


class Defences:
    """The defences table, shown as HTML in a notebook and as text in a terminal."""

    def __init__(self, rows: list[tuple[str, str, str, str]] | None = None):
        self.rows = defences_table() if rows is None else rows

    def __str__(self) -> str:
        return "\n\n".join(f"{a}\n  caught by: {d}\n  how: {h}\n  source: {s}" for a, d, h, s in self.rows)

    def _repr_html_(self) -> str:
        head = "<tr><th>attack</th><th>defence outside pinning</th><th>how</th><th>source</th></tr>"
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                       for row in self.rows)
        return f"<table><thead>{head}</thead><tbody>{body}</tbody></table>"

    def __repr__(self) -> str:
        return f"<Defences: {len(self.rows)} attacks>"
