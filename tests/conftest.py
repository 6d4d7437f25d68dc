"""Shared fixtures: a click runner and copies of the shipped campaign in tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cardgen.cli import cli

from .snapshot import Snapshots, reset_results

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "cases"
TEMPLATES = ROOT / "svg_templates"

MINIMAL_CASE = """\
title = "A short title"
organisation = "Somewhere Council"
service = "public-health"

[[outcomes]]
figure = "35%"
label = "fewer admissions"
"""


def english_only(campaign_text: str) -> str:
    """The shipped campaign file publishing in English only: its new test cases need no
    Welsh (tests of Welsh use the shipped file as it is)."""
    old = 'languages = ["cy", "en"]'
    assert old in campaign_text
    return campaign_text.replace(old, 'languages = ["en"]')


@pytest.fixture
def runner() -> CliRunner:
    """A click test runner (stderr captured separately)."""
    return CliRunner()


@pytest.fixture
def cases_dir(tmp_path: Path) -> Path:
    """A copy of the shipped cases folder that a test may change, publishing in English only
    (a case a test adds needs no Welsh; the Welsh tests copy the folder as it is)."""
    target = tmp_path / "cases"
    shutil.copytree(CASES, target)
    campaign = target / "campaign.toml"
    campaign.write_text(english_only(campaign.read_text(encoding="utf-8")), encoding="utf-8")
    return target


@pytest.fixture
def one_case_dir(tmp_path: Path) -> Path:
    """A campaign with a single small case, for fast CLI tests."""
    target = tmp_path / "cases"
    target.mkdir()
    # The shipped campaign requires sign-off; this small one does not (tests of sign-off
    # turn it on themselves), so its cards are drawn without a DRAFT mark.
    text = english_only((CASES / "campaign.toml").read_text(encoding="utf-8"))
    assert "required = true" in text
    (target / "campaign.toml").write_text(text.replace("required = true", "required = false"))
    (target / "small.toml").write_text("day = 1\n" + MINIMAL_CASE, encoding="utf-8")
    return target


@pytest.fixture
def templates_dir(tmp_path: Path) -> Path:
    """A copy of the shipped templates that a test may change."""
    target = tmp_path / "templates"
    shutil.copytree(TEMPLATES, target)
    return target


def break_template(folder: Path, old: str, new: str, name: str = "case.twitter.svg") -> Path:
    """Replace the first ``old`` (which must be there) with ``new`` in a template copy."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def card_svg(runner: CliRunner, cases_dir: Path, out: Path, slug: str = "small") -> Path:
    """Render one twitter card with `--svg` (which must succeed); the filled SVG's path."""
    result = run(
        runner, "card", slug, "--cases", cases_dir, "--out", out, "--format", "twitter", "--svg"
    )
    assert result.exit_code == 0, result.stderr
    return out / f"twitter/{slug}.svg"


def run(runner: CliRunner, *args: str | Path) -> Result:
    """Invoke the CLI; exceptions escaping it are test failures, not results."""
    return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--snapshot-update",
        action="store_true",
        help="Write missing or changed snapshot references (refused when CI is set).",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[SNAPSHOTS_KEY] = Snapshots(update=config.getoption("--snapshot-update"))
    reset_results()


SNAPSHOTS_KEY = pytest.StashKey[Snapshots]()


@pytest.fixture(scope="session")
def snapshots(request: pytest.FixtureRequest) -> Snapshots:
    """The session's snapshot references."""
    return request.config.stash[SNAPSHOTS_KEY]


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    # Unused references are only judged when the whole suite ran (no -k, -m or chosen paths).
    args = [a for a in config.args if not a.startswith("-")]
    whole = (
        exitstatus == 0
        and not config.option.keyword
        and not config.option.markexpr
        and (not args or [Path(a).resolve() for a in args] == [ROOT / "tests"])
    )
    for note in config.stash[SNAPSHOTS_KEY].finish(whole_suite=whole):
        terminalreporter.write_line(note)
