"""Flutter, demonstrated rather than claimed: which layer pins a request, and what each Dart recipe stops.

A Flutter app's ``dart:io`` requests do their own TLS (BoringSSL inside the app), so the platform's
pinning layers never see them (docs/platform-rules.md, "Dart and Flutter"). This module shows it:

* :func:`layers_table`: which layer enforces what, for Dart's HttpClient and for a native client;
* :func:`dio_order_demo`: the ORDER of Dio's ``validateCertificate`` recipe, run for real on
  loopback: connect with normal CA validation, send the request with its bearer token, only then
  compare the leaf's hash. The mis-issued server (publicly trusted: it chains to the course root)
  has the token before the check refuses (cfug/dio ``io_adapter.dart``, cfug/dio#2418);
* :func:`callback_demo`: a client that calls its callback only when validation fails, as
  ``dart:io`` does: the pin check never runs for the mis-issued certificate, and does for a rogue one;
* :func:`attacks_table`: which Dart approach stops which attack, from :func:`.dart.model` on real
  Dart source. Honestly: an intermediate (or root) anchor does NOT stop a mis-issuance from your
  own CA; only a leaf anchor does, and it breaks at every renewal (:func:`renewal_table`).

Every server binds 127.0.0.1 and is closed by its ``with`` block; results hold no ports or timings.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509

from ..attacks.callback import CallbackCase, CallbackDemo
from ..attacks.clients import leaf_pins
from ..attacks.platforms import device_stores
from ..attacks.runner import real_server, run_attack
from ..attacks.scenarios import ATTACKS, CHAIN_STUFFING
from ..course import HOST
from ..pem import load_der_certificate, short_name
from ..pinning.broken import BrokenCallbackClient
from ..pinning.client import CaClient, PinnedClient, Refused, fetch
from ..pinning.pins import Pin
from ..pinning.renewal import Event, device_roots, event_chain, renewal_matrix
from ..pinning.strategy import Strategy
from ..pki import Attacker, course_pki
from ..show import Shown, Table
from ..tls.api import API_TOKEN
from ..tls.servers import HTTPSServer
from . import dart
from .policy import Decision

__all__ = [
    "ApproachMatrix", "DioOrderDemo", "RenewalComparison",
    "approaches", "attacks_table", "callback_demo", "dio_order_demo", "insecure_accept_all_client",
    "layers_table", "renewal_table", "scenarios",
]

_SOURCES = "Sources in the last column; dart-lang/sdk files are under runtime/bin/."


# --- which layer enforces what ------------------------------------------------------------------------

def layers_table() -> Table:
    """For a request made by Dart's HttpClient or by a native client, on Android and iOS: who pins it."""
    rows = [
        ("Android NSC <pin-set>", "not applied: dart:io does its own TLS", "(Android only)",
         "OkHttp: applied (the platform's TrustManager)", "security-config.jd"),
        ("TrustKit (swizzles NSURLSession)", "(iOS only)", "not applied: no NSURLSession to hook",
         "URLSession: applied if swizzling is on, or if the delegate calls TSKPinningValidator",
         "TrustKit getting-started.md"),
        ("iOS NSPinnedDomains (ATS)", "(iOS only)", "unconfirmed for dart:io",
         "URLSession: applied (not WKWebView)", "Apple NSPinnedDomains"),
        ("SecurityContext(withTrustedRoots: false)", "applied at the handshake; intermediate anchor OK "
         "(PARTIAL_CHAIN)", "applied at the handshake (SecTrust anchors); intermediate anchor unconfirmed",
         "(Dart only)", "secure_socket_filter.cc; security_context_macos.cc"),
        ("badCertificateCallback", "runs only after validation failed", "runs only after validation failed",
         "(Dart only)", "api.dart.dev; security_context.cc"),
        ("Dio validateCertificate", "runs after the request was sent; leaf only",
         "runs after the request was sent; leaf only", "(Dart only)", "cfug/dio#2418; io_adapter.dart"),
        ("default trust store", "system CAs only: /system/etc/security/cacerts (inferred)",
         "SecTrust with the system anchors", "OkHttp: NSC (system CAs, API 24+); URLSession: system trust",
         "security_context_android.cc; security_context_macos.cc"),
    ]
    return Table(("layer", "Dart HttpClient, Android", "Dart HttpClient, iOS", "native client", "source"),
                 rows, caption=f"Who pins a Flutter app's request. {_SOURCES}", row_headers=True)


