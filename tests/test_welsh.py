"""Bilingual campaigns: Welsh and English cards and posts, with equal prominence."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cardgen.language import counted, date_text, day_text
from cardgen.platforms import PLATFORMS, length

from .conftest import CASES, run

GWYNEDD = "llyn-village-hall-gwynedd"


@pytest.mark.parametrize(
    ("day", "welsh", "english"),
    [
        (dt.date(2015, 8, 25), "Dydd Mawrth 25 Awst 2015", "Tuesday 25 August 2015"),
        (dt.date(2015, 9, 15), "Dydd Mawrth 15 Medi 2015", "Tuesday 15 September 2015"),
        (dt.date(2026, 1, 1), "Dydd Iau 1 Ionawr 2026", "Thursday 1 January 2026"),
        (dt.date(2026, 2, 1), "Dydd Sul 1 Chwefror 2026", "Sunday 1 February 2026"),
        (dt.date(2026, 12, 7), "Dydd Llun 7 Rhagfyr 2026", "Monday 7 December 2026"),
    ],
)
def test_welsh_dates(day: dt.date, welsh: str, english: str) -> None:
    assert date_text(day, "cy", weekday=True) == welsh
    assert date_text(day, "en", weekday=True) == english
    assert date_text(day, "cy") == welsh.split(" ", 2)[2]


def test_welsh_counts_and_days() -> None:
    assert counted(22, "case", "cy") == "22 astudiaeth achos"  # singular after a numeral
    assert counted(22, "case", "en") == "22 case studies"
    assert day_text(7, 22, "cy") == "Diwrnod 7 o 22"
    assert day_text(107, 200, "cy") == "Diwrnod 107"


def test_every_bundled_family_draws_welsh() -> None:
    from cardgen.project import Project

    fonts = Project.open(cases=CASES).fonts
    assert fonts.undrawable("ŵŷâêîôûïŴŶÂÊÎÔÛÏ") is None


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("welsh") / "out"
    result = CliRunner().invoke(
        __import__("cardgen.cli", fromlist=["cli"]).cli,
        ["build", "--project", str(CASES.parent), "--out", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return out


def test_welsh_english_and_bilingual_cards_in_every_format(built: Path) -> None:
    for fmt in ("twitter", "og", "square", "portrait"):
        for slug in (GWYNEDD, f"{GWYNEDD}-cy", f"{GWYNEDD}-cy-en", "launch-cy", "launch-cy-en"):
            assert (built / fmt / f"{slug}.png").is_file(), (fmt, slug)
    assert (built / "outcomes" / f"{GWYNEDD}-cy.png").is_file()
    assert not (built / "twitter" / "checkpoint-durham-cy.png").exists()  # not yet translated


def test_the_pair_is_set_at_one_size(built: Path) -> None:
    """Copy-fitting fits each pair together: neither language is set smaller."""
    cards = json.loads((built / "manifest.json").read_text(encoding="utf-8"))["cards"]
    for card in cards:
        if not card["slug"].endswith("-cy-en"):
            continue
        fits = card["fits"]
        for a, b in (("title-1", "title-2"), ("slogan-1", "slogan-2"), ("name-1", "name-2")):
            if a in fits:
                assert fits[a]["size"] == fits[b]["size"], (card["path"], a)
        labels = [v["size"] for k, v in fits.items() if k.startswith("label-")]
        assert len(set(labels)) <= 1, (card["path"], labels)


def test_welsh_posts_keep_every_platforms_limit(built: Path) -> None:
    cards = json.loads((built / "manifest.json").read_text(encoding="utf-8"))["cards"]
    welsh = [c for c in cards if c["slug"] in (f"{GWYNEDD}-cy", f"{GWYNEDD}-cy-en")]
    assert welsh
    for card in welsh:
        for key, text in card["posts"].items():
            assert length(text, PLATFORMS[key]) <= PLATFORMS[key].limit or key == "mastodon"
            assert text.endswith("#bettercommissioning")
        if card["slug"].endswith("-cy"):
            assert card["posts"]["x"].startswith("Neuadd bentref yn Llŷn")
            start = "Ffeithlun canlyniadau" if card["format"] == "outcomes" else "Cerdyn"
            assert card["alt"].startswith(f"{start}"), card["alt"]
            assert "yn hafal i" in card["alt"]
    both = next(c for c in welsh if c["slug"].endswith("-cy-en") and c["format"] == "og")
    # LinkedIn holds both languages in one post, Welsh first; X cannot: English is a reply.
    assert both["posts"]["linkedin"].index("Neuadd") < both["posts"]["linkedin"].index("Llŷn vil")
    assert "x" in both["replies"] and both["replies"]["x"].startswith("Llŷn village hall")


def test_today_shows_both_languages(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "day", "7", "--project", CASES.parent, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    text = result.output
    assert "out/twitter/llyn-village-hall-gwynedd-cy.png" in text.replace(str(tmp_path) + "/", "")
    assert "Neuadd bentref yn Llŷn" in text and "Llŷn village hall handed" in text
    assert "X, in reply" in text


@pytest.fixture
def welsh_cases(tmp_path: Path) -> Path:
    """A copy of the shipped cases folder as it is: Welsh and English."""
    import shutil

    shutil.copytree(CASES, tmp_path / "cases")
    return tmp_path / "cases"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda t: t[: t.index("# The case in Welsh")],
            "cases/llyn-village-hall-gwynedd.toml: cy: Welsh missing: the case is published in "
            'Welsh, so give its words in a [cy] table (or set languages = ["en"] for this case)',
        ),
        (
            lambda t: t.replace('summary = "Trosglwyddodd', 'x_summary = "Trosglwyddodd'),
            "cases/llyn-village-hall-gwynedd.toml: cy.x_summary: unknown key",
        ),
        (
            lambda t: re.sub(r'(?m)^summary = "Trosglwyddodd.*\n', "", t),
            "cases/llyn-village-hall-gwynedd.toml: cy.summary: Welsh missing for summary",
        ),
    ],
)
def test_a_missing_translation_names_the_field_and_language(
    runner: CliRunner, welsh_cases: Path, change, expected: str
) -> None:
    cases_dir = welsh_cases
    path = cases_dir / f"{GWYNEDD}.toml"
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    result = run(runner, "check", "--cases", cases_dir)
    assert result.exit_code == 1
    lines = [line.replace(str(cases_dir.parent) + "/", "") for line in result.stderr.splitlines()]
    assert any(line.startswith(expected) for line in lines), result.stderr


def test_the_campaign_must_give_its_welsh(runner: CliRunner, welsh_cases: Path) -> None:
    cases_dir = welsh_cases
    path = cases_dir / "campaign.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('community-assets = "Perchnogaeth', 'x-assets = "Perchnogaeth'))
    result = run(runner, "check", "--cases", cases_dir)
    assert result.exit_code == 1
    assert "campaign.toml: cy.services.x-assets: no such service in [services]" in result.stderr
    path.write_text(re.sub(r'(?m)^community-assets = "Perchnogaeth.*\n', "", text))
    result = run(runner, "check", "--cases", cases_dir)
    assert result.exit_code == 1
    assert (
        "campaign.toml: cy.services.community-assets: Welsh missing for this service's label"
    ) in result.stderr


def test_status_lists_each_language_version_and_only_the_changed_ones(
    runner: CliRunner, welsh_cases: Path
) -> None:
    # Each language version is cleared on its own: editing the Welsh summary changes the Welsh
    # and bilingual cards' posts, and leaves the English card approved.
    path = welsh_cases / "llyn-village-hall-gwynedd.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("dosbarthiadau Cymraeg yno.", "dosbarthiadau Cymraeg."))
    result = run(runner, "status", "--cases", welsh_cases)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    states = {
        line.rsplit("(", 1)[1].rstrip(")"): lines[i - 1].split("  ")[-1]
        for i, line in enumerate(lines)
        if line.startswith("     ")
    }
    assert states["llyn-village-hall-gwynedd"].startswith("approved by")
    for slug in ("llyn-village-hall-gwynedd-cy", "llyn-village-hall-gwynedd-cy-en"):
        assert states[slug].startswith("changed since approval:"), slug
        assert "post text" in states[slug], slug
    assert states["launch-cy"].startswith("approved by")
    days = [line.split()[0] for line in lines if not line.startswith(" " * 5)]
    assert days.count("7") == 3 and days.count("0") == 3


def test_a_summary_in_welsh_when_every_case_is_in_welsh(
    runner: CliRunner, welsh_cases: Path, tmp_path: Path
) -> None:
    # The shipped campaign has one case in Welsh: its summary would mix languages, so it is
    # made in English only. With only Welsh-and-English cases, the summary comes in Welsh too.
    out = tmp_path / "out"
    result = run(runner, "build", "-q", "--cases", welsh_cases, "--out", out, "--format", "story")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (out / "story").iterdir()) == ["summary.png"]
    for path in welsh_cases.glob("*.toml"):
        if path.stem not in ("campaign", "approvals", "llyn-village-hall-gwynedd"):
            path.unlink()
    result = run(runner, "build", "-q", "--cases", welsh_cases, "--out", out, "--format", "story")
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    cards = {c["slug"]: c for c in manifest["cards"]}
    assert set(cards) == {"summary", "summary-cy"}
    assert (out / "story/summary-cy.png").exists()
    alt = cards["summary-cy"]["alt"]
    assert alt.startswith("Ffeithlun: Yr ymgyrch yn gryno – Comisiynu gwell.")
    assert "1 astudiaeth achos ar draws 1 maes gwasanaeth" in alt
    assert "Perchnogaeth gymunedol ar asedau: £18,000 wedi’i arbed" in alt
    assert cards["summary"]["alt"].startswith("Infographic: The campaign at a glance")
    assert "1 case study across 1 service area" in cards["summary"]["alt"]
    # The last day's desk and the exported schedule offer the Welsh summary with its image.
    result = run(
        runner, "today", "--cases", welsh_cases, "--out", out, "--date", "2015-09-15",
        "--platform", "x",
    )  # fmt: skip
    assert "X (116/280) · " in result.output and "story/summary-cy.png" in result.output
    result = run(
        runner, "export", "--cases", welsh_cases, "--out", out, "--to", "csv", "--file", "-"
    )
    assert result.exit_code == 0, result.stderr
    rows = [r for r in csv.DictReader(io.StringIO(result.output)) if r["card"] == "summary-cy"]
    assert len(rows) == 7 and all(r["image"].endswith("story/summary-cy.png") for r in rows)
