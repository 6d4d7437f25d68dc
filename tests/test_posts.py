"""Posts for every platform: counting as each platform counts, whole sentences, each
platform's rules, alt text, and the day's desk (`today --json`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cardgen.model import Case, Loaded, load_campaign, load_cases
from cardgen.platforms import PLATFORMS, length, post_problems
from cardgen.posts import alt_text, case_posts, check_limits, sentences
from cardgen.project import Project
from cardgen.schema import validate

from .conftest import CASES, MINIMAL_CASE, run

PROJECT = Project.open(cases=CASES)
CAMPAIGN = load_campaign(PROJECT)
LOADED, _ = load_cases(PROJECT, CAMPAIGN)
CONFORMANCE = json.loads(
    (Path(__file__).parent / "data" / "twitter-text-conformance.json").read_text(encoding="utf-8")
)


def case(**kw: object) -> Case:
    spec: dict[str, object] = {
        "title": "A title",
        "organisation": "Somewhere Council",
        "service": "public-health",
        "outcomes": [{"figure": "35%", "label": "fewer admissions"}],
    }
    return validate(Case, {**spec, **kw})


@pytest.mark.parametrize("item", CONFORMANCE["cases"], ids=lambda c: c["description"][:60])
def test_x_counts_as_twitter_text_v3(item: dict) -> None:
    """twitter-text's own conformance cases (v3 config, Apache-2.0 test data)."""
    assert length(item["text"], PLATFORMS["x"]) == item["weightedLength"]
    assert (not post_problems(item["text"], PLATFORMS["x"])) is item["valid"]


@pytest.mark.parametrize(
    ("platform", "text", "expected"),
    [
        ("x", "see www.gov.uk/x.", 4 + 23 + 1),  # no scheme is still a link; the stop is not
        ("x", "Llŷn ŵyr £5 – “quoted”", 22),  # Welsh and Latin punctuation weigh 1
        ("x", "…€", 4),  # outside X's light ranges: 2 each
        ("x", "日本", 4),
        ("x", "\U0001f468\u200d\U0001f469\u200d\U0001f467", 2),  # a ZWJ family is one emoji
        ("bluesky", "\U0001f468\u200d\U0001f469\u200d\U0001f467 日本", 4),  # graphemes
        ("bluesky", "see https://www.gov.uk/a/long/path", 34),  # links in full
        ("mastodon", "see https://www.gov.uk/a/long/path", 4 + 23),
        ("mastodon", "see www.gov.uk/a/long/path", 26),  # without a scheme: in full
        ("mastodon", "e\u0301", 1),  # a letter and a combining accent: one grapheme
        ("linkedin", "日本 \U0001f389", 4),  # characters (code points)
    ],
)
def test_each_platform_counts_its_way(platform: str, text: str, expected: int) -> None:
    assert length(text, PLATFORMS[platform]) == expected


@pytest.mark.parametrize(
    ("platform", "limit", "unit"),
    [("x", 280, "x"), ("bluesky", 300, "ŵ"), ("mastodon", 500, "日"), ("threads", 500, "y")],
)
def test_exactly_at_the_limit_passes_and_one_over_fails(platform, limit, unit) -> None:
    rule = PLATFORMS[platform]
    at = unit * limit
    assert length(at, rule) == limit and post_problems(at, rule) == []
    over = post_problems(at + unit, rule)
    assert over == [f"{limit + 1:,} characters as {rule.name} counts them; at most {limit:,}"]


def test_link_and_hashtag_rules() -> None:
    six = " ".join(f"https://a.gov.uk/{i}" for i in range(6))
    assert post_problems(six, PLATFORMS["threads"]) == ["6 links; Threads takes 5"]
    tags = " ".join(f"#t{i}" for i in range(6))
    assert post_problems(tags, PLATFORMS["instagram"]) == ["6 hashtags; Instagram takes 5"]
    big = "ŵ" * 300 + "\U0001f468\u200d\U0001f469\u200d\U0001f467" * 0
    assert post_problems(big * 1, PLATFORMS["bluesky"]) == []
    heavy = "\U0001f468\u200d\U0001f469\u200d\U0001f467" * 150  # 150 graphemes, 2,700 bytes
    assert post_problems(heavy + heavy[:30], PLATFORMS["bluesky"]) == []
    assert "bytes; Bluesky takes 3,000" in post_problems(heavy * 2, PLATFORMS["bluesky"])[-1]


def test_every_shipped_post_is_whole_sentences_within_its_limit() -> None:
    for loaded in LOADED:
        c = loaded.case
        for key, text in case_posts(c, CAMPAIGN).items():
            rule = PLATFORMS[key]
            assert post_problems(text, rule) == [], (loaded.slug, key)
            assert "…" not in text or "…" in (c.summary or "") + c.title
            assert text.startswith(c.title) and text.endswith("#bettercommissioning")
            body = text.split("\n\n")
            said = [part for part in body[1:-1] if not part.startswith("Photo: ")]
            if c.photo_credit:  # credited after the summary, before the link
                assert body[-2] == f"Photo: {c.photo_credit}.", (loaded.slug, key)
            if said:  # the summary's first k sentences, whole
                whole = sentences(c.summary or "")
                assert any(said[0] == " ".join(whole[:k]) for k in range(1, len(whole) + 1))
            if key == "instagram" and c.url:
                assert c.url not in text and "Link in bio." in text


def test_only_the_title_when_nothing_else_fits() -> None:
    title = "T" * 230  # with the organisation it would not fit X; alone it does
    summary = "A first sentence that is long enough to matter here. " * 3
    posts = case_posts(
        case(title=title, summary=summary.strip(), url="https://a.gov.uk/x"), CAMPAIGN
    )
    assert posts["x"] == f"{title}\n\nhttps://a.gov.uk/x #bettercommissioning"
    assert posts["linkedin"].count("A first sentence") == 3  # room for all of it there


