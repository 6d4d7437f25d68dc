"""Shared fixtures: a click runner and copies of the shipped campaign in tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cardgen.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "cases"

MINIMAL_CASE = """\
title = "A short title"
organisation = "Somewhere Council"
service = "public-health"

[[outcomes]]
figure = "35%"
label = "fewer admissions"
"""


@pytest.fixture
def runner() -> CliRunner:
    """A click test runner (stderr captured separately)."""
    return CliRunner()


@pytest.fixture
def cases_dir(tmp_path: Path) -> Path:
    """A copy of the shipped cases folder that a test may change."""
    target = tmp_path / "cases"
    shutil.copytree(CASES, target)
    return target


@pytest.fixture
def one_case_dir(tmp_path: Path) -> Path:
    """A campaign with a single small case, for fast CLI tests."""
    target = tmp_path / "cases"
    target.mkdir()
    shutil.copy(CASES / "campaign.toml", target / "campaign.toml")
    (target / "small.toml").write_text("day = 1\n" + MINIMAL_CASE, encoding="utf-8")
    return target


def run(runner: CliRunner, *args: str | Path) -> Result:
    """Invoke the CLI; exceptions escaping it are test failures, not results."""
    return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)
