"""Running one attack: the real server on loopback, the attacker's proxy in front, one client.

The attacker runs :class:`helpers.tls.proxy.MitmProxy` with the attack's certificate in front
of the real server. The client connects to the proxy, thinking it is the real server, and
sends ``GET /users`` with a bearer token; the :class:`Result` says whether it connected and
what the attacker read in clear.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from ..course import HOST
from ..pinning.client import CaClient, Refused, fetch
from ..pki import course_pki
from ..tls.api import API_TOKEN
from ..tls.proxy import MitmProxy
from ..tls.servers import HTTPSServer
from .clients import ClientFactory
from .scenarios import Attack, attack


@dataclass(frozen=True)
class Result:
    """One cell of the scoreboard."""

    client: str
    attack: Attack
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
    return Result(label, item, connected, _what_was_read(proxy), reason,
                  any(API_TOKEN in value for value in proxy.authorizations()))


def _what_was_read(proxy: MitmProxy) -> str:
    tokens = proxy.authorizations()
    if tokens:
        users = " and the /users response" if any(i.response for i in proxy.interceptions) else ""
        return f"Authorization: {tokens[0]}{users}"
    return "nothing"
