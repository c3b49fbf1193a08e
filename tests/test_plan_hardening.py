"""`python -m helpers plan` on hostile and broken input: bounded work, no traceback, no silent misreading.

Each whole-command case runs the command in a subprocess and asserts the exit code, one sentence on
stderr, no traceback and a time under 5 s (issue 16). The unit cases below them pin the model's own
checks, which the lesson's code and the widget lab go through too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.rotation import (
    Cert,
    DateError,
    OutOfRangeError,
    Release,
    ScheduleError,
    Timeline,
    Users,
    UsersError,
    build_timeline,
    certificate_schedule,
    plan_rotation,
    release_train,
)
from helpers.rotation.model import MAX_CERTS, MAX_DAYS, MAX_PINS, MAX_RELEASES, _pin_matches, as_date
from helpers.rotation.planfile import MAX_PLAN_BYTES, PlanFileError, load_plan
from helpers.rotation.scenarios import whole_days

ROOT = Path(__file__).resolve().parents[1]
BUDGET = 5.0      # seconds, for the whole process
BASE = {"start": "2026-09-01", "end": "2027-08-31", "strategy": "leaf-spki"}
S = dt.date(2026, 9, 1)


def run_plan(*args: str, env: dict | None = None) -> tuple[subprocess.CompletedProcess, float]:
    began = time.monotonic()
    try:
        out = subprocess.run([sys.executable, "-m", "helpers", "plan", *args], capture_output=True, cwd=ROOT,
                             timeout=BUDGET, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"plan {' '.join(args)[:80]} ran past {BUDGET} s")
    return out, time.monotonic() - began


def refused(out: subprocess.CompletedProcess, words: str) -> str:
    """Exit 2, nothing on stdout, one short sentence on stderr that contains ``words``."""
    err = out.stderr.decode("utf-8", "replace")
    assert out.returncode == 2, (out.returncode, err[-500:])
    assert out.stdout == b""
    assert "Traceback" not in err and "Warning" not in err, err[-500:]
    assert err.startswith("error: ") and err.count("\n") == 1 and err.endswith(".\n"), err[:500]
    assert len(err) < 400, err[:500]
    assert words in err, err
    return err


def plan_file(tmp_path: Path, content) -> str:
    path = tmp_path / "plan.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


def with_(**changes) -> dict:
    return {**BASE, **changes}


RELEASE = {"version": "1.0", "submitted": "2026-08-30", "pins": ["key:K1"]}
CERT = {"label": "C1", "issued": "2026-09-01", "expires": "2026-11-30", "key": "K1"}


# --- unbounded work: caps with one sentence, and a plan at the caps answers quickly ----------------

CAPPED = [
    ("daily certificates over 30 years (the 110-byte plan)",
     {"start": "2026-01-01", "end": "2055-12-31", "strategy": "certificate",
      "schedule": {"lifetime": 1, "key_reuse": False}}, f"more than the {MAX_DAYS} days"),
    ("daily certificates over 10 years", {"start": "2026-09-01", "end": "2036-08-31", "strategy": "certificate",
                                          "schedule": {"lifetime": 1}}, f"more than the {MAX_CERTS} certificates"),
    ("a release every day for 10 years", {"start": "2026-09-01", "end": "2036-08-31", "strategy": "leaf-spki",
                                          "cadence_days": 1}, f"more than the {MAX_RELEASES} releases"),
    ("a thousand rollovers", with_(schedule={"rollovers": ["2027-01-01"] * 1000}), "schedule.rollovers lists 1000"),
    ("too many certificates listed", with_(certificates=[CERT] * (MAX_CERTS + 1)), "certificates"),
    ("too many releases listed", with_(releases=[RELEASE] * (MAX_RELEASES + 1)), "releases"),
    ("too many pins in a release", with_(releases=[{**RELEASE, "pins": [f"key:K{i}" for i in range(MAX_PINS + 1)]}]),
     f"more than the {MAX_PINS} pins"),
    ("a calendar that needs an extra release for each of 1800 rekeys",
     {"start": "2026-09-01", "end": "2036-08-31", "strategy": "leaf-spki+backup", "cadence_days": 30,
      "review_days": 1, "users": {"half_life_days": 0.01, "never_update": 0},
      "schedule": {"lifetime": 3, "key_reuse": False}}, "counting the extra ones"),
    ("150 keys announced on day one", with_(certificates=[
        {"label": f"C{i}", "issued": "2026-09-01", "deployed": str(S + dt.timedelta(days=i)),
         "expires": "2027-08-31", "key": f"K{i}"} for i in range(150)]), "announced pins"),
    ("too many known_from entries", with_(known_from={f"key:K{i}": "2026-09-01" for i in range(MAX_CERTS + 1)}),
     "known_from"),
]


@pytest.mark.parametrize("case, plan, words", CAPPED, ids=[c[0] for c in CAPPED])
def test_a_plan_past_a_cap_is_refused_quickly(tmp_path, case, plan, words):
    out, _ = run_plan(plan_file(tmp_path, plan))
    refused(out, words)


def test_the_30_year_daily_plan_is_small():
    assert len(json.dumps(CAPPED[0][1], separators=(",", ":")).encode()) < 120


AT_CAPS = [
    ("certificate pins on 3-day certificates, no key reuse, 10 years",
     {"start": "2026-09-01", "end": "2036-08-31", "strategy": "certificate", "cadence_days": 4,
      "schedule": {"lifetime": 3, "key_reuse": False}}),
    ("a backup pin with force-update and pin expiry, 10 years",
     {"start": "2026-09-01", "end": "2036-08-31", "strategy": "leaf-spki+backup", "cadence_days": 4,
      "pin_expiry_days": 30, "users": {"force_update": True, "half_life_days": 3650},
      "schedule": {"lifetime": 3, "key_reuse": False}}),
    ("every certificate issued on day one, deployed one after another",
     {"start": "2026-09-01", "end": "2032-02-01", "strategy": "leaf-spki", "cadence_days": 4,
      "certificates": [{"label": f"C{i}", "issued": "2026-09-01",
                        "deployed": str(S + dt.timedelta(days=i)), "expires": "2036-01-01",
                        "key": f"K{i // 40}"} for i in range(MAX_CERTS)]}),
]


@pytest.mark.parametrize("case, plan", AT_CAPS, ids=[c[0] for c in AT_CAPS])
def test_a_plan_at_the_caps_answers_well_under_the_budget(tmp_path, case, plan):
    began = time.monotonic()
    _, result, _ = load_plan(plan)
    assert result.result.summary is not None
    assert time.monotonic() - began < 2.5
    out, took = run_plan(plan_file(tmp_path, plan))
    assert out.returncode in (0, 1) and out.stderr == b"", out.stderr[-500:]
    assert took < BUDGET


# --- inputs that used to raise a traceback ---------------------------------------------------------

TRACEBACKS = [
    ("a 100,000-deep array", '{"start": "2026-09-01", "releases": ' + "[" * 100_000 + "]" * 100_000 + "}",
     "too deeply"),
    ("a 400-digit review_days", json.dumps(with_(review_days=int("9" * 400))), "400-digit"),
    ("a 400-digit half-life", json.dumps(with_(users={"half_life_days": int("9" * 400)})), "400-digit"),
    ("a 5000-digit integer", '{"review_days": ' + "9" * 5000 + "}", "5000-digit"),
    ("a huge half-life", json.dumps(with_(users={"half_life_days": 1e300})), "half_life_days"),
    ("a huge force half-life", json.dumps(with_(users={"force_half_life_days": 1e300})), "force_half_life_days"),
    ("a number past the float range", '{"review_days": 1e999}', "too large"),
    ("NaN", '{"users": {"half_life_days": NaN}}', "NaN"),
    ("Infinity", '{"target_lockout": Infinity}', "Infinity"),
    ("-Infinity", '{"cadence_days": -Infinity}', "-Infinity"),
    ("a certificate that is not an object", json.dumps(with_(certificates=[5])), "certificates[0]"),
    ("a huge pin_expiry_days", json.dumps(with_(pin_expiry_days=10**30)), "pin_expiry_days"),
]


@pytest.mark.parametrize("case, text, words", TRACEBACKS, ids=[c[0] for c in TRACEBACKS])
def test_input_that_raised_a_traceback_is_one_sentence(tmp_path, case, text, words):
    out, _ = run_plan(plan_file(tmp_path, text))
    refused(out, words)


# --- values that were silently misread --------------------------------------------------------------

MISREAD = [
    ("key_reuse as a string", with_(schedule={"key_reuse": "false"}), "schedule.key_reuse"),
    ("force_update as a string", with_(users={"force_update": "no"}), "users.force_update"),
    ("force_update as a number", with_(users={"force_update": 0}), "true or false"),
    ("a tiny half-life", with_(users={"half_life_days": 1e-320}), "half_life_days"),
    ("a tiny target", with_(target_lockout=1e-320), "target"),
    ("a date as a number", with_(start=20260901), "start is 20260901"),
    ("a date with trailing text", with_(start="2026-09-01xyz"), "YYYY-MM-DD"),
    ("a date in other digits", with_(end="٢٠٢٧-٠٨-٣١"), "YYYY-MM-DD"),
    ("an empty start", with_(start=""), "start is empty"),
    ("an empty strategy", with_(strategy=""), "strategy is empty"),
    ("an empty version", with_(releases=[{**RELEASE, "version": ""}]), "releases[0].version is empty"),
    ("an empty label", with_(certificates=[{**CERT, "label": ""}]), "certificates[0].label is empty"),
    ("an empty pin", with_(releases=[{**RELEASE, "pins": [""]}]), "releases[0].pins[0] is empty"),
    ("a version as a number", with_(releases=[{**RELEASE, "version": 1.0}]), "must be a string"),
    ("half a day of review", with_(review_days=2.5), "whole number"),
    ("a lifetime as a string", with_(schedule={"lifetime": "90"}), "schedule.lifetime"),
    ("a share as a string", with_(users={"never_update": "0.03"}), "users.never_update"),
    ("a misspelt schedule field", with_(schedule={"lifetim": 90}), "unknown field 'lifetim' in schedule"),
    ("an unknown certificate field", with_(certificates=[{**CERT, "colour": "red"}]), "'colour'"),
    ("an unknown release field", with_(releases=[{**RELEASE, "live_on": "2026-09-01"}]), "'live_on'"),
    ("an unknown users field", with_(users={"half_life": 10}), "'half_life'"),
    ("an intermediate as a number", with_(schedule={"ca_switches": [{"date": "2027-01-01", "intermediate": 5}]}),
     "ca_switches[0].intermediate"),
    ("a known_from date as a list", with_(known_from={"key:K2": [1]}), "known_from"),
    ("a known_from pin without a kind", with_(known_from={"K2": "2026-09-01"}), "kind:value"),
    ("rollovers as one string", with_(schedule={"rollovers": "2027-06-01"}), "must be a JSON list"),
    ("users as null", with_(users=None), "users"),
    ("a plan name as a number", with_(name=5), "name"),
    ("an escape sequence in a label", with_(certificates=[{**CERT, "label": "\x1b[2JC1"}]), "control character"),
    ("a 10,000-character key", with_(certificates=[{**CERT, "key": "K" * 10_000}]), "characters"),
    ("both a schedule and certificates", with_(schedule={"lifetime": 90}, certificates=[CERT]),
     "both schedule and certificates"),
]


@pytest.mark.parametrize("case, plan, words", MISREAD, ids=[c[0] for c in MISREAD])
def test_a_value_of_the_wrong_type_or_range_is_refused(tmp_path, case, plan, words):
    out, _ = run_plan(plan_file(tmp_path, plan))
    refused(out, words)


def test_false_is_read_as_false(tmp_path):
    """The control for the two cases above: a JSON false is honoured (a new key at each renewal)."""
    plan = with_(strategy="leaf-spki", schedule={"lifetime": 90, "key_reuse": False})
    _, result, _ = load_plan(plan)
    assert len({c.key for c in result.timeline.certs}) == len(result.timeline.certs) > 3
    _, reused, _ = load_plan(with_(strategy="leaf-spki", schedule={"lifetime": 90, "key_reuse": True}))
    assert {c.key for c in reused.timeline.certs} == {"K1"}


# --- the command line: empty values, misplaced options ------------------------------------------

@pytest.mark.parametrize("args, words", [
    (("",), "the plan file name is empty"),
    (("", "--scenario", "backup-pin-rotation"), "the plan file name is empty"),
    (("--scenario", "", "data/plans/example.json"), "--scenario is empty"),
    (("--target", "0.01", "data/plans/example.json"), "--target applies only to --scenario"),
    (("--scenario", "rekey-no-backup", "--target", "1e-320"), "target"),
    (("--scenario", "rekey-no-backup", "--target", "nan"), "target"),
    (("--list", "--scenario", "rekey-no-backup"), "--list takes no plan"),
])
def test_an_empty_or_misplaced_argument_is_refused(args, words):
    out, _ = run_plan(*args)
    refused(out, words)


# --- files: regular files only, with a size limit -----------------------------------------------------

def test_dev_zero_is_refused_without_reading_it():
    out, _ = run_plan("/dev/zero")
    refused(out, "not a regular file")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)
    out, _ = run_plan(str(fifo))
    refused(out, "not a regular file")


def test_a_folder_is_refused(tmp_path):
    out, _ = run_plan(str(tmp_path))
    refused(out, "is a folder")


def test_a_file_past_the_size_limit_is_refused(tmp_path):
    out, _ = run_plan(plan_file(tmp_path, " " * (MAX_PLAN_BYTES + 1) + json.dumps(BASE)))
    refused(out, "bytes")


def test_a_plan_that_is_not_utf8_is_refused(tmp_path):
    out, _ = run_plan(plan_file(tmp_path, b'{"name": "\xff"}'))
    refused(out, "UTF-8")


# --- stdout that cannot encode every character ----------------------------------------------------

@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_plan_output_survives_a_narrow_stdout_encoding(tmp_path, encoding):
    plan = with_(strategy="leaf-spki", certificates=[
        {**CERT, "label": "C✓", "key": "K→1", "expires": "2027-12-01"},
        {**CERT, "label": "C→2", "issued": "2027-03-01", "expires": "2027-12-01", "key": "K→2"}])
    out, _ = run_plan(plan_file(tmp_path, plan), env={**os.environ, "PYTHONIOENCODING": encoding})
    assert out.returncode in (0, 1) and out.stderr == b"", out.stderr[-800:]
    text = out.stdout.decode(encoding)
    assert "server moves key:K\\u21921 -> key:K\\u21922" in text


def test_plan_output_is_unchanged_on_a_utf8_stdout(tmp_path):
    plan = with_(certificates=[{**CERT, "key": "K→1", "expires": "2027-12-01"},
                               {**CERT, "label": "C2", "issued": "2027-03-01", "expires": "2027-12-01", "key": "K2"}])
    out, _ = run_plan(plan_file(tmp_path, plan), env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert "server moves key:K→1 -> key:K2" in out.stdout.decode("utf-8")


# --- the model's own checks (the lesson and the widget lab go through them too) --------------------

@pytest.mark.parametrize("kwargs, words", [
    (dict(force_update="no"), "force_update"),
    (dict(force_update=1), "force_update"),
    (dict(half_life_days=1e-320), "half_life_days"),
    (dict(half_life_days=float("inf")), "half_life_days"),
    (dict(half_life_days=int("9" * 400)), "400-digit"),
    (dict(force_half_life_days=1e300), "force_half_life_days"),
])
def test_users_refuse_values_that_would_be_misread(kwargs, words):
    with pytest.raises(UsersError, match=words) as info:
        Users(**kwargs)
    assert len(str(info.value)) < 300


@pytest.mark.parametrize("value", ["2026-09-01xyz", 20260901, "", " ", "2026-9-1", ["2026-09-01"], "２０２６-09-01"])
def test_as_date_reads_only_dates(value):
    with pytest.raises(DateError):
        as_date(value)


def test_as_date_still_reads_dates_datetimes_and_padded_strings():
    assert as_date(" 2027-03-15 ") == as_date(dt.datetime(2027, 3, 15, 9)) == as_date(np.datetime64("2027-03-15"))


@pytest.mark.parametrize("value", [2.5, float("nan"), float("inf"), 10**400, True, "3"],
                         ids=["half", "nan", "inf", "huge", "bool", "string"])
def test_whole_days_refuses_what_is_not_a_whole_number_of_days(value):
    with pytest.raises(OutOfRangeError) as info:
        whole_days(value, "review_days")
    assert len(str(info.value)) < 300


def test_the_caps_hold_for_library_callers():
    with pytest.raises(DateError, match="more than the"):
        Timeline(S, S + dt.timedelta(days=MAX_DAYS), (Cert("C1", S, S, S + dt.timedelta(days=90), "K1"),),
                 (Release("v1", S, S, {"key:K1"}),))
    with pytest.raises(ScheduleError, match="certificates"):
        certificate_schedule(S, S + dt.timedelta(days=MAX_DAYS - 1), lifetime=1)
    certs = certificate_schedule(S, S + dt.timedelta(days=MAX_DAYS - 1), lifetime=90)
    with pytest.raises(ScheduleError, match="releases"):
        release_train(certs, "leaf-spki", start=S, end=S + dt.timedelta(days=MAX_DAYS - 1), cadence_days=1)
    with pytest.raises(OutOfRangeError, match="years"):
        build_timeline(years=30)


def test_the_planner_never_overflows_a_date_at_the_extremes():
    certs = certificate_schedule(S, S + dt.timedelta(days=400), lifetime=90, rollovers=[S + dt.timedelta(days=200)])
    for users, target in [(Users(half_life_days=3650, never_update=0.0), 1e-6),
                          (Users(half_life_days=3650, never_update=0.03), 0.03 + 1e-15),
                          (Users(half_life_days=0.01, never_update=1.0), 0.999)]:
        plan = plan_rotation(certs, "leaf-spki", start=S, end=S + dt.timedelta(days=400), users=users, target=target)
        assert "nan" not in str(plan)


def test_a_target_below_one_in_a_million_is_refused():
    certs = certificate_schedule(S, S + dt.timedelta(days=400), lifetime=90)
    with pytest.raises(OutOfRangeError, match="target"):
        plan_rotation(certs, "leaf-spki", start=S, end=S + dt.timedelta(days=400), target=1e-320)


def test_a_tiny_target_is_printed_with_its_digits():
    certs = certificate_schedule(S, S + dt.timedelta(days=400), lifetime=90)
    plan = plan_rotation(certs, "leaf-spki", start=S, end=S + dt.timedelta(days=400), target=1e-5)
    assert "lockout target 0.001%" in str(plan)


def reference_matches(releases, certs) -> np.ndarray:
    """The definition: release v matches certificate c when one of its pins names a part of c's chain."""
    return np.array([[bool(r.pins & c.identities()) for c in certs] for r in releases], dtype=bool)


