"""Lesson 00's sample exercise: how the course's exercises work (answered by letter or by label)."""

from __future__ import annotations

from ..plots.overview import STEPS
from . import Question, labelled_choice


def _step(says: str) -> str:
    """The label of the figure's box whose text has ``says`` in it, on one line ('TLS: validation')."""
    return next(" ".join(step.split()) for step, detail, _ in STEPS if says in f"{step} {detail}")


# The figure's boxes, as the learner reads them off the figure above the question.
_VALIDATION, _DNS, _TCP = _step("trusted"), _step("DNS"), _step("TCP")

q1 = Question(
    name="q1",
    prompt="Which step of the request path decides whether the server's certificate is trusted? "
           "Answer 'A' (DNS), 'B' (TCP) or 'C' (TLS validation).",
    checker=labelled_choice("C", {
        "A": (_DNS, "DNS lookup"),
        "B": (_TCP, "TCP connect", "TCP connection"),
        "C": ("TLS validation", _VALIDATION, "validation", "certificate validation"),
    }, {
        "A": "DNS only turns a name into an address; it says nothing about who answers there.",
        "B": "TCP only connects two ports; anyone can accept a connection.",
    }, success="The client checks the chain during the TLS handshake: right name, trusted signer, in date.",
        near={
        _step("sends its"): "In that box the server only sends its chain; nothing has been checked yet.",
        "certificate": "In the certificate box the server only sends its chain; nothing has been checked yet.",
        _step("key agreement"): "Key agreement only derives a shared secret; it does not say who holds the other end.",
        _step("Pin check"): "The pin check narrows trust further, but only after another step has accepted the "
                  "chain, and it is not one of the three options.",
        "pinning": "Pinning narrows trust further, but only after another step has accepted the chain, "
                   "and it is not one of the three options.",
        "TLS": "TLS covers several boxes of the figure (the shaded ones), and they do different jobs.",
        "TLS handshake": "The handshake covers several boxes of the figure (the shaded ones), and they "
                         "do different jobs.",
    }),
    hints=("Look at the figure above: which box asks 'trusted signer?'",
           "It is one of the shaded TLS boxes."),
    answer="'C'. Validation happens inside the TLS handshake, after the server sends its certificate chain.",
)
