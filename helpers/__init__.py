"""The package behind the course's lessons. Open any module; each fits on a screen or two.

Imports only go down these floors (``tests/test_layers.py`` enforces it):

6. ``cli/``: ``python -m helpers``, one module per command (argparse lives only here).
5. ``plots/`` (matplotlib), ``widgets/`` (ipywidgets), ``exercises/`` (check, hint, solution),
   ``doctor`` (is this machine ready?).
4. ``attacks`` (four attacks and the MITM scoreboard), ``rotation/`` (the timeline simulator,
   the planner, PLAN.json files).
3. ``tls/`` (every TLS context, one builder per role; stepping, decoding, decrypting and checking a handshake; the
   loopback server and the MITM proxy), ``pinning.client`` / ``.broken`` / ``.renewal``, ``validation/`` (the explaining
   validator and its references), ``anatomy`` (a certificate field by field), ``trust_store``
   (certifi's Mozilla roots).
2. ``pki/`` (toy keys, the CA, the course PKI, the failure gallery, data/certs), ``pinning.pins``
   and ``pinning.strategy`` (pins, pin sets, what to pin), ``tls.records`` (with ``wire``,
   ``extensions``, ``hellos`` and ``messages``) and ``tls.names`` (TLS bytes and their names).
1. ``pem`` (reading and writing certificates and keys), ``show`` (the one table).
0. ``course`` (HOST, LOOPBACK, TIMEOUT), ``clock`` (the course's fixed "now"), ``errors``.
"""