def test_a_case_writes_its_own_post_per_platform(tmp_path: Path) -> None:
    mine = case(posts={"bluesky": "Our own words 🎉", "x": "Short"})
    posts = case_posts(mine, CAMPAIGN)
    assert posts["bluesky"] == "Our own words 🎉 #bettercommissioning"
    assert posts["x"] == "Short #bettercommissioning"
    too_long = case(posts={"x": "y" * 300})
    loaded = Loaded(slug="x", path=tmp_path / "x.toml", where="x.toml", case=too_long)
    assert [f"{p.field}: {p.message}" for p in check_limits(loaded, CAMPAIGN)] == [
        "posts.x: X: 321 characters as X counts them; at most 280"
    ]


def test_unknown_platform_and_both_tweet_and_posts_x(runner, one_case_dir: Path) -> None:
    path = one_case_dir / "small.toml"
    path.write_text(MINIMAL_CASE + '\n[posts]\ntwiter = "x"\n', encoding="utf-8")
    result = run(runner, "check", "--cases", one_case_dir, "--format", "twitter")
    assert 'small.toml: posts.twiter: unknown platform "twiter"; use one of: x, bluesky' in (
        result.stderr
    )
    path.write_text('tweet = "a"\n' + MINIMAL_CASE + '\n[posts]\nx = "b"\n', encoding="utf-8")
    result = run(runner, "check", "--cases", one_case_dir, "--format", "twitter")
    assert "small.toml: tweet: give the X post once: as posts.x" in result.stderr


def test_alt_text_is_plain_sentences() -> None:
    for loaded in LOADED:
        text = alt_text(loaded.case, CAMPAIGN)
        assert len(text) <= 420
        assert "=" not in text and " equals " in text
        assert not re.search(r"#\w+$", text), "ends without a hashtag"
        assert text.endswith(".")


def test_today_shows_seven_platforms_none_cut(runner, tmp_path: Path) -> None:
    args = ("today", "--date", "2015-08-27", "--cases", CASES, "--out", tmp_path / "out")
    info = json.loads(run(runner, *args, "--json").output)
    assert set(info) == {"day", "date", "slug", "title", "posts", "then", "approval"}
    assert info["approval"].startswith("approved by")
    assert (info["day"], info["date"], info["slug"]) == (
        3,
        "2015-08-27",
        "living-well-collaborative-lambeth",
    )
    assert list(info["posts"]) == [*PLATFORMS]
    formats = {"x": "twitter", "bluesky": "twitter", "mastodon": "twitter", "linkedin": "og"}
    formats |= {"facebook": "og", "threads": "portrait", "instagram": "portrait"}
    for key, post in info["posts"].items():
        assert set(post) == {"text", "length", "limit", "alt", "image"}
        assert post["length"] == length(post["text"], PLATFORMS[key]) <= post["limit"]
        assert post["image"] == str(tmp_path / f"out/{formats[key]}/{info['slug']}.png")
        assert (tmp_path / "out" / formats[key] / f"{info['slug']}.png").exists()
        assert not post["text"].split("\n\n")[-2].endswith(("…", ",", " and"))
    text = run(runner, *args).output
    for name in (
        "X (",
        "Bluesky (",
        "Mastodon (",
        "LinkedIn (",
        "Threads (",
        "Instagram (",
        "Facebook (",
    ):
        assert f"\n{name}" in text
    assert "alt text (" in text


def test_the_last_day_offers_the_summary(runner, tmp_path: Path) -> None:
    args = ("today", "--date", "2015-09-15", "--cases", CASES, "--out", tmp_path, "--json")
    info = json.loads(run(runner, *args).output)
    assert info["day"] == 22 and [t["slug"] for t in info["then"]] == ["summary"]
    summary = info["then"][0]["posts"]
    assert all(p["image"].endswith("story/summary.png") for p in summary.values())


def test_a_broken_case_day_says_so(runner, one_case_dir: Path, tmp_path: Path) -> None:
    (one_case_dir / "second.toml").write_text('day = 2\ntitle = "x"\n', encoding="utf-8")
    result = run(runner, "day", "2", "--cases", one_case_dir, "--out", tmp_path)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"day 2's case {one_case_dir / 'second.toml'} has problems:"
    assert "second.toml: organisation: required, but missing" in lines[1]
    # On the start date the launch graphic is shown even when day 1's case is broken.
    (one_case_dir / "small.toml").write_text('day = 1\ntitle = "x"\n', encoding="utf-8")
    start = run(runner, "today", "--date", "2015-08-25", "--cases", one_case_dir, "--out", tmp_path)
    assert start.output.startswith("launch graphic, Tuesday 25 August 2015")
    assert "day 1's case" in start.stderr and start.exit_code == 0


def test_platforms_switched_off_and_the_instance_limit(
    runner, one_case_dir: Path, tmp_path: Path
) -> None:
    campaign = one_case_dir / "campaign.toml"
    campaign.write_text(
        campaign.read_text() + '\n[posting]\nplatforms = ["x", "mastodon"]\nmastodon_limit = 1000\n'
    )
    info = json.loads(
        run(runner, "day", "1", "--cases", one_case_dir, "--out", tmp_path, "--json").output
    )
    assert list(info["posts"]) == ["x", "mastodon"]
    assert info["posts"]["mastodon"]["limit"] == 1000
    campaign.write_text(campaign.read_text().replace('"mastodon"]', '"myspace"]'))
    result = run(runner, "check", "--cases", one_case_dir)
    assert 'posting.platforms[1]: unknown platform "myspace"' in result.stderr
