"""Notebook hygiene and the lesson template, checked on the committed notebooks.

Strict nbval (``make nbval``) proves that the committed outputs equal a fresh run; these
tests check what nbval does not: execution order, error and stderr outputs, machine paths,
the lesson template, the size of code cells, and that validation is disabled only in cells
tagged ``insecure-demo``.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MAX_CODE_LINES = 15
MAX_FUNCTION_LINES = 12  # "about 10 lines"
MACHINE_PATH = re.compile(r"(/root/|/home/\w+|/Users/\w+|/tmp/|/work/|site-packages|[A-Z]:\\\\Users)")
INSECURE = re.compile(r"CERT_NONE|check_hostname\s*=\s*False|verify\s*=\s*False|_create_unverified_context")
ERROR_TAGS = {"raises-exception", "nbval-raises-exception"}


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def code_cells(path: Path) -> list[tuple[int, dict]]:
    return [(i, c) for i, c in enumerate(cells(path)) if c["cell_type"] == "code"]


def test_there_are_lessons():
    assert LESSONS, "no notebooks/NN_name.ipynb found"
    assert LESSONS[0].name == "00_start_here.ipynb"


@pytest.fixture(params=LESSONS, ids=lambda p: p.stem)
def lesson(request) -> Path:
    return request.param


def test_executed_top_to_bottom_in_one_kernel(lesson):
    counts = [c.get("execution_count") for _, c in code_cells(lesson)]
    assert counts == list(range(1, len(counts) + 1)), f"run `make notebooks`; counts were {counts}"


def test_no_unexpected_errors_and_nothing_on_stderr(lesson):
    for i, cell in code_cells(lesson):
        outputs = cell.get("outputs", [])
        errors = [o for o in outputs if o["output_type"] == "error"]
        if tags(cell) & ERROR_TAGS:
            assert errors, f"cell {i} is tagged raises-exception but raised nothing"
        else:
            assert not errors, f"cell {i} raised {errors[0].get('ename')}"
        stderr = [o for o in outputs if o["output_type"] == "stream" and o["name"] == "stderr"]
        assert not stderr, f"cell {i} wrote to stderr: {''.join(stderr[0]['text'])[:200]}"


def test_no_machine_paths_in_outputs(lesson):
    for i, cell in code_cells(lesson):
        text = json.dumps(cell.get("outputs", []))
        match = MACHINE_PATH.search(text)
        assert not match, f"cell {i} output shows a machine path: {match.group(0)}"


def test_no_nbval_skip(lesson):
    for i, cell in enumerate(cells(lesson)):
        assert "nbval-skip" not in tags(cell) and "NBVAL_SKIP" not in source(cell), (
            f"cell {i}: nbval-skip stops the cell from running; make it deterministic instead")


def test_validation_is_disabled_only_in_insecure_demo_cells(lesson):
    all_cells = cells(lesson)
    for i, cell in enumerate(all_cells):
        if cell["cell_type"] != "code" or not INSECURE.search(source(cell)):
            continue
        assert "insecure-demo" in tags(cell), f"cell {i} disables validation outside an insecure-demo cell"
        before = source(all_cells[i - 1]) if i and all_cells[i - 1]["cell_type"] == "markdown" else ""
        assert before.strip(), f"insecure-demo cell {i} needs a markdown cell before it saying why it is wrong"


def test_template_title_cell(lesson):
    first = cells(lesson)[0]
    text = source(first)
    assert first["cell_type"] == "markdown"
    assert re.match(rf"# {lesson.name[:2]} · \S", text), "title must start '# NN · '"
    assert "**You will be able to:**" in text
    objectives = re.findall(r"^\s*[-*] ", text.split("**You will be able to:**")[1], re.M)
    assert 3 <= len(objectives) <= 5 or lesson.name.startswith("00"), f"{len(objectives)} objectives"
    assert re.search(r"\*\*Time:\*\* teach \d+ min, exercises \d+ min", text)
    assert "**Needs:**" in text


def test_template_single_import_cell(lesson):
    codes = code_cells(lesson)
    first_code = source(codes[0][1])
    assert re.search(r"^(import|from) ", first_code, re.M), "the first code cell is the import cell"
    for i, cell in codes[1:]:
        tree = ast.parse(_python_only(source(cell)))
        top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        assert not top, f"cell {i} imports; keep imports in the single import cell"


def test_template_sections_in_order(lesson):
    headings = [line for c in cells(lesson) if c["cell_type"] == "markdown"
                for line in source(c).splitlines() if line.startswith("## ")]
    for needed in ("## Exercises", "## Key points", "## Going further"):
        assert any(h.startswith(needed) for h in headings), f"missing section {needed}"
    order = [next(i for i, h in enumerate(headings) if h.startswith(n))
             for n in ("## Exercises", "## Key points", "## Going further")]
    assert order == sorted(order)
    assert any("Predict, then run" in source(c) for c in cells(lesson) if c["cell_type"] == "markdown")


def test_code_cells_stay_short(lesson):
    for i, cell in code_cells(lesson):
        lines = [line for line in source(cell).splitlines() if line.strip()]
        assert len(lines) <= MAX_CODE_LINES, f"cell {i} has {len(lines)} lines; move logic into helpers/"
        for node in ast.walk(ast.parse(_python_only(source(cell)))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                span = node.end_lineno - node.lineno + 1
                assert span <= MAX_FUNCTION_LINES, f"cell {i}: {node.name} is {span} lines"


def test_every_figure_has_a_text_summary(lesson):
    all_cells = cells(lesson)
    for i, cell in enumerate(all_cells):
        if cell["cell_type"] != "code" or "nbval-ignore-output" in tags(cell) and "widget" in source(cell):
            continue
        if any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
            nxt = all_cells[i + 1] if i + 1 < len(all_cells) else {"cell_type": "code", "source": ""}
            assert nxt["cell_type"] == "markdown" and source(nxt).lstrip().startswith("*Figure:*"), (
                f"cell {i} draws a figure; follow it with a markdown cell starting '*Figure:*'")


def test_every_figure_carries_alt_text(lesson):
    """Screen readers and exported HTML read the image's alt text (output metadata image/png -> alt)."""
    for i, cell in code_cells(lesson):
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                alt = output.get("metadata", {}).get("image/png", {}).get("alt", "")
                assert len(alt.split()) >= 5, f"cell {i}: a figure without alt text; use plots.display_figure"