PINS = ["cert:C0", "cert:C1", "key:K1", "key:K2", "key:K9", "intermediate:R10", "intermediate:E6",
        "root:X1", "root:X2"]


@settings(max_examples=80, deadline=None)
@given(chains=st.lists(st.tuples(st.sampled_from(["K1", "K2"]), st.sampled_from(["R10", "E6"]),
                                 st.sampled_from(["X1", "X2"])), min_size=1, max_size=6),
       pin_sets=st.lists(st.sets(st.sampled_from(PINS), min_size=1, max_size=4), min_size=1, max_size=5))
def test_pin_matching_agrees_with_its_definition(chains, pin_sets):
    certs = [Cert(f"C{i}", S, S, S + dt.timedelta(days=30), *chain) for i, chain in enumerate(chains)]
    releases = [Release(f"v{n}", S, S, pins) for n, pins in enumerate(pin_sets)]
    assert (_pin_matches(releases, certs) == reference_matches(releases, certs)).all()


def test_a_plan_file_error_is_still_importable_from_planfile():
    with pytest.raises(PlanFileError):
        load_plan({"start": "2026-09-01"})


def test_an_extra_release_is_named_after_the_release_before_it():
    """Three rekeys, each announced 30 days ahead, and a release every 120 days: each rekey needs an extra
    release. The old list scan named the second one v1.1.1, though it ships after v2."""
    day = lambda n: S + dt.timedelta(days=n)  # noqa: E731
    certs = [Cert(f"C{i}", day(100 * i - 30 if i else 0), day(100 * i), day(1000), f"K{i + 1}") for i in range(4)]
    plan = plan_rotation(certs, "leaf-spki", start=S, end=day(400), users=Users(half_life_days=1, never_update=0),
                         cadence_days=120, target=0.2)
    assert plan.feasible
    assert [r.version for r in plan.timeline.releases] == ["v1", "v1.1", "v2", "v2.1", "v3", "v3.1", "v4"]


def test_the_documented_limits_are_the_enforced_ones():
    from helpers.rotation import planfile
    from helpers.rotation.model import HALF_LIFE_RANGE
    from helpers.rotation.scenarios import MAX_EVENTS

    doc = " ".join(planfile.__doc__.split())
    for number in (MAX_DAYS, MAX_CERTS, MAX_RELEASES, MAX_PINS, MAX_EVENTS, *HALF_LIFE_RANGE):
        assert f" {number} " in doc, number
    assert MAX_PLAN_BYTES == 1_000_000 and "at most 1 MB" in doc
