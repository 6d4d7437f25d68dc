"""The preview's stress row: in-memory cases planned and checked as case files are."""

from __future__ import annotations

import pytest

from cardgen.build import plan, prepare
from cardgen.errors import CardgenError, Problem
from cardgen.model import load_campaign
from cardgen.preview.stress import STRESS, stress_case, stress_jobs
from cardgen.templates import load_formats, templates

from .conftest import CASES, TEMPLATES


@pytest.fixture(scope="module")
def campaign():
    return load_campaign(CASES)


@pytest.fixture(scope="module")
def twitter():
    return load_formats(TEMPLATES)["twitter"]


def test_stress_jobs_are_made_as_case_jobs(campaign, twitter) -> None:
    row = stress_jobs(campaign, twitter, TEMPLATES)
    assert [c.name for c in row] == [name for name, _, _ in STRESS]
    real = next(j for j in plan(CASES, formats=["twitter"]).jobs if j.kind == "case")
    for card in row:
        assert card.problems == [] and card.job is not None, card.name
        job = card.job
        assert (job.kind, job.slug, job.format, job.template) == (
            "case",
            card.name,
            "twitter",
            real.template,
        )
        assert job.source == f"stress/{card.name}.toml"
        assert set(job.context) == set(real.context)  # the template gets what a case gets
        assert job.context["day"] == campaign.days
    assert len({c.job.key for c in row}) == len(row)
    assert [c.expect_error for c in row] == [n == "title-too-long" for n, _, _ in STRESS]


def test_the_longest_title_fits_and_one_word_more_does_not(campaign, twitter) -> None:
    row = {c.name: c for c in stress_jobs(campaign, twitter, TEMPLATES)}
    fits, too_long = row["longest-title"], row["title-too-long"]
    tmpl = templates(TEMPLATES.resolve())
    prepare(fits.job, tmpl)  # what a render does first: no problem
    with pytest.raises(CardgenError) as caught:
        prepare(too_long.job, tmpl)
    assert [(p.where, p.field) for p in caught.value.problems] == [
        ("stress/title-too-long.toml", "title")
    ]
    short, long = fits.job.context["title"], too_long.job.context["title"]
    assert long.startswith(short + " ") and len(long.split()) == len(short.split()) + 1
    assert fits.caption == f"Longest title that fits ({len(short)} characters)"


def test_the_title_search_is_remembered_per_key(campaign, twitter) -> None:
    memo: dict[str, int] = {}
    stress_jobs(campaign, twitter, TEMPLATES, memo=memo)
    ((key, words),) = memo.items()
    assert words > 5
    memo[key] = 3  # taken from the memo, not searched again
    row = stress_jobs(campaign, twitter, TEMPLATES, memo=memo)
    assert len(row[0].job.context["title"].split()) == 3


def test_bad_stress_data_is_reported_as_a_case_file_is(campaign) -> None:
    with pytest.raises(CardgenError) as caught:
        stress_case("bad", {"outcomes": [{"figure": 15, "label": "x"}]}, campaign)
    assert [str(p) for p in caught.value.problems] == [
        "stress/bad.toml: outcomes[0].figure: expected a string, got int 15"
    ]
    with pytest.raises(CardgenError) as caught:
        stress_case("bad", {"alt": "x" * 500}, campaign)  # the limits build.plan checks
    assert [p.field for p in caught.value.problems] == ["alt"]


def test_a_blocked_format_shows_its_problems_on_every_stress_card(campaign, twitter) -> None:
    problem = Problem("templates/case.twitter.svg", "", "template not found")
    for row in (
        stress_jobs(campaign, twitter, TEMPLATES, blocked=[problem]),
        stress_jobs(None, twitter, TEMPLATES, blocked=[problem]),  # campaign.toml is broken
    ):
        assert [c.name for c in row] == [name for name, _, _ in STRESS]
        assert all(c.job is None and c.problems == [problem] for c in row)
