"""The command line: thin click commands over the modules that do the work.

Each command imports what it needs when it runs, so `cardgen --help` and `cardgen list` start
about as fast as the interpreter does.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import click

from . import __version__
from .errors import CardgenError, Problem

if TYPE_CHECKING:
    from .build import Report, Result
    from .project import Project

F = TypeVar("F", bound=Callable[..., Any])


def project_options(f: F) -> F:
    """``--project DIR``, ``--cases DIR`` and ``--templates DIR``, handed to the command as
    ``project``; an ``--out`` left out becomes the project's ``out/``."""

    @functools.wraps(f)
    def wrapper(
        *args: Any,
        project_dir: Path | None,
        cases_dir: Path | None,
        templates_dir: Path | None,
        **kw: Any,
    ) -> Any:
        from .project import Project

        project = Project.open(project=project_dir, cases=cases_dir, templates=templates_dir)
        if "out_dir" in kw and kw["out_dir"] is None:
            kw["out_dir"] = project.out_dir
        return f(*args, project=project, **kw)

    for option in (
        click.option(
            "--templates",
            "templates_dir",
            default=None,
            type=click.Path(path_type=Path, file_okay=False),
            help="A folder of SVG templates and formats.toml to use instead of the built-in "
            "ones and the project's templates/.",
        ),
        click.option(
            "--cases",
            "cases_dir",
            default=None,
            type=click.Path(path_type=Path),
            help="A folder of case files (and campaign.toml) other than the project's cases/.",
        ),
        click.option(
            "--project",
            "project_dir",
            default=None,
            type=click.Path(path_type=Path, file_okay=False),
            help="The project folder (default: the one holding the working folder).",
        ),
    ):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]


def out_option(f: F) -> F:
    """``--out DIR``: where cards and the manifest are written."""
    return click.option(
        "--out",
        "out_dir",
        default=None,
        type=click.Path(path_type=Path),
        help="Folder to write cards and manifest.json into (default: the project's out/).",
    )(f)


def formats_option(f: F) -> F:
    """``--format NAME`` (repeatable): which output formats; all by default."""
    return click.option(
        "--format",
        "formats",
        multiple=True,
        metavar="NAME",
        help="Output format (twitter, og, square, story), repeatable; default: all.",
    )(f)


def format_option(f: F) -> F:
    """``--format NAME``: the one format a command works on (twitter by default)."""
    return click.option(
        "--format",
        "fmt",
        default="twitter",
        show_default=True,
        metavar="NAME",
        help="Which format's cards to use.",
    )(f)


def fail(problems: list[Problem]) -> None:
    """Print problems one per line on stderr (a template's problem shows on every card made
    from it: say it once)."""
    for line in dict.fromkeys(str(problem) for problem in problems):
        click.echo(line, err=True)


class Progress:
    """A one-line progress bar on a terminal; silent otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.counts = {"rendered": 0, "unchanged": 0, "failed": 0}
        self.total = 0

    def __call__(self, result: Result, total: int) -> None:
        self.counts[result.status] += 1
        self.total = total
        if self.enabled and total > 5:
            done = sum(self.counts.values())
            bar = "#" * (30 * done // self.total)
            c = self.counts
            click.echo(
                f"\r[{bar:<30}] {done}/{self.total}  rendered {c['rendered']} · "
                f"unchanged {c['unchanged']} · failed {c['failed']}",
                err=True,
                nl=False,
            )

    def close(self) -> None:
        """Clear the bar's line."""
        if self.enabled and sum(self.counts.values()) > 5:
            click.echo("\r" + " " * 79 + "\r", err=True, nl=False)


def fit_report(report: Report) -> None:
    """One line per card rendered this time whose text had to shrink."""
    for result in report.results:
        if result.status != "rendered" or not result.entry:
            continue
        shrunk = [
            f"{slot} {fit.size:g}px ({fit.lines} line{'s' * (fit.lines != 1)}, "
            f"max {fit.max_size:g}px)"
            for slot, fit in result.entry.fits.items()
            if fit.shrunk
        ]
        if shrunk:
            click.echo(f"fit {result.job.path}: " + "; ".join(shrunk))