# --- Dio's validateCertificate: the order of the recipe --------------------------------------------------

class _LeafRecorder:
    """Wraps a client and keeps the leaf it was shown: what Dio hands ``validateCertificate``."""

    def __init__(self, client):
        self.client, self.leaf = client, None

    def connect(self, host: str, port: int, servername: str):
        sock = self.client.connect(host, port, servername)
        self.leaf = load_der_certificate(sock.getpeercert(binary_form=True))
        return sock


@dataclass(frozen=True)
class DioOrderDemo(Shown):
    """Dio's recipe against the mis-issued server, step by step, and a handshake-time check beside it."""

    steps: tuple[tuple[str, str], ...]
    token_received: bool          # the mis-issued server logged the bearer token...
    status: int                   # ...and answered (the request had been served)
    check_passed: bool            # ...before validateCertificate compared the leaf
    handshake_token_received: bool  # the same server, with the pin checked at the handshake

    def table(self) -> Table:
        caption = "Dio's validateCertificate recipe against the mis-issued api.yourapp.com"
        return Table(("step", "what happened"), self.steps, caption=caption, wrap=80)

    def __repr__(self) -> str:
        return f"<DioOrderDemo: token received before the check: {self.token_received}>"


def _served_the_token(server: HTTPSServer) -> bool:
    """The toy API answers ``GET /users`` with 200 only for the right bearer token: a 200 proves it arrived."""
    return ("GET", "/users", 200) in server.log


def dio_order_demo() -> DioOrderDemo:
    """Run the recipe's order for real: CA validation, request with the token, then the leaf hash check."""
    pki = course_pki()
    pinned = Pin.of_cert(pki.leaf.cert).hex      # Dio's example pins sha256(cert.der), in hex
    client = _LeafRecorder(CaClient([pki.root.cert]))
    with HTTPSServer(pki.misissued_leaf, token=API_TOKEN) as server:
        response = fetch(client, server.host, server.port, token=API_TOKEN)
    received = _served_the_token(server)
    seen = Pin.of_cert(client.leaf).hex
    passed = seen == pinned
    handshake = _handshake_check(pki)
    steps = (
        ("1. TLS handshake", f"CA validation passes: {short_name(client.leaf)} from "
                             f"{short_name(client.leaf.issuer)}, under the course root (mis-issued, yet "
                             "publicly trusted)"),
        ("2. request sent", f"GET /users with Authorization: Bearer {API_TOKEN}"),
        ("3. server received", f"the bearer token: it answered HTTP {response.status}, which it does only for "
                               "the right token" if received else "nothing"),
        ("4. validateCertificate", f"sha256(cert.der) = {seen[:16]}… vs pinned {pinned[:16]}…: "
                                   + ("accepted" if passed else "DioException (badCertificate), too late")),
        ("contrast: pin at the handshake", "the server received " + ("the token" if handshake else "nothing")
                                           + ": the leaf SPKI pin failed before any request was sent"),
    )
    return DioOrderDemo(steps, received, response.status, passed, handshake)


def _handshake_check(pki) -> bool:
    """The same server with the pins checked on the verified chain before sending: did it get a request?"""
    with HTTPSServer(pki.misissued_leaf, token=API_TOKEN) as server:
        try:
            fetch(PinnedClient(leaf_pins(), [pki.root.cert]), server.host, server.port, token=API_TOKEN)
        except Refused:
            pass
    return bool(server.log)


# --- badCertificateCallback: runs only when validation failed -----------------------------------------------

