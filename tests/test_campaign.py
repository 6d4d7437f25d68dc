"""The comms desk: schedule, tweet and alt text, `today`/`day`, formats and the contact sheet."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from PIL import Image

from cardgen.errors import CardgenError
from cardgen.manifest import CardEntry
from cardgen.model import Case, Loaded, load_campaign, load_cases
from cardgen.posts import ALT_LIMIT, alt_text, check_limits, tweet_length, tweet_text
from cardgen.project import Project
from cardgen.schedule import entries_for, schedule
from cardgen.schema import validate
from cardgen.sheet import caption

from .conftest import CASES, run

PROJECT = Project.open(cases=CASES)
CAMPAIGN = load_campaign(PROJECT)
LOADED, _ = load_cases(PROJECT, CAMPAIGN)


def case(**kw: object) -> Case:
    spec: dict[str, object] = {
        "title": "A title",
        "organisation": "Somewhere Council",
        "service": "public-health",
        "outcomes": [{"figure": "35%", "label": "fewer admissions"}],
    }
    spec.update(kw)
    return validate(Case, spec)


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
    assert [e.day for e in entries_for(CAMPAIGN, LOADED, date=dt.date(2015, 9, 15))] == [22]
    assert [e.slug for e in entries_for(CAMPAIGN, LOADED, day=0)] == ["launch"]
    for outside in (dt.date(2015, 8, 24), dt.date(2015, 9, 16)):
        with pytest.raises(CardgenError, match="runs 2015-08-25 to 2015-09-15"):
            entries_for(CAMPAIGN, LOADED, date=outside)
    with pytest.raises(CardgenError, match="day 23 is outside"):
        entries_for(CAMPAIGN, LOADED, day=23)


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("hello", 5),
        ("see https://www.gov.uk/a/very/long/path/that/goes/on/and/on", 4 + 23),
        ("see www.gov.uk/x.", 4 + 23 + 1),  # no scheme is still a link; the full stop is not
        ("(https://a.gov.uk/x), then", 1 + 23 + 7),
        ("two links http://a.b https://c.d", 10 + 23 + 1 + 23),
        ("café £5 – “quoted”", 18),
        ("…", 2),  # U+2026 is outside X's light ranges
        ("\U0001f389", 2),
        ("\U0001f44d\U0001f3fd", 2),  # emoji with a skin-tone modifier counts once
        ("\U0001f468\u200d\U0001f469\u200d\U0001f467", 2),  # a ZWJ family is one emoji
        ("\U0001f1ec\U0001f1e7", 2),  # a flag: two regional indicators
        ("1\ufe0f\u20e3", 2),  # a keycap
        ("日本", 4),
    ],
)
def test_tweet_length_counts_like_x(text: str, length: int) -> None:
    assert tweet_length(text) == length


def test_tweet_ends_with_hashtag_and_fits() -> None:
    for loaded in LOADED:
        text = tweet_text(loaded.case, CAMPAIGN)
        assert text.endswith("#bettercommissioning")
        assert tweet_length(text) <= 280
        assert loaded.case.title in text and loaded.case.organisation in text


def test_long_summary_is_shortened_at_a_word_with_ellipsis() -> None:
    summary = " ".join(["commissioning"] * 40)
    text = tweet_text(case(summary=summary, url="https://example.gov.uk/x"), CAMPAIGN)
    assert tweet_length(text) <= 280
    assert "commissioning…" in text and "https://example.gov.uk/x" in text


def test_exactly_280_passes_and_281_fails(tmp_path: Path) -> None:
    tail = " #bettercommissioning"
    for n, ok in ((280, True), (281, False)):
        own = "x" * (n - len(tail)) + tail
        loaded = Loaded(slug="x", path=tmp_path / "x.toml", where="x.toml", case=case(tweet=own))
        assert tweet_length(tweet_text(loaded.case, CAMPAIGN)) == n
        assert (check_limits(loaded, CAMPAIGN) == []) is ok


def test_alt_text_describes_the_card_within_420() -> None:
    for loaded in LOADED:
        text = alt_text(loaded.case, CAMPAIGN)
        assert len(text) <= ALT_LIMIT
        assert loaded.case.title.rstrip(".") in text and loaded.case.organisation in text
        assert loaded.case.outcomes[0].figure in text
    long = case(
        title="T" * 250,
        outcomes=[{"figure": "£1.2m", "label": "l" * 80} for _ in range(3)],
    )
    assert len(alt_text(long, CAMPAIGN)) <= ALT_LIMIT
    assert alt_text(case(alt="My own words."), CAMPAIGN) == "My own words."


def test_today_json(runner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("today", "--date", "2015-08-27", "--cases", CASES, "--out", out, "--json")
    result = run(runner, *args)
    assert result.exit_code == 0, result.stderr
    info = json.loads(result.output)
    keys = {
        "day",
        "date",
        "slug",
        "title",
        "format",
        "path",
        "status",
        "tweet",
        "alt",
        "url",
        "then",
    }
    assert set(info) == keys and info["then"] == []
    assert info["day"] == 3 and info["date"] == "2015-08-27" and info["format"] == "twitter"
    assert Image.open(info["path"]).size == (1200, 675)
    assert info["status"] == "rendered"
    assert run(runner, *args).output == result.output.replace('"rendered"', '"unchanged"')


def test_today_text_and_day_command(runner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(runner, "day", "0", "--cases", CASES, "--out", out)
    assert result.exit_code == 0, result.stderr
    lines = result.output.splitlines()
    assert lines[0] == "launch graphic, Tuesday 25 August 2015: Better commissioning"
    assert lines[1].startswith("image: ") and lines[1].endswith("twitter/launch.png")
    assert "tweet (" in result.output and "alt text (" in result.output


def test_today_on_the_start_date_gives_launch_then_day_one(runner, tmp_path: Path) -> None:
    args = ("today", "--date", "2015-08-25", "--cases", CASES, "--out", tmp_path, "--json")
    info = json.loads(run(runner, *args).output)
    assert info["slug"] == "launch" and [p["day"] for p in info["then"]] == [1]
    text = run(runner, *args[:-1]).output
    assert text.index("launch graphic, Tuesday 25 August 2015") < text.index("then, the same day:")
    assert "day 1 of 22, Tuesday 25 August 2015: Working Well" in text


def test_today_with_a_format_without_case_cards(runner, tmp_path: Path) -> None:
    result = run(runner, "day", "3", "--format", "story", "--cases", CASES, "--out", tmp_path)
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        == "the story format has no card for living-well-collaborative-lambeth"
    )


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
        bytes=1, sha256="", day=3, date="2015-08-27", title="T", url=None, alt="", tweet="",
        fits={}, key="",
    )  # fmt: skip
    return CardEntry(**{**spec, **kw})  # type: ignore[arg-type]


def test_caption() -> None:
    assert caption(entry()) == "Day 3 · Thu 27 Aug 2015 · x"
    assert caption(entry(kind="launch", day=0, date="2015-08-25", slug="launch")).startswith(
        "Launch"
    )
