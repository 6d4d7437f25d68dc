"""One card, from job to PNG bytes: fill the template, fit the text, check, draw, encode.

Pure: nothing is written here. Writing files and the manifest belongs to the build, showing
images to the preview.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .contrast import contrast_problems
from .errors import CardgenError, Problem
from .fitting import Filled, fit_svg
from .fonts import FAMILY
from .formats import MAX_BYTES, MAX_BYTES_TEXT, Format
from .photo import Frames
from .plan import Job
from .project import Project
from .signoff import draft_mark


@dataclass(frozen=True, kw_only=True)
class Rendered:
    """A drawn card: its PNG and the filled SVG with the slots fitted into it."""

    png: bytes
    filled: Filled

    @property
    def sha256(self) -> str:
        """The PNG's hash."""
        return hashlib.sha256(self.png).hexdigest()


def prepare(job: Job, project: Project, *, debug: bool = False) -> Filled:
    """The card's final SVG: template filled, text fitted, contrast checked."""
    fmt = project.formats[job.format]
    svg = project.templates.fill(job.template, job.context)
    logo = job.context.get("brand", {}).get("logo")
    ref = job.context.get("photo")
    photo = Frames(project, ref) if ref else None
    filled = fit_svg(
        svg, fmt=fmt, fonts=project.fonts, source=job.source, logo=logo, photo=photo, debug=debug
    )
    problems = contrast_problems(filled, fmt, job.source, project)
    if job.kind == "summary":
        problems += dropped_figures(filled, job)
    if problems:
        raise CardgenError(problems)
    return filled


def dropped_figures(filled: Filled, job: Job) -> list[Problem]:
    """A summary must show every case's headline figure (a box with ``data-figure``), or say
    how many it leaves out (``data-hidden``): never drop one without a word."""
    expected = int(job.context.get("cases", 0))
    shown = len(set(filled.figures))
    if shown + filled.hidden >= expected:
        return []
    silent = expected - shown - filled.hidden
    return [
        Problem(
            file=job.source.template_file,
            message=(
                f"the summary shows {shown} of the {expected} case studies' figures and does not "
                f"say that {silent} {'is' if silent == 1 else 'are'} left out: draw each figure "
                'in a box with data-figure="{{ item.slug }}", and say how many a panel leaves '
                "out in a box with data-hidden (summary_layout() does both)"
            ),
            slug=job.slug,
            template=job.template,
        )
    ]


def render(job: Job, project: Project, *, debug: bool = False) -> Rendered:
    """Fill, fit, check, draw and encode one card; problems are raised."""
    from .render import draw, encode_png

    fmt = project.formats[job.format]
    filled = prepare(job, project, debug=debug)
    svg = filled.svg
    if job.draft:  # drawn over the card after its checks: they measure the card beneath
        family = job.context.get("brand", {}).get("font", FAMILY)
        svg = draft_mark(svg, fmt.width, fmt.height, family)
    png = encode_png(draw(svg, fmt.width, fmt.height, project.fonts))
    problems = platform_problems(png, fmt, job)
    if problems:
        raise CardgenError(problems)
    return Rendered(png=png, filled=filled)


def platform_problems(png: bytes, fmt: Format, job: Job) -> list[Problem]:
    """A PNG must have the format's exact size and stay under the platforms' size limit."""
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    problems = []

    def problem(message: str) -> Problem:
        return Problem(file=job.path, message=message, slug=job.slug)

    if (width, height) != (fmt.width, fmt.height):
        problems.append(problem(f"{width}×{height}, expected {fmt.width}×{fmt.height}"))
    if len(png) > MAX_BYTES:
        problems.append(problem(f"{len(png):,} bytes; platforms accept at most {MAX_BYTES_TEXT}"))
    return problems
