"""`python -m helpers plan`: calendars from scenarios and PLAN.json files, and bad plans."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.errors import BadInputError, CourseError
from helpers.rotation import SCENARIOS, Users
from helpers.rotation.planfile import FIELDS, PlanFileError, load_plan
from helpers.rotation.scenarios import catalogue_table

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "plans" / "example.json"


def plan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpers", "plan", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def test_list_prints_the_catalogue_table():
    out = plan("--list")
    assert out.returncode == 0 and out.stderr == ""
    assert out.stdout == str(catalogue_table(figures=False)) + "\n"
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["scenario", "title"] and lines[1].startswith("-----")
    assert [line.split()[0] for line in lines[2:]] == list(SCENARIOS)


def test_a_feasible_scenario_prints_its_calendar_and_exits_0():
    out = plan("--scenario", "backup-pin-rotation")
    assert out.returncode == 0, out.stderr
    assert "2027-06-01  server moves key:K1 -> key:K2" in out.stdout
    assert "rotating is safe from 2026-09-01" in out.stdout
    assert "peak lockout:          0.00% of users" in out.stdout


def test_an_impossible_scenario_says_why_and_exits_1():
    out = plan("--scenario", "rekey-no-backup")
    assert out.returncode == 1
    assert "IMPOSSIBLE: 3.0% of users never update" in out.stdout
    assert "warning:" in out.stdout


def test_the_example_plan_runs():
    out = plan(str(EXAMPLE.relative_to(ROOT)))
    assert out.returncode == 0, out.stderr
    assert "The releases as written (3):" in out.stdout


def bad(tmp_path: Path, text: str) -> subprocess.CompletedProcess:
    path = tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8")
    return plan(str(path))


def example(**changes) -> str:
    data = json.loads(EXAMPLE.read_text())
    data.update(changes)
    return json.dumps({k: v for k, v in data.items() if v is not None})


@pytest.mark.parametrize("text, words", [
    (example(start="2028-09-01"), "on or before it starts"),
    (example(strategy="spki-pinning"), "unknown pin strategy 'spki-pinning'"),
    (example(releases=[{"version": "1.0", "submitted": "2026-08-30", "live": "2026-08-31", "pins": ["key:K1"]}]),
     "before its 2-day review could finish (2026-09-01)"),
    ("{\"start\": \"2026-09-01\",", "is not valid JSON"),
    (example(colour="blue"), "unknown plan field 'colour'"),
    (example(strategy=None), "lacks 'strategy'"),
    (example(schedule=None, certificates=[{"label": "C1", "issued": "2026-09-01", "expires": "2026-08-01",
                                           "key": "K1"}]),
     "expires (2026-08-01) before it is issued"),
    (example(users={"never_update": 5}), "write 3% as 0.03"),
    (example(releases=[{"version": "1.0", "submitted": "2026-08-30", "pins": ["K1"]}]), "kind:value"),
    (example(end="someday"), "is not a date"),
    ("[1, 2]", "must be a JSON object"),
])
def test_a_bad_plan_exits_2_with_one_sentence(tmp_path, text, words):
    out = bad(tmp_path, text)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.startswith("error: ") and out.stderr.count("\n") == 1, out.stderr
    assert words in out.stderr
    assert "Traceback" not in out.stderr


def test_a_missing_plan_file_exits_2():
    out = plan("no/such/plan.json")
    assert out.returncode == 2 and "there is no plan file at 'no/such/plan.json'" in out.stderr


@pytest.mark.parametrize("args", [(), ("--scenario", "rekey-no-backup", "data/plans/example.json")])
def test_neither_or_both_of_file_and_scenario_is_a_usage_error(args):
    out = plan(*args)
    assert out.returncode == 2
    assert out.stderr == ("error: give either a PLAN.json file or --scenario NAME (or --list), not both "
                          "or neither.\n")


def test_a_usage_mistake_is_not_a_plan_file_error():
    from argparse import Namespace

    from helpers.cli.plan import UsageError, run

    with pytest.raises(UsageError) as info:
        run(Namespace(list=False, scenario=None, plan=None, target=0.005))
    assert isinstance(info.value, BadInputError) and not isinstance(info.value, PlanFileError)


def test_the_titles_table_lists_every_scenario_with_its_title():
    table = catalogue_table(figures=False)
    assert table.headers == ("scenario", "title") and [row[0] for row in table.rows] == list(SCENARIOS)
    assert ("rekey-no-backup", "A rekey without a backup pin") in table.rows


@pytest.mark.parametrize("source, words", [
    ("no/such/plan.json", "there is no plan file"),
    ({"start": "2026-09-01", "end": "2027-09-01", "strategy": "root", "colour": 1}, "unknown plan field"),
    ({"start": "2026-09-01", "end": "2027-09-01"}, "lacks 'strategy'"),
    ({"start": "2026-09-01", "end": "2027-09-01", "strategy": "root", "releases": {}}, "must be a JSON list"),
])
def test_a_malformed_plan_file_is_a_plan_file_error(source, words):
    with pytest.raises(PlanFileError, match=words) as info:
        load_plan(source)
    assert isinstance(info.value, BadInputError)


def test_load_plan_accepts_a_dict():
    _, result, written = load_plan(json.loads(EXAMPLE.read_text()))
    assert result.feasible and len(written.releases) == 3


WEIRD = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                  st.text(max_size=12), st.sampled_from(["2026-13-01", "9999-12-31", "0001-01-01", "2027-01-01"]),
                  st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


@settings(max_examples=300, deadline=None)
@given(field=st.sampled_from(sorted(FIELDS - {"name", "description"})), value=WEIRD,
       sub=st.sampled_from(["half_life_days", "never_update", "force_update", "lifetime", "rollovers",
                            "key_reuse", "pins", "submitted", "live", "version"]))
def test_any_malformed_plan_is_a_course_error_never_a_traceback(field, value, sub):
    data = json.loads(EXAMPLE.read_text())
    data[field] = value
    if isinstance(data.get("users"), dict):
        data["users"] = {**data["users"], sub: value} if sub in Users.__dataclass_fields__ else data["users"]
    if isinstance(data.get("schedule"), dict) and sub in ("lifetime", "rollovers", "key_reuse"):
        data["schedule"] = {**data["schedule"], sub: value}
    first = data.get("releases")[0] if isinstance(data.get("releases"), list) and data["releases"] else None
    if isinstance(first, dict) and sub in ("pins", "submitted", "live"):
        data["releases"][0] = {**data["releases"][0], sub: value}
    try:
        load_plan(data)
    except CourseError as exc:
        assert "\n" not in str(exc) and str(exc).endswith(".")
