"""The stress row: each case template drawn with built-in edge cases.

Every stress card is a case held in memory that changes one thing of a base case: the longest
title that fits and one word more, a long organisation, long outcome labels, the widest
figures, Welsh ŵ ŷ. Its data is validated as a case file is (``cardgen.model``) and handed to
the planner (``cardgen.plan.plan(extra=…)``) beside the real cases, so it is planned and drawn
exactly as a real case would be.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..card import prepare
from ..context import case_context, look
from ..errors import CardgenError, Problem
from ..formats import Format
from ..logo import load_logo
from ..model import Campaign, Case, Loaded, load
from ..plan import make_job
from ..posts import check_limits
from ..project import Project

STRESS_ASSETS = Path(__file__).parent  # the stress photo is cardgen's own
# Every stress card starts from this case and changes one thing. It uses the service with the
# longest label and the campaign's last day, which are edge cases of their own.
STRESS_BASE: dict[str, Any] = {
    "title": "Shared lives: adults with learning disabilities living with local carers",
    "organisation": "Somerset County Council",
    "summary": (
        "Adults with learning disabilities live with, or spend their days with, approved local "
        "carers instead of in residential care, matched by a small team."
    ),
    "model": "Outcomes-based commissioning",
    "partners": ["NHS Somerset", "Shared Lives Plus", "Somerset Care Providers Association"],
    "url": "https://www.gov.uk/government/case-studies/example",
    "outcomes": [
        {"figure": "35%", "label": "fewer hospital admissions"},
        {"figure": "£1.2m", "label": "saved in the first year"},
        {"figure": "9 in 10", "label": "people would recommend it"},
    ],
}
# Cut word by word to the longest prefix that fits each format's title box.
STRESS_TITLE = (
    "Commissioning for outcomes: how a county council, six district councils, the NHS and "
    "forty voluntary groups in rural Northumberland jointly commissioned one service to help "
    "older people stay independent, connected and out of hospital for longer, and what other "
    "places can learn"
)
TITLE_CASES = ("longest-title", "title-too-long")  # their titles are cut per format
EXPECTED_TO_FAIL = "title-too-long"
STRESS: list[tuple[str, str, dict[str, Any]]] = [
    # (name, caption, changes to STRESS_BASE); the two title cases are filled in per format
    ("longest-title", "Longest title that fits", {}),
    ("title-too-long", "One word too long: expected to fail", {}),
    (
        "long-organisation",
        "Longest organisation",
        {"organisation": "Bournemouth, Christchurch and Poole Council and Dorset County Hospital"},
    ),
    (
        "long-labels",
        "Three outcomes with long labels",
        {
            "outcomes": [
                {"figure": "20%", "label": "fewer repeat referrals to children’s social care"},
                {"figure": "3 in 4", "label": "more older people still at home a year later"},
                {"figure": "1,300", "label": "people helped into work after two years out"},
            ]
        },
    ),
    (
        "widest-figures",
        "Widest figures",
        {
            "outcomes": [
                {"figure": "£888,888", "label": o["label"]} for o in STRESS_BASE["outcomes"]
            ]
        },
    ),
    (
        "welsh",
        "Welsh: ŵ ŷ",
        {
            "title": "Neuadd bentref Llŷn yn nwylo’r gymuned sy’n ei defnyddio",
            "organisation": "Cyngor Gwynedd a Grŵp Cynefin",
            "outcomes": [
                {"figure": "£18,000", "label": "o arbedion bob blwyddyn"},
                {"figure": "120", "label": "o wirfoddolwyr ar draws Llŷn"},
            ],
        },
    ),
    (
        "photo",
        "A photo, its focus point and a long credit",
        {
            "photo": "stress-photo.jpg",  # cardgen's own: light sky, dark hills, a target
            "photo_alt": "A test picture: pale sky over dark hills, a red target at the focus",
            "photo_credit": "Eleanor Fairweather-Llewellyn",
            "photo_focus": [0.7, 0.35],
        },
    ),
    (
        "one-outcome",
        "One outcome, short text",
        {"title": "Village hubs", "outcomes": [{"figure": "12", "label": "hubs"}]},
    ),
]


@dataclass
class StressCard:
    """One stress case in one format: the case to plan, or the problems that stop it."""

    name: str
    caption: str  # what it tests, e.g. "Longest title that fits (72 characters)"
    expect_error: bool
    loaded: Loaded | None = None
    problems: list[Problem] = field(default_factory=list)


def stress_row(
    project: Project,
    campaign: Campaign | None,
    fmt: Format,
    *,
    blocked: list[Problem] | None = None,
    memo: dict[str, int] | None = None,
) -> list[StressCard]:
    """The stress row of one format, in :data:`STRESS` order.

    ``blocked`` are problems that stop every case card of the format (a broken case template,
    a broken campaign.toml): each stress card shows them instead. ``memo`` keeps, per cache
    key of the base case, how many words of :data:`STRESS_TITLE` fit, so that the search runs
    again only when the template, the format, the fonts or the campaign change.
    """
    if campaign is None or blocked:
        return [
            StressCard(name, caption, name == EXPECTED_TO_FAIL, problems=list(blocked or []))
            for name, caption, _ in STRESS
        ]
    words = STRESS_TITLE.split()
    fits = _title_words(project, campaign, fmt, {} if memo is None else memo)
    titles = {
        "longest-title": " ".join(words[: max(fits, 1)]),
        "title-too-long": " ".join(words[: fits + 1]),
    }
    row = []
    for name, caption, changes in STRESS:
        if name in titles:
            changes = {"title": titles[name]}
            caption += f" ({len(titles[name])} characters)" * bool(fits)
        card = StressCard(name, caption, name == EXPECTED_TO_FAIL)
        try:
            card.loaded = stress_case(name, changes, campaign, project)
        except CardgenError as exc:
            card.problems = list(exc.problems)
        row.append(card)
    return row


def stress_case(name: str, changes: dict[str, Any], campaign: Campaign, project: Project) -> Loaded:
    """The base case with ``changes``, validated as a case file is; problems raise CardgenError.

    Its path, ``stress/<name>.toml``, exists only to name it in messages. The checks of
    ``model.load_case`` that need a file (the slug) or the campaign (a known service, a day
    in range) hold by construction: the names are slugs, the service and day are the
    campaign's own.
    """
    service = max(campaign.services, key=lambda s: len(campaign.services[s].label))
    data = {**STRESS_BASE, "service": service, "day": campaign.days, **changes}
    shown = f"stress/{name}.toml"
    case = load(Case, data, shown=shown, fonts=project.fonts, slug=name)
    loaded = Loaded(slug=name, path=Path(shown), where=shown, case=case, assets=STRESS_ASSETS)
    problems = check_limits(loaded, campaign)  # as the planner checks every case
    if problems:
        raise CardgenError(problems)
    return loaded


def _title_words(project: Project, campaign: Campaign, fmt: Format, memo: dict[str, int]) -> int:
    """How many words of STRESS_TITLE the case template takes (0 if it cannot draw a case)."""
    try:
        base = stress_case("base", {}, campaign, project)
    except CardgenError:
        return 0
    key = make_job(
        "case",
        "base",
        base.where,
        case_context(base, campaign, look(campaign, load_logo(project, campaign))),
        fmt,
        project,
    ).key
    if key not in memo:
        if len(memo) > 32:  # keys of old templates: forget them
            memo.clear()
        memo[key] = longest_title(project, campaign, fmt)
    return memo[key]


def longest_title(project: Project, campaign: Campaign, fmt: Format) -> int:
    """How many words of STRESS_TITLE fit the format's case card (0 if none, or it is broken).

    A title fits if preparing the card (``card.prepare``: fill, fit every text box, check
    contrast) raises no problem about the title: the very test a render makes. Any other
    problem means the template cannot draw a case at all, and its cards show why.
    """
    words = STRESS_TITLE.split()

    def fits(n: int) -> bool:
        loaded = stress_case("longest-title", {"title": " ".join(words[:n])}, campaign, project)
        context = case_context(loaded, campaign, look(campaign, load_logo(project, campaign)))
        try:
            prepare(make_job("case", loaded.slug, loaded.where, context, fmt, project), project)
        except CardgenError as exc:
            if any(p.field == "title" for p in exc.problems):
                return False
            raise
        return True

    try:
        lo, hi = 0, len(words)  # words[:lo] fits (or lo is 0); words[:hi + 1] does not
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if fits(mid) else (lo, mid - 1)
    except CardgenError:
        return 0  # a broken template: its own error is shown on the cards
    return lo