class _AcceptAllCallbackClient(BrokenCallbackClient):
    """DELIBERATELY INSECURE demonstration of ``badCertificateCallback = (c, h, p) => true``: never copy."""

    label = "INSECURE: badCertificateCallback => true"

    def callback(self, cert: x509.Certificate, host: str, port: int) -> bool:
        self.calls += 1
        return True  # the bug being demonstrated: every certificate is accepted


def insecure_accept_all_client(roots) -> BrokenCallbackClient:
    """A DELIBERATELY INSECURE demonstration client: its callback accepts every certificate. Never copy."""
    return _AcceptAllCallbackClient(leaf_pins(), roots)


def callback_demo() -> CallbackDemo:
    """Lesson 06's callback model, through the MITM proxy, on the cases a Flutter team meets.

    The device trusts the course root only. The traffic hijacker's mis-issued certificate validates, so
    the callback never runs; a rogue CA the device does not trust fails validation, so the callback
    runs, and its pin check refuses; the accept-all callback lets the same rogue CA through.
    """
    roots = [course_pki().root.cert]
    cases = (("mis-issued certificate (publicly trusted), pin in callback", Attacker.DV_MISISSUANCE,
              BrokenCallbackClient(leaf_pins(), roots)),
             ("a CA the device does not trust, pin in callback", Attacker.ROGUE_CA,
              BrokenCallbackClient(leaf_pins(), roots)),
             ("a CA the device does not trust, callback => true", Attacker.ROGUE_CA,
              insecure_accept_all_client(roots)))
    with real_server() as upstream:
        return CallbackDemo(tuple(_callback_case(situation, attacker, client, upstream)
                                  for situation, attacker, client in cases))


def _callback_case(situation: str, attacker: Attacker, client: BrokenCallbackClient, upstream) -> CallbackCase:
    result = run_attack(attacker, lambda _roots: client, upstream=upstream)
    verdict = f"connected ({result.reason})" if result.connected else f"refused ({result.reason})"
    return CallbackCase(situation, verdict, client.calls > 0, result.token_leaked)


# --- which Dart approach stops which attack (dart.model on real Dart source) -------------------------------

_GENUINE = "genuine server"


def approaches() -> dict[str, str]:
    """The Dart approaches of the lesson, as Dart source that :func:`.dart.parse` reads."""
    pki = course_pki()
    fingerprint = Pin.of_cert(pki.leaf.cert).hex
    head = "import 'dart:io';\nimport 'package:crypto/crypto.dart';\n"
    check = f"sha256.convert(cert.der).toString() == '{fingerprint}'"
    return {
        "HttpClient() (platform roots)": head + "final client = HttpClient();\n",
        "pin in badCertificateCallback": f"{head}final client = HttpClient()\n"
                                         f"  ..badCertificateCallback = (cert, host, port) => {check};\n",
        "badCertificateCallback => true": head + "final client = HttpClient()\n"
                                                 "  ..badCertificateCallback = (cert, host, port) => true;\n",
        "Dio recipe (validateCertificate)": head + _dio_recipe(check),
        "trust anchor: course root": dart.generate_with_anchors([pki.root]),
        "trust anchor: intermediate": dart.generate_with_anchors([pki.intermediate]),
        "trust anchor: leaf only": dart.generate_with_anchors([pki.leaf]),
    }


def _dio_recipe(check: str) -> str:
    return ("import 'package:dio/io.dart';\n"
            "final adapter = IOHttpClientAdapter(\n"
            "  createHttpClient: () => HttpClient(context: SecurityContext(withTrustedRoots: false))\n"
            "    ..badCertificateCallback = (cert, host, port) => true,\n"
            f"  validateCertificate: (cert, host, port) => cert != null && {check},\n"
            ");\n")


def scenarios() -> dict[str, tuple[list[x509.Certificate], list[x509.Certificate], list[x509.Certificate]]]:
    """Scenario -> (the chain the server sends, the device's system roots, its user-installed roots):
    the genuine server, then :data:`~helpers.attacks.ATTACKS` and chain stuffing, with the stores of
    :func:`~helpers.attacks.platforms.device_stores` (a corporate or government CA is user-installed)."""
    pki = course_pki()
    found = {_GENUINE: (pki.leaf.chain, [pki.root.cert], [])}
    for item in (*ATTACKS, CHAIN_STUFFING):
        found[item.key] = (item.chain(), *device_stores(item))
    return found


