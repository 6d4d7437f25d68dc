"""The preview's stress row: in-memory cases planned and checked as case files are."""

from __future__ import annotations

import pytest

from cardgen.card import prepare
from cardgen.errors import CardgenError, Problem
from cardgen.model import load_campaign
from cardgen.plan import Job, plan
from cardgen.preview.stress import STRESS, StressCard, stress_case, stress_row
from cardgen.project import Project

from .conftest import CASES

PROJECT = Project.open(cases=CASES)


@pytest.fixture(scope="module")
def campaign():
    return load_campaign(PROJECT)


@pytest.fixture(scope="module")
def twitter():
    return PROJECT.formats["twitter"]


def planned(row: list[StressCard]) -> dict[str, Job]:
    """The stress cases' jobs, planned beside the real cases as the preview plans them."""
    extra = {"twitter": [c.loaded for c in row if c.loaded]}
    jobs = plan(PROJECT, formats=["twitter"], extra=extra).jobs
    return {j.slug: j for j in jobs if j.source.text_file.startswith("stress/")}


def test_stress_cases_are_planned_as_case_jobs(campaign, twitter) -> None:
    row = stress_row(PROJECT, campaign, twitter)
    assert [c.name for c in row] == [name for name, _, _ in STRESS]
    assert all(c.problems == [] and c.loaded is not None for c in row)
    jobs = planned(row)
    real = next(j for j in plan(PROJECT, formats=["twitter"]).jobs if j.kind == "case")
    for card in row:
        job = jobs[card.name]
        assert (job.kind, job.format, job.template) == ("case", "twitter", real.template)
        assert job.source.text_file == f"stress/{card.name}.toml"
        assert set(job.context) == set(real.context)  # the template gets what a case gets
        assert job.context["day"] == campaign.days
    assert len({j.key for j in jobs.values()}) == len(row)
    assert [c.expect_error for c in row] == [n == "title-too-long" for n, _, _ in STRESS]


def test_the_longest_title_fits_and_one_word_more_does_not(campaign, twitter) -> None:
    row = stress_row(PROJECT, campaign, twitter)
    jobs = planned(row)
    fits, too_long = jobs["longest-title"], jobs["title-too-long"]
    prepare(fits, PROJECT)  # what a render does first: no problem
    with pytest.raises(CardgenError) as caught:
        prepare(too_long, PROJECT)
    assert [(p.file, p.field) for p in caught.value.problems] == [
        ("stress/title-too-long.toml", "title")
    ]
    short, long = fits.context["title"], too_long.context["title"]
    assert long.startswith(short + " ") and len(long.split()) == len(short.split()) + 1
    assert row[0].caption == f"Longest title that fits ({len(short)} characters)"


def test_the_title_search_is_remembered_per_key(campaign, twitter) -> None:
    memo: dict[str, int] = {}
    stress_row(PROJECT, campaign, twitter, memo=memo)
    ((key, words),) = memo.items()
    assert words > 5
    memo[key] = 3  # taken from the memo, not searched again
    row = stress_row(PROJECT, campaign, twitter, memo=memo)
    assert row[0].loaded is not None and len(row[0].loaded.case.title.split()) == 3


def test_bad_stress_data_is_reported_as_a_case_file_is(campaign) -> None:
    with pytest.raises(CardgenError) as caught:
        stress_case("bad", {"outcomes": [{"figure": 15, "label": "x"}]}, campaign, PROJECT)
    assert [str(p) for p in caught.value.problems] == [
        "stress/bad.toml: outcomes[0].figure: expected a string, got int 15"
    ]
    with pytest.raises(CardgenError) as caught:
        stress_case("bad", {"alt": "x" * 500}, campaign, PROJECT)  # the limits plan checks
    assert [p.field for p in caught.value.problems] == ["alt"]


def test_a_blocked_format_shows_its_problems_on_every_stress_card(campaign, twitter) -> None:
    problem = Problem(file="templates/case.twitter.svg", message="template not found")
    for row in (
        stress_row(PROJECT, campaign, twitter, blocked=[problem]),
        stress_row(PROJECT, None, twitter, blocked=[problem]),  # campaign.toml is broken
    ):
        assert [c.name for c in row] == [name for name, _, _ in STRESS]
        assert all(c.loaded is None and c.problems == [problem] for c in row)
