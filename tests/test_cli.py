"""The command line through CliRunner, on real files in tmp_path."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from .conftest import CASES, ROOT, card_svg, run


@pytest.fixture(scope="module")
def full_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """The shipped campaign, every format, built once for this module."""
    from click.testing import CliRunner

    out = tmp_path_factory.mktemp("out")
    result = run(CliRunner(), "build", "--cases", CASES, "--out", out, "--jobs", "2")
    return out, result


def test_full_build_writes_every_card(full_build: tuple[Path, object]) -> None:
    out, result = full_build
    assert result.exit_code == 0, result.output + result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    cases = [
        p.stem for p in CASES.glob("*.toml") if p.name not in ("campaign.toml", "approvals.toml")
    ]
    assert len(cases) == 22
    sizes = {
        "twitter": (1200, 675),
        "og": (1200, 630),
        "square": (1080, 1080),
        "portrait": (1080, 1350),
        "outcomes": (1080, 1350),
        "story": (1080, 1920),
    }
    card_formats = ("twitter", "og", "square", "portrait")
    expected = {(fmt, slug) for fmt in card_formats for slug in [*cases, "launch"]}
    expected.add(("story", "summary"))
    expected |= {("outcomes", slug) for slug in cases}
    # The Gwynedd case and the launch graphic in Welsh, and bilingual (not in outcomes).
    for slug in ("launch", "llyn-village-hall-gwynedd"):
        expected |= {(fmt, f"{slug}-cy{both}") for fmt in card_formats for both in ("", "-en")}
    expected.add(("outcomes", "llyn-village-hall-gwynedd-cy"))
    assert {(c["format"], c["slug"]) for c in manifest["cards"]} == expected
    for card in manifest["cards"]:
        path = out / card["path"]
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == card["sha256"]
        with Image.open(path) as image:
            assert image.size == sizes[card["format"]] == (card["width"], card["height"])
        assert 0 < len(card["alt"]) <= 420
        assert all(text.endswith("#bettercommissioning") for text in card["posts"].values())
        assert set(card["posts"]) == {"x", "bluesky", "mastodon", "linkedin", "threads"} | {
            "instagram",
            "facebook",
        }
    assert "132 cards: 132 rendered, 0 unchanged, 0 failed" in result.output


def test_manifest_records_schedule_and_fits(full_build: tuple[Path, object]) -> None:
    out, _ = full_build
    cards = {
        (c["format"], c["slug"]): c
        for c in json.loads((out / "manifest.json").read_text())["cards"]
    }
    day3 = next(c for (f, _), c in cards.items() if f == "twitter" and c["day"] == 3)
    assert day3["date"] == "2015-08-27"
    assert day3["url"].startswith("https://")
    assert {"size", "lines", "max_size"} <= set(day3["fits"]["title"])
    launch = cards[("twitter", "launch")]
    assert launch["day"] == 0 and launch["date"] == "2015-08-25"


def test_rebuild_skips_unchanged_and_rerenders_edited(
    runner, cases_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = run(runner, "build", "--cases", cases_dir, "--out", out, "--format", "twitter", "-q")
    assert first.exit_code == 0, first.stderr
    again = run(runner, "build", "--cases", cases_dir, "--out", out, "--format", "twitter", "-q")
    assert "23 cards: 0 rendered, 23 unchanged, 0 failed" in again.output
    case = cases_dir / "checkpoint-durham.toml"
    case.write_text(case.read_text().replace("Checkpoint", "Checkpoint pilot"), encoding="utf-8")
    edited = run(runner, "build", "--cases", cases_dir, "--out", out, "--format", "twitter", "-q")
    assert "23 cards: 1 rendered, 22 unchanged, 0 failed" in edited.output
    case.unlink()
    removed = run(runner, "build", "--cases", cases_dir, "--out", out, "--format", "twitter", "-q")
    assert "22 cards: 0 rendered, 22 unchanged" in removed.output
    assert not (out / "twitter/checkpoint-durham.png").exists()


def test_bad_case_is_reported_and_good_cards_still_built(
    runner, one_case_dir: Path, tmp_path: Path
) -> None:
    (one_case_dir / "broken.toml").write_text(
        'title = "Fine"\norganisation = ""\nservice = "public-health"\nday = 2\n'
        '[[outcomes]]\nfigure = 12\nlabel = "x"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run(runner, "build", "--cases", one_case_dir, "--out", out, "--format", "twitter")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert any(line.endswith("broken.toml: organisation: must not be empty") for line in lines)
    assert any("broken.toml: outcomes[0].figure: expected a string" in line for line in lines)
    assert "Traceback" not in result.stderr
    assert (out / "twitter/small.png").exists() and (out / "twitter/launch.png").exists()
    assert not (out / "twitter/broken.png").exists()
    assert not list(out.rglob("*cardgen-tmp"))


def test_a_broken_case_leaves_a_case_whose_name_contains_its_own_alone(
    runner, tmp_path: Path
) -> None:
    # "hub" is part of "community-hub-bristol": problems are matched by slug, not by text.
    cases = tmp_path / "cases"
    cases.mkdir()
    shutil.copy(CASES / "campaign.toml", cases)
    shutil.copy(CASES / "community-hub-bristol.toml", cases)
    shutil.copy(CASES / "approvals.toml", cases)  # sign-off is on: bristol's card is approved
    (cases / "hub.toml").write_text('title = "Hub"\n', encoding="utf-8")
    out = tmp_path / "out"
    args = ["--cases", cases, "--out", out, "--format", "twitter"]
    built = run(runner, "build", *args)
    assert built.exit_code == 1
    assert all(line.startswith(f"{cases / 'hub.toml'}: ") for line in built.stderr.splitlines())
    assert (out / "twitter/community-hub-bristol.png").exists()
    card = run(runner, "card", "community-hub-bristol", *args)
    assert card.exit_code == 0, card.stderr
    assert card.stderr == ""
    today = run(runner, "today", "--date", "2015-09-07", *args[:4])  # day 14
    assert today.exit_code == 0, today.stderr
    assert "community-hub-bristol.png" in today.output
    broken = run(runner, "card", "hub", *args)
    assert broken.exit_code == 1 and "hub.toml: outcomes: required, but missing" in broken.stderr


def test_card_writes_png_and_svg(runner, one_case_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    svg = card_svg(runner, one_case_dir, out).read_text()
    assert "A short title" in svg and "data-box" not in svg
    assert Image.open(out / "twitter/small.png").size == (1200, 675)
    manifest = json.loads((out / "manifest.json").read_text())
    assert [c["slug"] for c in manifest["cards"]] == ["small"]


def test_card_unknown_slug(runner, one_case_dir: Path, tmp_path: Path) -> None:
    result = run(runner, "card", "nope", "--cases", one_case_dir, "--out", tmp_path / "o")
    assert result.exit_code == 1
    assert result.stderr.strip() == "nope: no such case (see `cardgen list`)"


def test_check_and_list(runner) -> None:
    checked = run(runner, "check", "--cases", CASES)
    assert checked.exit_code == 0, checked.stderr
    assert checked.output.strip() == "ok: 132 cards checked"
    listed = run(runner, "list", "--cases", CASES)
    lines = listed.output.splitlines()
    assert lines[1].split()[:3] == ["0", "2015-08-25", "(launch)"]
    assert lines[2].split()[:2] == ["1", "2015-08-25"]
    assert lines[-1].split()[:2] == ["22", "2015-09-15"]


def test_check_warns_about_unscheduled_days(runner, one_case_dir: Path) -> None:
    result = run(runner, "check", "--cases", one_case_dir, "--format", "twitter")
    assert result.exit_code == 0
    assert "warning: no case is scheduled for day 2 (2015-08-26)" in result.stderr


def test_python_dash_m(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cardgen", "list", "--cases", str(CASES)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "checkpoint-durham" in done.stdout


def test_usage_error_exits_2(runner, one_case_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(__import__("cardgen.cli").cli.cli, ["build", "--jobs", "zero"])
    assert result.exit_code == 2
    unknown = run(runner, "build", "--cases", one_case_dir, "--out", tmp_path, "--format", "nope")
    assert unknown.exit_code == 2
    assert (
        unknown.stderr.strip()
        == "unknown format 'nope'; known: twitter, og, square, portrait, outcomes, story"
    )


def test_force_and_debug_overlay(runner, one_case_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("build", "--cases", one_case_dir, "--out", out, "--format", "twitter", "-q")
    assert run(runner, *args).exit_code == 0
    assert "2 cards: 2 rendered, 0 unchanged" in run(runner, *args, "--force").output
    manifest = (out / "manifest.json").read_bytes()
    result = run(runner, "card", "small", "--cases", one_case_dir, "--out", out, "--debug")
    assert result.exit_code == 0, result.stderr
    assert all(
        (out / fmt / "small.debug.png").exists() for fmt in ("twitter", "og", "square", "portrait")
    )
    # The overlay is drawn over the card: the pixels differ from the plain card's.
    assert (
        Image.open(out / "twitter/small.debug.png").tobytes()
        != Image.open(out / "twitter/small.png").tobytes()
    )
    assert (out / "manifest.json").read_bytes() == manifest, "debug renders leave the manifest"


def test_manifests_are_deterministic(runner, one_case_dir: Path, tmp_path: Path) -> None:
    for name in ("a", "b"):
        args = ("build", "--cases", one_case_dir, "--out", tmp_path / name, "--format", "twitter")
        assert run(runner, *args).exit_code == 0
    assert (tmp_path / "a/manifest.json").read_bytes() == (
        tmp_path / "b/manifest.json"
    ).read_bytes()


def test_template_edit_rerenders_only_its_cards(runner, cases_dir: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "svg_templates", templates)
    out = tmp_path / "out"
    args = ("build", "--cases", cases_dir, "--out", out, "--templates", templates, "-q")
    assert run(runner, *args).exit_code == 0
    launch = templates / "launch.og.svg"
    launch.write_text(launch.read_text().replace('fill="{{ brand.colour }}"', 'fill="#13284c"'))
    assert "115 cards: 1 rendered, 114 unchanged" in run(runner, *args).output
    (templates / "_shared.svg").write_text("<g/>")  # a partial: every card may use it
    assert "115 cards: 115 rendered, 0 unchanged" in run(runner, *args).output
