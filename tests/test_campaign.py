"""The schedule, `today`/`day` and the contact sheet (posts per platform: test_posts.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from PIL import Image

from cardgen.errors import CardgenError
from cardgen.manifest import CardEntry
from cardgen.model import load_campaign, load_cases
from cardgen.project import Project
from cardgen.schedule import entries_for, schedule
from cardgen.sheet import caption

from .conftest import CASES, run

PROJECT = Project.open(cases=CASES)
CAMPAIGN = load_campaign(PROJECT)
LOADED, _ = load_cases(PROJECT, CAMPAIGN)


def test_schedule_arithmetic() -> None:
    entries = schedule(CAMPAIGN, LOADED)
    assert entries[0].slug == "launch" and entries[0].date == dt.date(2015, 8, 25)
    assert entries[1].day == 1 and entries[1].date == dt.date(2015, 8, 25)
    assert entries[-1].day == 22 and entries[-1].date == dt.date(2015, 9, 15)
    first = entries_for(CAMPAIGN, LOADED, date=dt.date(2015, 8, 25))
    assert [(e.day, e.slug) for e in first] == [
        (0, "launch"),
        (1, "working-well-greater-manchester"),
    ]
    assert [e.day for e in entries_for(CAMPAIGN, LOADED, date=dt.date(2015, 8, 26))] == [2]
    assert [e.day for e in entries_for(CAMPAIGN, LOADED, date=dt.date(2015, 8, 27))] == [3]
    last = entries_for(CAMPAIGN, LOADED, date=dt.date(2015, 9, 15))
    assert [(e.day, e.slug) for e in last][-1] == (22, "summary")  # the last day: the summary
    assert [e.slug for e in entries_for(CAMPAIGN, LOADED, day=0)] == ["launch"]
    for outside in (dt.date(2015, 8, 24), dt.date(2015, 9, 16)):
        with pytest.raises(CardgenError, match="runs 2015-08-25 to 2015-09-15"):
            entries_for(CAMPAIGN, LOADED, date=outside)
    with pytest.raises(CardgenError, match="day 23 is outside"):
        entries_for(CAMPAIGN, LOADED, day=23)


def test_today_with_a_platform_of_its_own_format(runner, tmp_path: Path) -> None:
    args = ("day", "3", "--cases", CASES, "--out", tmp_path, "--json")
    info = json.loads(run(runner, *args, "--platform", "instagram").output)
    assert list(info["posts"]) == ["instagram"]
    assert info["posts"]["instagram"]["image"].endswith(
        "portrait/living-well-collaborative-lambeth.png"
    )
    result = run(runner, *args, "--platform", "myspace")
    assert result.exit_code == 1 and "unknown platform 'myspace'" in result.stderr


def test_today_outside_the_campaign(runner, tmp_path: Path) -> None:
    result = run(runner, "today", "--date", "2016-01-01", "--cases", CASES, "--out", tmp_path)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "2016-01-01 is outside the campaign: it runs 2015-08-25 to 2015-09-15 (days 1 to 22)"
    )


def test_contact_sheet_size_and_order(runner, one_case_dir: Path, tmp_path: Path) -> None:
    (one_case_dir / "second.toml").write_text(
        'day = 2\ntitle = "Second"\norganisation = "Council"\nservice = "employment"\n'
        '[[outcomes]]\nfigure = "1"\nlabel = "one"\n',
        encoding="utf-8",
    )
    (one_case_dir / "first.toml").write_text(
        'title = "Unscheduled"\norganisation = "Council"\nservice = "employment"\n'
        '[[outcomes]]\nfigure = "1"\nlabel = "one"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run(runner, "sheet", "--cases", one_case_dir, "--out", out, "--columns", "2")
    assert result.exit_code == 0, result.stderr
    sheet = Image.open(out / "sheet-twitter.png")
    assert (
        result.output.strip()
        == f"{out / 'sheet-twitter.png'}: 4 cards, {sheet.width}×{sheet.height}"
    )
    # 2 columns of 360px thumbnails, 2 rows of (202 + caption) under a title.
    assert sheet.size == (24 + 2 * (360 + 24), 72 + 2 * (202 + 44 + 24))
    # Independently of the sheet's own sort: each thumbnail shows the card expected there.
    expected = ["launch", "small", "second", "first"]
    for i, slug in enumerate(expected):
        x, y = 24 + (i % 2) * (360 + 24), 72 + (i // 2) * (202 + 44 + 24)
        thumb = sheet.crop((x, y, x + 360, y + 202)).convert("RGB")
        with Image.open(out / f"twitter/{slug}.png") as card:
            want = card.convert("RGB").resize((360, 202), Image.Resampling.LANCZOS)
        assert thumb.tobytes() == want.tobytes(), f"thumbnail {i} is not {slug}"


def entry(**kw: object) -> CardEntry:
    spec: dict[str, object] = dict(
        slug="x", kind="case", format="twitter", path="twitter/x.png", width=1200, height=675,
        bytes=1, sha256="", day=3, date="2015-08-27", title="T", url=None, alt="", posts={},
        fits={}, key="",
    )  # fmt: skip
    return CardEntry(**{**spec, **kw})  # type: ignore[arg-type]


def test_caption() -> None:
    assert caption(entry()) == "Day 3 · Thu 27 Aug 2015 · x"
    assert caption(entry(kind="launch", day=0, date="2015-08-25", slug="launch")).startswith(
        "Launch"
    )
