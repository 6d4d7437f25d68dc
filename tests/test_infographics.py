"""Infographics from the data: figures parsed, charts drawn and described, the outcomes card,
and a summary whose layout fits any campaign."""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from cardgen.charts import chart, icon_grid
from cardgen.figures import describe, parse
from cardgen.model import case_paths
from cardgen.project import Project
from cardgen.render import draw

from .conftest import CASES, break_template, english_only, run

FONTS = Project.open(cases=CASES).fonts
SHIPPED = {p.stem: tomllib.loads(p.read_text(encoding="utf-8")) for p in case_paths(CASES)}


# --- figures ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("figure", "label", "kind", "value", "chart_kind"),
    [
        ("35%", "", "percent", 35, "ring"),
        ("0%", "", "percent", 0, "ring"),
        ("100%", "", "percent", 100, "ring"),
        ("110%", "", "percent", 110, "ring"),
        ("1 in 1", "", "ratio", 1, "icons"),
        ("3 in 4", "", "ratio", 3, "icons"),
        ("9 in 10", "", "ratio", 9, "icons"),
        ("7 in 40", "", "ratio", 7, "ring"),  # too many figures to draw: a ring
        ("5 in 4", "", "text", None, "number"),
        ("£1.2m", "saved in the first year", "money", 1_200_000, "number"),
        ("£18,000", "saved each year", "money", 18_000, "number"),
        ("£0", "", "money", 0, "number"),
        ("£2.40", "saved for every £1 invested", "return", 2.4, "bars"),
        ("£2.80", "less per hour than agency care", "money", 2.8, "number"),
        ("1,400", "", "count", 1400, "number"),
        ("n/a", "", "text", None, "number"),
        ("Top 10", "", "text", None, "number"),
    ],
)
def test_figures_parse(
    figure: str, label: str, kind: str, value: float | None, chart_kind: str
) -> None:
    parsed = parse(figure, label)
    assert (parsed.kind, parsed.chart) == (kind, chart_kind)
    assert parsed.value == (pytest.approx(value) if value is not None else None)


def test_every_shipped_figure_parses() -> None:
    kinds = {}
    for slug, data in SHIPPED.items():
        for i, outcome in enumerate(data["outcomes"]):
            figure = parse(outcome["figure"], outcome["label"])
            kinds[f"{slug}[{i}]"] = figure.kind
            assert figure.kind != "text", (slug, outcome["figure"])  # all are chartable data
    counted = {k: list(kinds.values()).count(k) for k in set(kinds.values())}
    assert counted["percent"] >= 10 and counted["return"] >= 1 and counted["ratio"] >= 2, counted


@pytest.mark.parametrize(
    ("figure", "label", "words"),
    [
        ("35%", "", "35%: a ring a little over a third full"),
        ("50%", "", "50%: a ring exactly half full"),
        ("0%", "", "0%: a ring empty"),
        ("100%", "", "100%: a ring full"),
        ("110%", "", "110%: a ring full, and more: the figure is over the whole"),
        ("15%", "", "15%: a ring over a tenth full"),
        ("9 in 10", "", "9 in 10: nine of ten figures filled"),
        ("1 in 1", "", "1 in 1: one of one figures filled"),
        ("£2.40", "for every £1", "£2.40: a bar 2.4 times as long as the £1 bar beside it"),
        ("1,400", "", ""),
    ],
)
def test_charts_are_described_in_words(figure: str, label: str, words: str) -> None:
    assert describe(parse(figure, label)) == words


# --- charts -----------------------------------------------------------------------------------


def drawn(markup: str, width: int = 400, height: int = 400) -> np.ndarray:
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><rect width="{width}" height="{height}" '
        f'fill="#1d3557"/>{markup}</svg>'
    )
    return np.asarray(draw(svg.encode(), width, height, FONTS))


