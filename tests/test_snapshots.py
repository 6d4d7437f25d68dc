"""Every shipped template × format against committed references, and proof the suite can fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from cardgen.build import build
from cardgen.project import Project

from .conftest import CASES, ROOT, TEMPLATES, break_template, run
from .snapshot import RESULTS, Snapshots

# Short title with two outcomes, the longest title, one outcome (Welsh), three outcomes, and
# a photo with its credit.
CASE_SAMPLES = [
    "community-libraries-leicestershire",
    "perpetrator-programme-cheshire-west",
    "llyn-village-hall-gwynedd",
    "checkpoint-durham",
    "working-well-greater-manchester",
]
FORMATS = Project.open(cases=CASES).formats
SHOTS = [
    f"{fmt.name}/{slug}"
    for fmt in FORMATS.values()
    for kind in fmt.kinds
    for slug in ({"case": CASE_SAMPLES, "launch": ["launch"], "summary": ["summary"]}[kind])
]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample cards in every format, built once."""
    out = tmp_path_factory.mktemp("snapshots-out")
    project = Project.open(project=ROOT)  # the shipped project, with its photos in assets/
    report = build(project, out, slugs=[*CASE_SAMPLES, "launch", "summary"], jobs=2)
    assert not report.problems, report.problems
    return out


@pytest.mark.parametrize("name", SHOTS)
def test_matches_reference(rendered: Path, snapshots: Snapshots, name: str) -> None:
    snapshots.assert_match(name, rendered / f"{name}.png")


# --- the suite must be able to fail ------------------------------------------------------------


def _render(
    runner: CliRunner,
    tmp_path: Path,
    *,
    cases: Path = CASES,
    templates: Path = TEMPLATES,
    slug: str = "checkpoint-durham",
) -> Path:
    out = tmp_path / "out"
    result = run(
        runner,
        "card",
        slug,
        "--format",
        "twitter",
        "--cases",
        cases,
        "--out",
        out,
        "--templates",
        templates,
    )
    assert result.exit_code == 0, result.stderr
    return out / f"twitter/{slug}.png"


def _must_fail(snapshots: Snapshots, actual: Path, name: str = "twitter/checkpoint-durham") -> None:
    entry = snapshots.check(name, actual, record=False)
    assert entry.status == "failed", entry
    for kind in ("actual", "expected", "diff", "composite"):
        assert entry.images[kind].exists() and entry.images[kind].parent == RESULTS


def test_fails_on_one_step_colour_change(
    runner, tmp_path: Path, templates_dir: Path, snapshots: Snapshots
) -> None:
    break_template(templates_dir, 'rx="12" fill="{{ brand.footer }}"', 'rx="12" fill="#0c0c0c"')
    _must_fail(snapshots, _render(runner, tmp_path, templates=templates_dir))


def test_fails_on_a_2px_shift_of_the_title(
    runner, tmp_path: Path, templates_dir: Path, snapshots: Snapshots
) -> None:
    title = 'data-box="48 146 {{ tw }} {{ 210 - dy }}"'
    break_template(templates_dir, title, title.replace("146", "148"))
    _must_fail(snapshots, _render(runner, tmp_path, templates=templates_dir))


def test_fails_on_a_changed_word_in_a_figure(runner, tmp_path: Path, snapshots: Snapshots) -> None:
    cases = tmp_path / "cases"
    shutil.copytree(CASES, cases)
    path = cases / "checkpoint-durham.toml"
    text = path.read_text()
    assert 'figure = "15%"' in text
    path.write_text(text.replace('figure = "15%"', 'figure = "16%"'))
    _must_fail(snapshots, _render(runner, tmp_path, cases=cases))


def _render_in_process(tmp_path: Path, name: str, env: dict[str, str] | None = None) -> Path:
    out = tmp_path / name
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cardgen",
            "card",
            "checkpoint-durham",
            "--format",
            "twitter",
            "--cases",
            str(CASES),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out / "twitter/checkpoint-durham.png"


def test_fails_when_the_bundled_font_is_swapped(tmp_path: Path, snapshots: Snapshots) -> None:
    fonts = tmp_path / "fonts"
    shutil.copytree(ROOT / "fonts", fonts)
    # The bold face replaced by another font file: the regular face, renamed.
    shutil.copy(
        fonts / "AtkinsonHyperlegibleNext_400Regular.ttf",
        fonts / "AtkinsonHyperlegibleNext_700Bold.ttf",
    )
    swapped = _render_in_process(tmp_path, "swapped", {"CARDGEN_FONTS": str(fonts)})
    _must_fail(snapshots, swapped)


def test_render_is_deterministic_across_processes(tmp_path: Path) -> None:
    first = _render_in_process(tmp_path, "one")
    second = _render_in_process(tmp_path, "two")
    assert first.read_bytes() == second.read_bytes()
    assert np.array_equal(np.asarray(Image.open(first)), np.asarray(Image.open(second)))


def test_cardgen_diff_lists_exactly_the_changed_cards(runner, tmp_path: Path) -> None:
    before = tmp_path / "before"
    assert (
        run(
            runner, "build", "--cases", CASES, "--out", before, "--format", "twitter", "-q"
        ).exit_code
        == 0
    )
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder)
    launch = folder / "launch.twitter.svg"
    launch.write_text(launch.read_text().replace('fill="{{ brand.colour }}"', 'fill="#13284c"', 1))
    after = tmp_path / "after"
    result = run(
        runner,
        "diff",
        "--against",
        before,
        "--cases",
        CASES,
        "--out",
        after,
        "--templates",
        folder,
        "--format",
        "twitter",
    )
    assert result.exit_code == 0, result.stderr
    changed = [line.split()[1] for line in result.output.splitlines() if line.startswith("changed")]
    # The launch graphic in English and in Welsh (the bilingual one has its own template).
    assert changed == ["twitter/launch-cy.png", "twitter/launch.png"]
    assert "2 changed, 25 unchanged, 0 without a reference" in result.output
    assert (after / "diff" / "index.html").exists()


def test_cardgen_diff_by_default_compares_with_the_last_build(runner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["--cases", CASES, "--out", out, "--format", "twitter"]
    assert run(runner, "build", *args, "-q").exit_code == 0
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder)
    result = run(runner, "diff", *args, "--templates", folder)
    assert result.exit_code == 0, result.stderr
    assert "0 changed, 27 unchanged, 0 without a reference against the last build" in result.output
    launch = folder / "launch.twitter.svg"
    launch.write_text(launch.read_text().replace('fill="{{ brand.colour }}"', 'fill="#13284c"', 1))
    result = run(runner, "diff", *args, "--templates", folder)
    changed = [line.split()[1] for line in result.output.splitlines() if line.startswith("changed")]
    assert changed == ["twitter/launch-cy.png", "twitter/launch.png"], result.output
