"""The workshop hub (``make workshop``), for real: JupyterHub, configurable-http-proxy and Chromium.

The hub starts from ``workshop/jupyterhub_config.py`` on a free loopback port with its state in
a temporary folder. Two learners log in with the shared password, each in a browser context of
their own; each opens lesson 00 from their own copy and runs every cell. Then: learner A's
server, asked for with learner B's session, is refused; a wrong password is refused; and Ctrl+C
(SIGINT to the hub's process group) leaves no process and no listening port behind. Without a
browser: with a certificate the hub speaks only HTTPS, and a bad setting (a taken port, a short
password, an admin name that cannot be a folder, half a TLS pair) stops it with one sentence.

Locally the test skips, with the reason, without Node.js, the npm proxy, Chromium, Playwright or
JupyterHub; in CI (``CI=true`` or ``REQUIRE_BROWSER=1``) it fails instead.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "workshop"))
import drive  # noqa: E402

LEARNERS = ("ada", "grace")
PASSWORD = "room-42-password"


def _required() -> bool:
    return os.environ.get("REQUIRE_BROWSER") == "1" or os.environ.get("CI", "").lower() == "true"


def _need_the_hub() -> None:
    reason = drive.missing()
    if reason:
        if _required():
            pytest.fail(f"the hub test is required in CI, but {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    _need_the_hub()
    state = tmp_path_factory.mktemp("workshop") / "state"
    with drive.Hub(state, PASSWORD) as running:
        yield running


@pytest.fixture(scope="module")
def browser(hub):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=drive.CHROMIUM, headless=True, args=drive.CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def sessions(hub, browser):
    """Each learner logged in, in a browser context (cookie jar) of their own, at lesson 00."""
    logged_in = {}
    for name in LEARNERS:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page, _ = drive.login(context, hub.base, name, PASSWORD)
        logged_in[name] = (context, page)
    yield logged_in
    for context, _ in logged_in.values():
        context.close()


@pytest.mark.parametrize("name", LEARNERS)
def test_each_learner_runs_lesson_00_from_their_own_copy(hub, sessions, name):
    context, page = sessions[name]
    assert page.url.endswith(f"/user/{name}/lab/tree/{drive.LESSON_00}"), page.url
    home = hub.state / "users" / name
    assert (home / drive.LESSON_00).is_file(), "the learner's copy of lesson 00 is missing"
    assert drive.Path(hub.server_of(name).cwd()) == home.resolve()
    cells = drive.run_all(page, drive.LESSON_00)
    assert cells and all(c["count"] for c in cells)
    assert not drive.errors_in(cells), drive.errors_in(cells)
    # A file saved by this learner lands in their folder only.
    page.evaluate("""(path) => window.jupyterapp.serviceManager.contents.save(path,
                     {type: 'file', format: 'text', content: 'mine'})""", f"notebooks/{name}.txt")
    others = [n for n in LEARNERS if n != name]
    assert (home / "notebooks" / f"{name}.txt").read_text() == "mine"
    assert not any((hub.state / "users" / o / "notebooks" / f"{name}.txt").exists() for o in others)
    assert not (ROOT / "notebooks" / f"{name}.txt").exists()


def test_a_learners_server_refuses_another_learners_session(hub, sessions):
    owner, intruder = LEARNERS
    context, _ = sessions[intruder]
    page = context.new_page()
    try:
        response = page.goto(f"{hub.base}/user/{owner}/lab/tree/{drive.LESSON_00}")
        assert response.status == 403, (response.status, page.url)
        assert f"/user/{owner}/lab" not in page.url
        api = context.request.get(f"{hub.base}/user/{owner}/api/contents/notebooks")
        assert api.status in (401, 403), api.status
        assert drive.LESSON_00.split("/")[1] not in api.text()
        own = context.request.get(f"{hub.base}/user/{intruder}/api/contents/notebooks")
        assert own.status == 200 and drive.LESSON_00.split("/")[1] in own.text()
    finally:
        page.close()


def test_a_wrong_password_is_refused(hub, browser):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{hub.base}/hub/login")
        page.fill("#username_input", "mallory")
        page.fill("#password_input", PASSWORD + "x")
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.click("#login_submit")
        assert posted.value.status == 403
        page.locator(".login_error").wait_for(timeout=15_000)  # the form says so, once the page renders
        assert context.request.get(f"{hub.base}/hub/api/user").status == 403
        assert not (hub.state / "users" / "mallory").exists()
    finally:
        context.close()


@pytest.mark.parametrize("name", ["../escape", "a/b", "x" * 40, "<script>", ""])
def test_a_name_that_cannot_be_a_folder_is_refused(hub, browser, name):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{hub.base}/hub/login")
        page.fill("#username_input", name)
        page.fill("#password_input", PASSWORD)
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.click("#login_submit")
        assert posted.value.status == 403
        assert context.request.get(f"{hub.base}/hub/api/user").status == 403
        assert sorted(p.name for p in (hub.state / "users").iterdir()) == sorted(LEARNERS)
        assert not (hub.state / "escape").exists()
    finally:
        context.close()


def test_ctrl_c_leaves_no_process_and_no_port(hub, sessions):
    processes = hub.processes()
    ports = hub.listening_ports()
    names = " ".join(" ".join(p.cmdline()) for p in processes)
    assert "configurable-http-proxy" in names and "jupyterhub_idle_culler" in names
    assert "GET /hub/api/users" in hub.log() and "(idle-culler@127.0.0.1)" in hub.log()  # the culler polls
    assert names.count("jupyterhub.singleuser") == len(LEARNERS)
    assert hub.port in ports and len(ports) >= 2 + len(LEARNERS)  # proxy, its API, hub API, servers
    seconds = hub.stop()
    assert hub.proc.returncode is not None
    assert seconds < 30, f"the hub took {seconds:.0f} s to stop"
    alive = [p for p in processes if p.is_running() and p.status() != "zombie"]
    assert not alive, [p.cmdline() for p in alive]
    for port in ports:
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers"
    assert "...done" in hub.log()


def test_zero_to_jupyterhub_values_mirror_the_tested_hub():
    """The Helm values parse and ask for what the tested hub does (the cluster itself is untested)."""
    import yaml

    values = yaml.safe_load((ROOT / "workshop" / "zero-to-jupyterhub.yaml").read_text())
    hub_config = values["hub"]["config"]
    assert hub_config["JupyterHub"]["authenticator_class"] == "shared-password"
    assert "user_password" not in hub_config.get("SharedPasswordAuthenticator", {}), "no password in git"
    assert hub_config["Authenticator"]["admin_users"]
    assert values["cull"]["enabled"] is True and values["cull"]["timeout"] > 0
    user = values["singleuser"]
    assert user["memory"]["guarantee"] and user["memory"]["limit"] and user["cpu"]["guarantee"]
    assert user["extraEnv"]["NBGITPULLER_PARENTPATH"] == "work" == user["storage"]["homeMountPath"].split("/")[-1]
    assert values["proxy"]["https"]["enabled"] is True


def _certificate_for_loopback(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, standing in for the one an instructor would get."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "workshop hub test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "hub.pem", folder / "hub.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_with_a_certificate_the_hub_speaks_only_https(tmp_path):
    _need_the_hub()
    cert, key = _certificate_for_loopback(tmp_path)
    with drive.Hub(tmp_path / "state", PASSWORD, cafile=cert,
                   WORKSHOP_TLS_CERT=str(cert), WORKSHOP_TLS_KEY=str(key)) as hub:
        with urllib.request.urlopen(f"{hub.base}/hub/login", timeout=10, context=hub.tls) as page:
            assert page.status == 200 and b"password_input" in page.read()
        with pytest.raises(urllib.error.URLError) as untrusted:  # a browser without the certificate's CA
            urllib.request.urlopen(f"{hub.base}/hub/login", timeout=10, context=ssl.create_default_context())
        assert "CERTIFICATE_VERIFY_FAILED" in str(untrusted.value)
        with pytest.raises(OSError):  # plain HTTP gets no login page
            urllib.request.urlopen(f"http://127.0.0.1:{hub.port}/hub/login", timeout=10)
    assert "...done" in hub.log()


@pytest.mark.parametrize("setting, sentence", [
    ("PORT", "Cannot listen on 127.0.0.1:"),
    ("WORKSHOP_PASSWORD", "WORKSHOP_PASSWORD must be at least 8 characters"),
    ("WORKSHOP_ADMIN", "cannot be a user name"),
    ("WORKSHOP_TLS_CERT", "Set both WORKSHOP_TLS_CERT and WORKSHOP_TLS_KEY"),
    ("WORKSHOP_MEM_LIMIT", "is not a size"),
])
def test_a_bad_setting_stops_the_hub_with_one_sentence(tmp_path, setting, sentence):
    _need_the_hub()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = dict(os.environ, WORKSHOP_STATE=str(tmp_path / "state"), WORKSHOP_PASSWORD=PASSWORD,
                   HOST="127.0.0.1", PORT=str(drive.free_port()))
        env[setting] = {"PORT": str(taken.getsockname()[1]), "WORKSHOP_PASSWORD": "short",
                        "WORKSHOP_ADMIN": "../root", "WORKSHOP_TLS_CERT": str(tmp_path),
                        "WORKSHOP_MEM_LIMIT": "lots"}[setting]
        done = subprocess.run([sys.executable, "-m", "jupyterhub", "-f", str(drive.CONFIG)], env=env,
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert sentence in done.stderr and "Traceback" not in done.stderr + done.stdout, done.stderr[-500:]