@pytest.mark.parametrize("percent", [0, 8, 25, 35, 50, 66, 75, 94, 100])
def test_a_rings_filled_share_measured_from_pixels(percent: int) -> None:
    """Around the ring, just outside its hairline track, the ink covers the figure's share."""
    pixels = drawn(chart(f"{percent}%", 0, 0, 400, 400, "#ffffff"))
    size, thick = 400, 400 * 0.14
    r = (size - thick) / 2 + thick * 0.3  # inside the thick arc, clear of the hairline
    angles = np.linspace(0, 2 * math.pi, 720, endpoint=False)
    xs = (200 + r * np.sin(angles)).astype(int)
    ys = (200 - r * np.cos(angles)).astype(int)
    inked = pixels[ys, xs].mean(axis=1) > 128
    assert inked.mean() == pytest.approx(percent / 100, abs=0.02)


@pytest.mark.parametrize(("figure", "filled", "whole"), [("3 in 4", 3, 4), ("1 in 20", 1, 20)])
def test_icon_arrays_fill_n_of_m(figure: str, filled: int, whole: int) -> None:
    markup = str(chart(figure, 0, 0, 600, 200, "#ffffff"))
    heads = re.findall(r"<circle [^>]*>", markup)
    assert len(heads) == whole
    assert sum('fill="#ffffff"' in h for h in heads) == filled  # the rest are outlines
    assert sum('fill="none"' in h for h in heads) == whole - filled


def test_icon_grid_uses_the_box() -> None:
    assert icon_grid(4, 600, 200)[:2] == (4, 1)
    assert icon_grid(20, 300, 300)[:2] == (5, 4)


def test_bars_show_the_return_as_length() -> None:
    pixels = drawn(chart({"figure": "£2.50", "label": "for every £1"}, 20, 20, 360, 200, "#fff"))
    rows = (pixels.mean(axis=2) > 128).sum(axis=1)  # inked pixels per row
    one, back = rows[20 : 20 + 68].max(), rows[20 + 132 : 220].max()
    assert back / one == pytest.approx(2.5, rel=0.03)


def test_a_figure_without_a_chart_draws_nothing() -> None:
    assert str(chart("1,400", 0, 0, 100, 100, "#000000")) == ""


def test_chart_ink_must_be_a_colour() -> None:
    with pytest.raises(ValueError, match="must be a colour"):
        chart("35%", 0, 0, 100, 100, 'red" onload="x')


# --- the outcomes infographic ---------------------------------------------------------------


