"""Copy-fitting on real templates: stress cases, the too-long message, contrast, the report."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .conftest import break_template, run

# The longest title that fits the twitter case card at its minimum title size (44px, 3 lines;
# kerned: unkerned, "…saving m" was the longest).
LONGEST = (
    "Joint commissioning with the clinical commissioning group and the voluntary sector helped "
    "older people stay independent at home for longer while saving mo"
)
ONE_MORE = LONGEST + "n"


def stress_case(
    folder: Path,
    slug: str,
    *,
    title: str,
    organisation: str = "Leeds City Council",
    labels: tuple[str, ...] = ("fewer admissions",),
    figure: str = "35%",
) -> None:
    outcomes = "".join(
        f'[[outcomes]]\nfigure = "{figure}"\nlabel = "{label}"\n' for label in labels
    )
    (folder / f"{slug}.toml").write_text(
        f'title = "{title}"\norganisation = "{organisation}"\nservice = "adult-social-care"\n'
        + outcomes,
        encoding="utf-8",
    )


def test_stress_cases_fit_every_format(runner, one_case_dir: Path, tmp_path: Path) -> None:
    long_label = "people helped to stay in their own home"  # 38 characters
    stress_case(one_case_dir, "longest-title", title=LONGEST)
    stress_case(
        one_case_dir,
        "long-organisation",
        title="Short",
        organisation="Cheshire West and Chester Council and NHS West Cheshire CCG",
    )
    stress_case(
        one_case_dir,
        "three-long-labels",
        title="Three outcomes",
        labels=(long_label,) * 3,
        figure="£888,888",
    )
    long_word = "Supercalifragilisticexpialidociously" + "longwordthatneverendsatall"
    stress_case(one_case_dir, "one-long-word", title=long_word)
    stress_case(
        one_case_dir, "welsh", title="Llŷn ŵyr ŷd – ‘Tŷ Gwyn’ café", organisation="Cyngor Gwynedd"
    )
    out = tmp_path / "out"
    result = run(runner, "build", "--cases", one_case_dir, "--out", out, "-v")
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    fits = {(c["format"], c["slug"]): c["fits"] for c in manifest["cards"]}
    assert fits[("twitter", "longest-title")]["title"] == {"size": 44, "lines": 3, "max_size": 60}
    # A word wider than the box at the minimum size is the only thing ever broken inside.
    assert fits[("twitter", "one-long-word")]["title"] == {"size": 44, "lines": 2, "max_size": 60}
    # With -v the fit report lists cards whose text shrank; the summary counts them always.
    assert "fit twitter/longest-title.png: title 44px (3 lines, max 60px)" in result.output
    shrunk = sum(any(f["size"] < f["max_size"] for f in fit.values()) for fit in fits.values())
    assert f"; text shrunk to fit on {shrunk} (-v lists them);" in result.output
    quiet = run(runner, "build", "--cases", one_case_dir, "--out", out, "--force")
    assert not any(line.startswith("fit ") for line in quiet.output.splitlines())
    assert f"text shrunk to fit on {shrunk} " in quiet.output


def test_one_character_too_many_fails_with_the_message(
    runner, one_case_dir: Path, tmp_path: Path
) -> None:
    stress_case(one_case_dir, "too-long", title=ONE_MORE)
    result = run(
        runner, "build", "--cases", one_case_dir, "--out", tmp_path / "out", "--format", "twitter"
    )
    assert result.exit_code == 1
    assert (
        f"{one_case_dir / 'too-long.toml'}: title: too long for the twitter card "
        "(needs 4 lines at 44px, 3 fit); shorten it by about 4 characters"
        in result.stderr.splitlines()
    )
    assert (tmp_path / "out/twitter/small.png").exists()


def test_check_reports_the_same_fit_errors(runner, one_case_dir: Path) -> None:
    stress_case(one_case_dir, "too-long", title=ONE_MORE + " " + ONE_MORE[:120])  # 275 characters
    result = run(runner, "check", "--cases", one_case_dir)
    assert result.exit_code == 1
    formats = {
        line.split("too long for the ")[1].split()[0]
        for line in result.stderr.splitlines()
        if "too long for the" in line
    }
    assert formats == {"twitter", "og", "square", "portrait", "outcomes"}
    # Its posts are too long too: the title alone is over X's and Bluesky's limits.
    assert re.search(
        r"too-long.toml: title: X: \d+ characters as X counts them; at most 280", result.stderr
    )


def test_low_contrast_theme_is_named_in_campaign_toml(
    runner, one_case_dir: Path, tmp_path: Path
) -> None:
    campaign = one_case_dir / "campaign.toml"
    text = campaign.read_text()
    block = text[text.index("[services.public-health]") : text.index("[services.youth-services]")]
    campaign.write_text(
        text.replace(block, block.replace('on_accent = "#ffffff"', 'on_accent = "#3a9a6a"'))
    )
    result = run(runner, "check", "--cases", one_case_dir)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"{campaign}: services.public-health.on_accent: #3a9a6a on #00703c has a contrast of "
        "1.78:1; at least 4.5:1"
    )


def test_low_contrast_in_a_template_names_template_slot_and_colours(
    runner, one_case_dir: Path, templates_dir: Path, tmp_path: Path
) -> None:
    old = 'fill="{{ brand.footer_text }}">{{ campaign.slogan'
    path = break_template(templates_dir, old, old.replace("{{ brand.footer_text }}", "#555555"))
    result = run(
        runner,
        "build",
        "--cases",
        one_case_dir,
        "--out",
        tmp_path / "out",
        "--format",
        "twitter",
        "--templates",
        templates_dir,
    )
    assert result.exit_code == 1
    assert (
        f"{path}: slogan: contrast 2.63:1 between text #555555 and #0b0c0c behind it; "
        "at least 4.5:1"
    ) in result.stderr.splitlines()
    assert not (tmp_path / "out/twitter/small.png").exists()
    assert (tmp_path / "out/twitter/launch.png").exists()


def test_grouped_boxes_share_a_size_and_keep_their_declared_maximum(
    runner, one_case_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run(
        runner, "card", "launch", "--cases", one_case_dir, "--out", out, "--format", "twitter"
    )
    assert result.exit_code == 0, result.stderr
    fits = json.loads((out / "manifest.json").read_text())["cards"][0]["fits"]
    terms = [fits[f"term-{i}"] for i in (1, 2, 3)]
    assert len({t["size"] for t in terms}) == 1, "data-group: one size for all three terms"
    assert {t["max_size"] for t in terms} == {56}, "the report compares with the template's maximum"
    assert terms[0]["size"] < 56


def test_a_long_campaigns_day_line_fits(runner, one_case_dir: Path, tmp_path: Path) -> None:
    # "Day 366 of 366 · #bettercommissioning" overflowed the case cards' top line: from 100
    # days on it reads "Day 366 · #bettercommissioning".
    campaign = one_case_dir / "campaign.toml"
    campaign.write_text(campaign.read_text().replace("days = 22", "days = 366"))
    case = one_case_dir / "small.toml"
    case.write_text(case.read_text().replace("day = 1", "day = 366"))
    out = tmp_path / "out"
    result = run(runner, "card", "small", "--cases", one_case_dir, "--out", out, "--svg")
    assert result.exit_code == 0, result.stderr
    for fmt in ("twitter", "square", "portrait"):
        assert "Day 366 · #bettercommissioning" in (out / fmt / "small.svg").read_text()