def test_every_lesson_is_in_the_readme_map(lesson):
    assert lesson.name in (ROOT / "README.md").read_text(encoding="utf-8")


def _python_only(src: str) -> str:
    """Drop IPython magics and shell escapes so that ast can parse the cell."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in src.splitlines())


def _title_time(path: Path) -> tuple[str, str]:
    text = source(cells(path)[0])
    return re.search(r"\*\*Time:\*\* teach (\d+) min, exercises (\d+) min", text).groups()


def test_lesson_maps_quote_each_lessons_own_time(lesson):
    """The README, lesson 00 and the instructor guide agree with the lesson's title cell."""
    teach, exercises = _title_time(lesson)
    readme_row = next(line for line in (ROOT / "README.md").read_text().splitlines()
                      if line.startswith("|") and lesson.name in line)
    assert readme_row.rstrip().endswith(f"| {teach} + {exercises} min |"), readme_row
    number = lesson.name[:2]
    map_cell = next(source(c) for c in cells(LESSONS[0]) if "## The course map" in source(c))
    row = next(line for line in map_cell.splitlines() if line.startswith(f"| {number} "))
    assert row.rstrip().endswith(f"| {teach} + {exercises} min |"), row
    guide = (ROOT / "docs" / "instructor-guide.md").read_text().splitlines()
    row = next(line for line in guide if line.startswith(f"| {number} "))
    assert f"| {teach} min | {exercises} min |" in row, row


GLOSSARY = ROOT / "docs" / "glossary.md"
GLOSSARY_LINK = re.compile(r"\]\(\.\./docs/glossary\.md(?:#([^)\s]*))?\)")


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
            for h in re.findall(r"(?m)^#{1,6} (.+)$", markdown)}


def test_glossary_links_resolve_and_every_lesson_links_it(lesson):
    anchors = _anchors(GLOSSARY.read_text(encoding="utf-8"))
    text = "".join(source(c) for c in cells(lesson) if c["cell_type"] == "markdown")
    links = GLOSSARY_LINK.findall(text)
    assert links, f"{lesson.name} never links docs/glossary.md; link jargon at its first use"
    broken = sorted({a for a in links if a and a not in anchors})
    assert not broken, f"{lesson.name} links glossary anchors that do not exist: {broken}"


def test_glossary_terms_are_in_order_and_defined_once():
    headings = re.findall(r"(?m)^## (.+)$", GLOSSARY.read_text(encoding="utf-8"))
    keys = [h.lower().replace(".", "") for h in headings]
    assert keys == sorted(keys) and len(set(keys)) == len(keys) and len(keys) >= 30