def test_every_case_has_an_outcomes_infographic_with_its_charts_described(
    runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run(runner, "build", "--project", CASES.parent, "--out", out, "--format", "outcomes")
    assert result.exit_code == 0, result.stderr
    assert len(list((out / "outcomes").glob("*.png"))) == len(SHIPPED) + 1  # Gwynedd in Welsh
    import json

    entries = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["cards"]
    alts = {e["slug"]: e["alt"] for e in entries if e["format"] == "outcomes"}
    assert alts["checkpoint-durham"].startswith("Outcomes infographic: Checkpoint:")
    assert (
        "15%: a ring over a tenth full, lower reoffending than court."
        in (alts["checkpoint-durham"])
    )
    assert (
        "1 in 5: one of five figures filled, in work within a year."
        in (alts["working-well-greater-manchester"])
    )


def test_a_chart_that_does_not_contrast_is_refused(
    runner: CliRunner, tmp_path: Path, one_case_dir: Path, templates_dir: Path
) -> None:
    """Chart parts are held to 3:1 against what is behind them (WCAG 1.4.11)."""
    break_template(
        templates_dir,
        "theme.on_accent) %}",
        "theme.accent) %}",  # the chart drawn in the panel's own colour
        name="case.outcomes.svg",
    )
    result = run(
        runner, "check", "--project", tmp_path, "--templates", templates_dir,
        "--format", "outcomes",
    )  # fmt: skip
    assert result.exit_code == 1
    assert re.search(
        r"case\.outcomes\.svg: chart-1 \(ring\): contrast 1\.00:1 between the chart #\w{6} and "
        r"#\w{6} behind it; at least 3:1 \(WCAG 1\.4\.11\)",
        result.stderr,
    ), result.stderr


# --- the summary fits any campaign --------------------------------------------------------------


def campaign(root: Path, areas: int, cases: int) -> Path:
    """A project of ``cases`` cases spread over the first ``areas`` service areas, with
    figures of every kind."""
    text = english_only((CASES / "campaign.toml").read_text(encoding="utf-8"))
    (root / "cases").mkdir(parents=True)
    text = re.sub(r"(?m)^days = \d+", f"days = {max(cases, 1)}", text)
    (root / "campaign.toml").write_text(text.replace("required = true", "required = false"))
    services = list(tomllib.loads(text)["services"])[:areas]
    figures = [
        ("35%", "fewer admissions"),
        ("3 in 4", "cases resolved at first contact"),
        ("£1.2m", "saved in the first year"),
        ("£2.40", "returned for every £1 invested"),
        ("1,400", "people helped into work"),
        ("9 in 10", "would recommend it"),
        ("n/a", "not yet measured"),
    ]
    for i in range(cases):
        figure, label = figures[i % len(figures)]
        (root / "cases" / f"case-{i + 1:02d}.toml").write_text(
            f'title = "Case study {i + 1}"\norganisation = "Council {i + 1}"\n'
            f'service = "{services[i % areas]}"\nday = {i + 1}\n\n'
            f'[[outcomes]]\nfigure = "{figure}"\nlabel = "{label}"\n',
            encoding="utf-8",
        )
    return root


@pytest.mark.parametrize(
    ("areas", "cases"),
    [(1, 1), (1, 5), (1, 22), (2, 5), (2, 40), (5, 5), (5, 22), (9, 9), (9, 22), (9, 40)],
)
def test_the_summary_fits_any_campaign(
    runner: CliRunner, tmp_path: Path, areas: int, cases: int
) -> None:
    root = campaign(tmp_path / "project", areas, cases)
    result = run(runner, "card", "summary", "--project", root, "--svg")
    assert result.exit_code == 0, result.stderr
    svg = (root / "out/story/summary.svg").read_text(encoding="utf-8")
    # Every case's figure is drawn, or the card says how many are not.
    shown = set(re.findall(r'data-figure="([\w-]+)"', svg))
    hidden = sum(int(n) for n in re.findall(r'data-hidden="(\d+)"', svg))
    image = np.asarray(Image.open(root / "out/story/summary.png").convert("RGB"))
    # No empty band (rows of nothing but the background) larger than a quarter of the card.
    ground = image[200, 5]
    empty = (np.abs(image.astype(int) - ground).sum(axis=2) < 10).all(axis=1)
    longest = max((len(r) for r in "".join("x" if e else " " for e in empty).split()), default=0)
    assert longest < image.shape[0] / 4, longest
    filled = run(runner, "check", "--project", root)
    assert filled.exit_code == 0, filled.stderr
    assert len(shown) + hidden == cases


def test_a_summary_that_drops_figures_silently_fails_check(
    runner: CliRunner, tmp_path: Path, templates_dir: Path
) -> None:
    root = campaign(tmp_path / "project", 1, 5)
    assert run(runner, "check", "--project", root, "--templates", templates_dir).exit_code == 0
    # The old way: a slice of each area's figures, and not a word about the rest.
    break_template(
        templates_dir, "{% for cell in panel.cells %}", "{% for cell in panel.cells[:3] %}",
        name="summary.story.svg",
    )  # fmt: skip
    result = run(runner, "check", "--project", root, "--templates", templates_dir)
    assert result.exit_code == 1
    assert (
        "summary.story.svg: the summary shows 3 of the 5 case studies' figures and does not say "
        "that 2 are left out"
    ) in result.stderr.replace(str(templates_dir) + "/", "")