@dataclass(frozen=True)
class ApproachMatrix(Shown):
    """Approach × scenario: the :class:`~.policy.Decision` of :func:`.dart.model` in each cell."""

    approaches: tuple[str, ...]
    scenarios: tuple[str, ...]
    decisions: dict[tuple[str, str], Decision]

    def verdict(self, approach: str, scenario: str) -> str:
        decision = self.decisions[approach, scenario]
        if decision.connects:
            return "✓ connects" if scenario == _GENUINE else "✗ CONNECTS"
        if "had already been sent" in decision.reason:  # dart.model's words for Dio's late refusal
            return "✗ refuses, token already sent"
        return "✗ REFUSES" if scenario == _GENUINE else "✓ refuses"

    def table(self) -> Table:
        rows = [[a, *(self.verdict(a, s) for s in self.scenarios)] for a in self.approaches]
        return Table(["Dart approach", *self.scenarios], rows, row_headers=True,
                     caption="Which Dart approach stops which attack (helpers.platforms.dart.model)")

    def __repr__(self) -> str:
        return f"<ApproachMatrix {len(self.approaches)} approaches x {len(self.scenarios)} scenarios>"


def attacks_table() -> ApproachMatrix:
    """Model each of :func:`approaches` against the genuine server, the four attacks and chain stuffing."""
    cases = scenarios()
    policies = {name: dart.parse(source) for name, source in approaches().items()}
    decisions = {(name, scenario): dart.model(policy, HOST, chain, roots, user)
                 for name, policy in policies.items() for scenario, (chain, roots, user) in cases.items()}
    return ApproachMatrix(tuple(policies), tuple(cases), decisions)


# --- renewals: certificate pin vs SPKI pin vs trust anchor -------------------------------------------------

#: Column -> the renewal-matrix strategy it is read from (pins) or the anchor it trusts (Dart).
_PIN_COLUMNS = {"certificate pin (Dio's recipe)": Strategy.CERTIFICATE, "leaf SPKI pin": Strategy.LEAF_SPKI}
_ANCHOR_COLUMNS = ("trust anchor: leaf", "trust anchor: intermediate", "trust anchor: root")


@dataclass(frozen=True)
class RenewalComparison(Shown):
    """Column × event: True where the app keeps working after the server's certificate change."""

    columns: tuple[str, ...]
    cells: dict[tuple[str, Event], bool]

    def table(self) -> Table:
        rows = [[event.label, *(_survives(self.cells[column, event]) for column in self.columns)]
                for event in Event]
        return Table(["server change", *self.columns], rows, row_headers=True,
                     caption="Which renewals break a certificate pin, an SPKI pin and a trust anchor")

    def __repr__(self) -> str:
        return f"<RenewalComparison: {len(self.columns)} columns x {len(Event)} events>"


def renewal_table() -> RenewalComparison:
    """Pin columns come from :func:`~helpers.pinning.renewal.renewal_matrix`; anchors from dart.model."""
    pki = course_pki()
    matrix = renewal_matrix()
    cells = {(column, event): matrix.cells[strategy, event]
             for column, strategy in _PIN_COLUMNS.items() for event in Event}
    anchors = dict(zip(_ANCHOR_COLUMNS, (pki.leaf, pki.intermediate, pki.root), strict=True))
    for column, anchor in anchors.items():
        policy = dart.parse(dart.generate_with_anchors([anchor]))
        for event in Event:
            cells[column, event] = dart.model(policy, HOST, event_chain(event), device_roots()).connects
    return RenewalComparison((*_PIN_COLUMNS, *_ANCHOR_COLUMNS), cells)


def _survives(flag: bool) -> str:
    return "✓ survives" if flag else "✗ LOCKED OUT"
