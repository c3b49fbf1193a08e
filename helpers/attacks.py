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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from cryptography import x509

from .errors import BadInputError
from .pinning.client import CaClient, PinnedClient, Refused, fetch
from .pinning.pins import PinSet, spki_pin
from .pki import HOST, Attacker, Issued, course_pki
from .show import Cell, Shown, Table
from .tls.proxy import MitmProxy
from .tls.servers import API_TOKEN, HTTPSServer

__all__ = [
    "ATTACKS", "CHAIN_STUFFING", "Attack", "Result", "Scoreboard", "UnknownAttackError", "attack",
    "Defences", "broken_clients", "callback_demo", "default_clients", "defences_table", "describe", "leaf_pins",
    "lesson06_clients", "real_server", "run_attack", "scoreboard",
]


class UnknownAttackError(BadInputError):
    """An attack name that is not one of the scenarios here."""


@dataclass(frozen=True)
class Attack:
    """One attack scenario: who presents which certificate, and what catches it without pinning."""

    key: str
    title: str
    story: str
    attacker: Attacker   # whose certificate the proxy presents (``CoursePKI.attackers``)
    defence: str         # the defence outside pinning that catches (or would catch) it
    how: str             # how that defence works against this attack, in one sentence
    source: str          # a primary source for the defence
    stuffed: bool = False  # the proxy also sends your genuine leaf and intermediate (chain stuffing)

    def leaf(self) -> Issued:
        return course_pki().attackers[self.attacker]

    def chain(self) -> list[x509.Certificate]:
        """What the attacker's proxy sends: its leaf, its intermediates, and your genuine chain if stuffed."""
        pki = course_pki()
        return [*self.leaf().chain, *(pki.leaf.chain if self.stuffed else [])]

    def device_roots(self) -> list[x509.Certificate]:
        """The device's trust store in this scenario: the real root plus the root the attack relies on.

        The mis-issuer's CA is your own intermediate, already under the real root: it adds nothing.
        """
        pki = course_pki()
        ca = pki.attacker_cas[self.attacker].cert
        return [pki.root.cert] if ca.issuer == pki.root.cert.subject else [pki.root.cert, ca]


ATTACKS: tuple[Attack, ...] = (
    Attack(Attacker.ROGUE_CA, "A compromised public CA (the DigiNotar pattern)",
           "An intruder inside a CA that every device trusts issues a certificate for your name.",
           Attacker.ROGUE_CA, "Certificate Transparency monitoring, then root-store distrust",
           "CT logs are public records of issued certificates, so a monitor watching your domain (for "
           "example on crt.sh) can spot a logged rogue certificate; root programs then distrust the CA.",
           "RFC 6962 and RFC 9162 (CT); Fox-IT, 'Black Tulip' report on DigiNotar (2012)"),
    Attack(Attacker.CORPORATE_PROXY, "A corporate TLS-inspection proxy",
           "IT installed its own CA on the device; a proxy mints certificates for every host.",
           Attacker.CORPORATE_PROXY, "Platform trust policy (Android ignores user-added CAs)",
           "A private CA never appears in CT logs and cannot be distrusted publicly, but apps "
           "targeting Android API 24+ trust only system CAs unless their config opts in.",
           "Android Network Security Configuration documentation (trust anchors)"),
    Attack(Attacker.GOVERNMENT_ROOT, "A government-inserted root",
           "Citizens are told to install a national root; the network intercepts with it.",
           Attacker.GOVERNMENT_ROOT, "Root-store distrust by the browser vendors",
           "Apple, Google, Microsoft and Mozilla blocked Kazakhstan's interception root (2019, "
           "2020) in their browsers, so even a copy the user installed by hand is refused.",
           "Mozilla Security Blog, 'Protecting our Users in Kazakhstan' (2019)"),
    Attack(Attacker.DV_MISISSUANCE, "DV mis-issuance after a DNS hijack",
           "An attacker hijacks your DNS briefly and passes domain validation at your real CA.",
           Attacker.DV_MISISSUANCE, "Multi-perspective validation (SC-067) and CAA, plus CT",
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
    Attacker.ROGUE_CA, "Checking pins against the verified chain (a code fix, not a service)",
    "The verified chain runs from the rogue leaf to the rogue root; the stuffed certificates are "
    "not part of it.", "CVE-2016-2402 (OkHttp, fixed in 2.7.4 and 3.1.2)",
    stuffed=True,
)


def attack(key: str) -> Attack:
    """Look an attack up by its key, e.g. ``attack("rogue CA")``."""
    for item in (*ATTACKS, CHAIN_STUFFING):
        if item.key == key:
            return item
    known = ", ".join(a.key for a in (*ATTACKS, CHAIN_STUFFING))
    raise UnknownAttackError(f"there is no attack {key!r}; use one of: {known}.")


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
    return HTTPSServer(course_pki().leaf, token=API_TOKEN)


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
            response = fetch(instance, proxy.host, proxy.port, token=API_TOKEN)
        except Refused as why:
            connected, reason = False, why.reason
        else:
            connected, reason = True, f"HTTP {response.status}"
    label = getattr(instance, "label", type(instance).__name__)
    return Result(label, item.key, connected, _what_was_read(proxy), reason,
                  any(API_TOKEN in value for value in proxy.authorizations()))


def _what_was_read(proxy: MitmProxy) -> str:
    tokens = proxy.authorizations()
    if tokens:
        users = " and the /users response" if any(i.response for i in proxy.interceptions) else ""
        return f"Authorization: {tokens[0]}{users}"
    return "nothing"


@dataclass
class Scoreboard(Shown):
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

    def table(self) -> Table:
        """One row per result: what the command line prints."""
        return Table(("client", "attack", "verdict", "what the attacker read"), self.rows())

    def matrix(self) -> Table:
        """Client × attack, each cell the verdict with what the attacker read (and why a client refused)."""
        attacks = list(dict.fromkeys(r.attack for r in self.results))
        rows = [[client, *(_verdict(self.cell(client, key)) for key in attacks)] for client in self.clients()]
        caption = ("✗ connected: the client talked to the attacker. "
                   "✓ refused: the client hung up before sending its request.")
        return Table(["client \\ attack", *attacks], rows, caption, row_headers=True)

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
        response = fetch(outsider, server.host, server.port, token=API_TOKEN)
        rows = [("genuine server, root not in the store", f"connected (HTTP {response.status})",
                 outsider.calls > 0, False)]
        victim = BrokenCallbackClient(leaf_pins(), attack(Attacker.ROGUE_CA).device_roots())
        result = run_attack(Attacker.ROGUE_CA, lambda _roots: victim, upstream=server)
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


class Defences(Shown):
    """The defences table, shown as HTML in a notebook and as text in a terminal."""

    def __init__(self, rows: list[tuple[str, str, str, str]] | None = None):
        self.rows = defences_table() if rows is None else rows

    def table(self) -> Table:
        return Table(("attack", "defence outside pinning", "how", "source"), self.rows)

    def __repr__(self) -> str:
        return f"<Defences: {len(self.rows)} attacks>"