class CardgenGroup(click.Group):
    """Turns :class:`CardgenError` into one line per problem and its exit code.

    `preview` is loaded only when asked for, so other commands do not pay for its imports.
    """

    # name -> (module, attribute, the line `cardgen --help` shows without importing it)
    lazy: ClassVar[dict[str, tuple[str, str, str]]] = {
        "preview": ("cardgen.preview", "preview_cmd", "Live preview: every card of every format…"),
        "doctor": ("cardgen.doctor", "doctor_cmd", "Check that this machine and project can make…"),
        "pack": ("cardgen.pack", "pack_cmd", "Write the sign-off pack (PDF) for the clearance…"),
        "import": (
            "cardgen.sheets",
            "import_cmd",
            "Case studies from a spreadsheet (.xlsx or .csv)…",
        ),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (
                name,
                self.lazy[name][2]
                if name in self.lazy
                else self.commands[name].get_short_help_str(),
            )
            for name in self.list_commands(ctx)
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            import importlib

            module, attr, _ = self.lazy[cmd_name]
            return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CardgenError as exc:
            fail(exc.problems)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            # The reader went away (`cardgen list | head`): stop quietly, as other tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except Exception as exc:
            if ctx.obj and ctx.obj.get("traceback"):
                raise
            import traceback

            detail = traceback.extract_tb(exc.__traceback__)[-1]
            click.echo(
                f"cardgen: internal error: {type(exc).__name__}: {exc} "
                f"(at {Path(detail.filename).name}:{detail.lineno}; rerun as "
                "`cardgen --traceback …` and please report it)",
                err=True,
            )
            ctx.exit(3)


@click.group(cls=CardgenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cardgen")
@click.option("--traceback", is_flag=True, help="Show the traceback of an internal error (a bug).")
@click.pass_context
def cli(ctx: click.Context, traceback: bool) -> None:
    """Turn case-study files and SVG templates into campaign cards (PNG).

    \b
    Quick start:
      cardgen build              # every card in every format into out/
      cardgen today              # today's card, its posts and alt text
      cardgen card checkpoint-durham --svg --format twitter
    """
    ctx.ensure_object(dict)["traceback"] = traceback


@cli.command("build")
@project_options
@out_option
@formats_option
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes (default: all cores).",
)
@click.option("--force", is_flag=True, help="Render every card, even unchanged ones.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar: problems and the summary.")
@click.option("--verbose", "-v", is_flag=True, help="Also list each card whose text shrank.")
def build_cmd(
    project: Project,
    out_dir: Path,
    formats: tuple[str, ...],
    jobs: int | None,
    force: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Build every card (each case and the launch graphic) in every format.

    Unchanged cards are skipped; problems are printed one per line as FILE: FIELD: message,
    good cards are still built, and the exit code is 1 if anything failed.

    \b
    Examples:
      cardgen build
      cardgen build --format twitter --jobs 2 -v
      cardgen build --cases other-campaign/ --out other-out/
    """
    from .build import build

    progress = Progress(enabled=sys.stderr.isatty() and not quiet)
    report = build(project, out_dir, formats=formats, jobs=jobs, force=force, progress=progress)
    progress.close()
    if verbose:
        fit_report(report)
    for line in dict.fromkeys(str(w) for w in report.warnings):
        click.echo(f"warning: {line}", err=True)
    fail(report.problems)
    click.echo(f"{report.summary}; manifest {project.display(report.manifest)}")
    if report.problems:
        sys.exit(3 if any(r.internal for r in report.results) else 1)


@cli.command("card")
@click.argument("slug")
@project_options
@out_option
@formats_option
@click.option("--svg", is_flag=True, help="Also write the filled SVG next to the PNG.")
@click.option(
    "--debug-overlay",
    "--debug",
    "overlay",
    is_flag=True,
    help="Draw text boxes, baselines and the safe margin (writes SLUG.debug.png).",
)
def card_cmd(
    slug: str,
    project: Project,
    out_dir: Path,
    formats: tuple[str, ...],
    svg: bool,
    overlay: bool,
) -> None:
    """Render one card (SLUG is a case file's name, `launch` or `summary`) in every or the
    given format.

    \b
    Examples:
      cardgen card checkpoint-durham
      cardgen card launch --format twitter --svg
      cardgen card checkpoint-durham --debug
    """
    from .build import render_card

    results = render_card(project, out_dir, slug, formats=formats, svg=svg, debug=overlay)
    problems = [p for r in results for p in r.problems]
    for result in results:
        if result.status == "rendered":
            name = result.job.path.replace(".png", ".debug.png") if overlay else result.job.path
            click.echo(project.display(out_dir / name))
    for line in dict.fromkeys(str(w) for r in results for w in r.warnings):
        click.echo(f"warning: {line}", err=True)
    fail(problems)
    if problems:
        sys.exit(1)


@cli.command("check")
@project_options
@formats_option
def check_cmd(project: Project, formats: tuple[str, ...]) -> None:
    """Validate cases, campaign and templates, and fit every card's text, without writing.

    Warns about campaign days no case takes; fails on clashing days, bad fields, text that
    cannot fit, low contrast and unsafe or broken templates.
    """
    from .build import check

    problems, warnings, checked = check(project, formats=formats)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    fail(problems)
    if problems:
        click.echo(f"{len(problems)} problem{'s' * (len(problems) != 1)}", err=True)
        sys.exit(1)
    click.echo(f"ok: {checked} cards checked")


@cli.command("list")
@project_options
def list_cmd(project: Project) -> None:
    """List the cases with their day, date and service, in schedule order."""
    from .model import LAUNCH, load_cases, open_campaign
    from .schedule import order

    campaign = open_campaign(project)
    cases, problems = load_cases(project, campaign)
    click.echo(f"{'day':>3}  {'date':<10}  {'service':<20}  slug / title")
    click.echo(f"{0:>3}  {campaign.start:%Y-%m-%d}  {'(launch)':<20}  {LAUNCH}")
    for c in sorted(cases, key=lambda c: order(c.case.day, c.slug)):
        day = c.case.day
        date = f"{campaign.date_of(day):%Y-%m-%d}" if day else "-"
        click.echo(f"{day or '-':>3}  {date:<10}  {c.case.service:<20}  {c.slug}: {c.case.title}")
    fail(problems)
    if problems:
        sys.exit(1)


def _post(
    project: Project,
    out_dir: Path,
    platforms: tuple[str, ...],
    as_json: bool,
    date: dt.date | None = None,
    day: int | None = None,
) -> None:
    import json

    from .desk import day_posts
    from .model import open_campaign

    posts, broken = day_posts(project, out_dir, date=date, day=day, only=platforms)
    unapproved = [
        Problem(
            message=f"{'the ' + p.kind if p.kind != 'case' else f'day {p.day}'} is not approved "
            f"({p.approval}): cardgen approve {p.slug}"
        )
        for p in posts
        if p.approval and not p.approval.startswith("approved")
    ]
    if as_json:
        # One object: the first card, and any that follow it that day (the start date has
        # the launch graphic, then day 1's case; the last day ends with the summary).
        first, *then = (p.to_json() for p in posts)
        click.echo(json.dumps({**first, "then": then}, ensure_ascii=False, indent=2))
        fail(broken + unapproved)
        if unapproved:
            sys.exit(1)
        return
    days = open_campaign(project).days
    for i, card in enumerate(posts):
        label = {"launch": "launch graphic", "summary": "summary infographic"}.get(
            card.kind, f"day {card.day} of {days}"
        )
        if i:
            click.echo("\n" + "=" * 72 + "\nthen, the same day:\n")
        click.echo(f"{label}, {card.date:%A %-d %B %Y}: {card.title}")
        alt = ""
        for key, post in card.posts.items():
            name = PLATFORM_NAMES.get(key, key)
            click.echo(f"\n{name} ({post['length']:,}/{post['limit']:,}) · {post['image']}")
            click.echo(post["text"])
            if "reply" in post:
                click.echo(f"\n{name}, in reply ({post['reply_length']:,}/{post['limit']:,}):")
                click.echo(post["reply"])
            alt = post["alt"]
        click.echo(f"\nalt text ({len(alt)} characters):\n{alt}")
        if card.approval:
            click.echo(f"\nsign-off: {card.approval}")
    fail(broken + unapproved)
    if unapproved:
        sys.exit(1)


PLATFORM_NAMES = {
    "x": "X",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "linkedin": "LinkedIn",
    "threads": "Threads",
    "instagram": "Instagram",
    "facebook": "Facebook",
}


def post_options(f: F) -> F:
    """Options shared by `today` and `day`."""
    f = click.option("--json", "as_json", is_flag=True, help="Print one JSON object for scripts.")(
        f
    )
    f = click.option(
        "--platform",
        "platforms",
        multiple=True,
        metavar="NAME",
        help="Only this platform (x, bluesky, mastodon, linkedin, threads, instagram, "
        "facebook), repeatable; default: the campaign's.",
    )(f)
    return project_options(out_option(f))


@cli.command("today")
@click.option(
    "--date",
    "date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Pretend today is this date (YYYY-MM-DD).",
)
@post_options
def today_cmd(date: dt.datetime | None, **kw: Any) -> None:
    """Today's cards: each drawn if missing or stale, with its post on each platform (the
    image, the words with their count and limit) and its alt text.

    \b
    Examples:
      cardgen today
      cardgen today --date 2015-08-27
      cardgen today --date 2015-08-27 --json
    """
    _post(date=(date.date() if date else dt.date.today()), **kw)


@cli.command("day")
@click.argument("number", type=int)
@post_options
def day_cmd(number: int, **kw: Any) -> None:
    """Day NUMBER's card (0 is the launch graphic), as `cardgen today` prints it."""
    _post(day=number, **kw)


@cli.command("sheet")
@project_options
@out_option
@format_option
@click.option("--columns", type=click.IntRange(1, 12), default=4, show_default=True)
def sheet_cmd(project: Project, out_dir: Path, fmt: str, columns: int) -> None:
    """Write a contact sheet: every card of a format in schedule order, labelled with day
    and date, for sign-off meetings (builds missing or stale cards first).

    \b
    Example:
      cardgen sheet --format square   # writes out/sheet-square.png
    """
    import io

    from .build import build, out_lock, write_atomic
    from .sheet import contact_sheet

    report = build(project, out_dir, formats=[fmt])
    cards = [r.entry for r in report.results if r.entry]
    fail(report.problems)
    if not cards:
        raise CardgenError(f"no {fmt} cards to lay out")
    c = report.campaign
    title = f"{c.name} {c.hashtag} · {fmt} · {c.start:%-d %b} to {c.end:%-d %b %Y}"
    image = contact_sheet(cards, out_dir, project.fonts, columns=columns, title=title)
    target = out_dir / f"sheet-{fmt}.png"
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    with out_lock(out_dir, project):
        write_atomic(target, buffer.getvalue())
    click.echo(f"{project.display(target)}: {len(cards)} cards, {image.width}×{image.height}")
    if report.problems:
        sys.exit(1)


@cli.command("diff")
@project_options
@out_option
@formats_option
@click.option(
    "--against",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="Another build folder, or a folder of snapshot references, to compare with; "
    "default: the cards as the last build left them.",
)
def diff_cmd(
    project: Project, out_dir: Path, formats: tuple[str, ...], against: Path | None
) -> None:
    """Build the campaign and show which cards changed, and how much.

    By default a card is compared with itself as the last build left it; with --against,
    with the same card in another build folder (exactly), or in a folder of snapshot
    references (one with a STACK.json, such as tests/snapshots: within their anti-aliasing
    budget). Writes an HTML page with the expected, actual and diff images of every changed
    card to OUT/diff/index.html.

    \b
    Example: see what a template tweak does to every card
      (edit svg_templates/case.twitter.svg)
      cardgen diff
      cardgen diff --against tests/snapshots
    """
    from .diff import diff

    counts, index, problems = diff(project, out_dir, formats=formats, against=against)
    for line in counts.lines:
        click.echo(line)
    fail(problems)
    click.echo(f"{counts.summary}; report {project.display(index)}")
    if problems:
        sys.exit(1)


@cli.command("export")
@project_options
@out_option
@click.option(
    "--to",
    "target",
    type=click.Choice(["csv", "ics", "sprout", "hootsuite", "xlsx"]),
    required=True,
    help="csv: every post; ics: a calendar; sprout / hootsuite: their bulk-scheduling CSV; "
    "xlsx: the case studies as a workbook to edit (cardgen import reads it back).",
)
@click.option(
    "--file",
    "file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Where to write it (default: OUT/posts.<ext>); - for standard output.",
)
@click.option(
    "--platform",
    default="x",
    show_default=True,
    help="For sprout and hootsuite: whose posts (one file per platform).",
)
def export_cmd(
    project: Project, out_dir: Path, target: str, file: Path | None, platform: str
) -> None:
    """Write the whole campaign's posts for the tools comms teams use (building any card
    that is missing or stale first).

    \b
    Examples:
      cardgen export --to ics          # out/posts.ics: one event a day, for Outlook
      cardgen export --to csv --file posts.csv
      cardgen export --to sprout --platform linkedin
    """
    from .build import out_lock, write_atomic
    from .export import export
    from .platforms import PLATFORMS

    if platform not in PLATFORMS:
        raise click.BadParameter(f"use one of: {', '.join(PLATFORMS)}", param_hint="--platform")
    if target == "xlsx":  # the case studies themselves: no cards are built
        from .sheets import export_workbook

        data, problems = export_workbook(project), []
        if file is not None and str(file) == "-":
            click.get_binary_stream("stdout").write(data)
            return
        target_path = file or out_dir / "cases.xlsx"
        out_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(target_path, data)
        click.echo(f"{project.display(target_path)}: written")
        return
    data, problems = export(project, out_dir, target, platform)  # type: ignore[arg-type]
    fail(problems)
    if file is not None and str(file) == "-":
        click.echo(data.decode("utf-8"), nl=False)
    else:
        ext = "ics" if target == "ics" else "csv"
        name = f"posts.{ext}" if target in ("csv", "ics") else f"posts-{target}-{platform}.csv"
        target_path = file or out_dir / name
        with out_lock(out_dir, project):
            write_atomic(target_path, data)
        click.echo(f"{project.display(target_path)}: written")
    if problems:
        sys.exit(1)


@cli.command("approve")
@click.argument("slug", required=False)
@project_options
@formats_option
@click.option("--all", "every", is_flag=True, help="Approve every card that builds.")
@click.option("--by", default=None, help="Who approves (default: your user name).")
@click.option("--note", default="", help="A note kept with the approval.")
@click.option("--yes", is_flag=True, help="Do not ask before approving every card (scripts).")
def approve_cmd(
    slug: str | None,
    project: Project,
    formats: tuple[str, ...],
    every: bool,
    by: str | None,
    note: str,
    yes: bool,
) -> None:
    """Approve a card and its posts as they are now (SLUG: a case, `launch` or `summary`),
    recorded in approvals.toml beside the campaign file. A card that does not build is
    refused with its problems.

    \b
    Examples:
      cardgen approve living-well-collaborative-lambeth --by "Press office"
      cardgen approve --all --yes
    """
    import getpass

    from .signoff import approve

    if bool(slug) == every:
        raise click.UsageError("name one card (SLUG) or --all")
    if every and not yes:
        click.confirm("Approve every card that builds, as it is now?", abort=True)
    approved = approve(
        project, None if every else slug, by=by or getpass.getuser(), note=note, formats=formats
    )
    for name, cards in approved:
        click.echo(f"approved {name} ({', '.join(cards)})")


@cli.command("revoke")
@click.argument("slug")
@project_options
def revoke_cmd(slug: str, project: Project) -> None:
    """Withdraw a card's approval."""
    from .signoff import read_approvals, update

    approvals, _ = read_approvals(project)
    if slug not in approvals:
        raise CardgenError(Problem(file=slug, message="is not approved", slug=slug))
    update(project, {slug: None})
    click.echo(f"revoked {slug}")


@cli.command("status")
@project_options
def status_cmd(project: Project) -> None:
    """Each day's card: approved (by whom, when), not approved, or changed since approval
    (and what changed: the card, a post, the alt text)."""
    from .signoff import day_statuses

    rows, problems = day_statuses(project)
    for day, date, slug, title, state in rows:
        click.echo(f"{day:>3}  {date}  {state}\n     {title} ({slug})")
    fail(problems)
    if problems:
        sys.exit(1)


@cli.command("new")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--name", default="Our campaign", show_default=True, help="The campaign's name.")
@click.option("--organisation", default="Our organisation", show_default=True, help="Who runs it.")
@click.option("--hashtag", default=None, help="Its hashtag (default: made from the name).")
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The first day, YYYY-MM-DD (default: next Monday).",
)
@click.option("--days", type=click.IntRange(1, 366), default=5, show_default=True)
@click.option("--slogan", default="Good ideas, shared", show_default=True)
def new_cmd(
    folder: Path,
    name: str,
    organisation: str,
    hashtag: str | None,
    start: dt.datetime | None,
    days: int,
    slogan: str,
) -> None:
    """Start a campaign project in FOLDER (new or empty): a campaign file, two example cases
    and a short README for the team. `cardgen build` inside it works at once.

    \b
    Example:
      cardgen new anytown --name "Care Leavers Week" --hashtag "#CareLeaversWeek" \\
        --start 2026-10-26 --days 5
      cd anytown && cardgen build
    """
    from .scaffold import new_project, next_monday

    first = start.date() if start else next_monday(dt.date.today())
    written = new_project(
        folder,
        name=name,
        organisation=organisation,
        hashtag=hashtag,
        start=first,
        days=days,
        slogan=slogan,
    )
    click.echo(f"wrote {len(written)} files into {folder}/:")
    for path in written:
        click.echo(f"  {path.relative_to(folder)}")
    click.echo(f"next: cd {folder} && cardgen build")


@cli.group("templates", invoke_without_command=True)
@project_options
@click.pass_context
def templates_cmd(ctx: click.Context, project: Project) -> None:
    """List the templates a project uses: each built-in one, or the project's own that
    overrides it (a file of the same name in its templates/ folder).

    \b
    Examples:
      cardgen templates
      cardgen templates copy case.twitter.svg
    """
    from .overrides import template_table

    ctx.obj["project"] = project
    if ctx.invoked_subcommand is None:
        rows, warnings = template_table(project)
        for name, where in rows:
            click.echo(f"{name:<24}  {where}")
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)


@templates_cmd.command("copy")
@click.argument("name")
@click.option("--force", is_flag=True, help="Replace the project's own copy if it has one.")
@click.pass_context
def templates_copy_cmd(ctx: click.Context, name: str, force: bool) -> None:
    """Copy the built-in template NAME into the project's templates/ folder to edit."""
    from .overrides import copy_template

    project = ctx.obj["project"]
    target = copy_template(project, name, force=force)
    click.echo(f"{project.display(target)}: copied; edit it, `cardgen preview` shows the result")


def main() -> None:
    """Entry point for the `cardgen` script and `python -m cardgen`."""
    cli(prog_name="cardgen")
