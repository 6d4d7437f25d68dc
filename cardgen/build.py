"""Building a campaign: the cards a plan lists, made in a process pool and written to the out
folder, unchanged ones skipped, then the manifest, written last.

Every file is written to a temporary name in its folder and renamed into place, so a reader
(or a build killed part-way) sees the old file or the new one, never half of one; one build
at a time writes to an out folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .errors import CardgenError, Problem

if TYPE_CHECKING:
    from .card import Rendered
from .formats import template_name
from .manifest import MANIFEST, CardEntry, FailedEntry, Manifest, SlotFit, read_manifest
from .model import LAUNCH, SUMMARY, Campaign
from .plan import Job, Plan, plan, problems_of_card
from .project import Project, display
from .render import stack_versions

TMP_SUFFIX = ".cardgen-tmp"  # temporary files: renamed into place, or removed by the next build
Status = Literal["rendered", "unchanged", "failed"]


@dataclass(kw_only=True)
class Result:
    """What happened to one job."""

    job: Job
    status: Status
    entry: CardEntry | None = None
    problems: list[Problem] = field(default_factory=list)
    internal: bool = False  # failed on a bug in cardgen, not on bad input
    warnings: tuple[Problem, ...] = ()  # drawn, but worth a look (a photo enlarged, say)


@functools.cache
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write to a temporary file in the same folder, then rename it into place.

    A reader (or a build killed part-way) sees the old file or the new one, never half of one.
    ``durable`` also waits for the disk (fsync), so that a power cut cannot leave an empty file
    under the new name. Cards skip it: the manifest records each card's hash, and a card whose
    file does not match is drawn again on the next build.
    """
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError):
            reason = exc.strerror or str(exc)
            raise CardgenError(
                Problem(file=display(path), message=f"cannot write: {reason}")
            ) from None
        raise


def check_out_dir(out_dir: Path, project: Project) -> None:
    """The out folder must be a folder we can write to."""
    if out_dir.exists() and not out_dir.is_dir():
        raise CardgenError(
            Problem(file=project.display(out_dir), message="--out must be a folder, not a file")
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / f".cardgen-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise CardgenError(
            Problem(
                file=project.display(out_dir),
                message=f"cannot write here: {exc.strerror or exc}",
            )
        ) from None


@contextlib.contextmanager
def out_lock(out_dir: Path, project: Project) -> Iterator[None]:
    """One build at a time per out folder; then clean up what a killed build left behind."""
    import fcntl

    with open(out_dir / ".cardgen.lock", "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(
                f"waiting for another cardgen run writing to {project.display(out_dir)} …",
                file=sys.stderr,
            )
            fcntl.flock(lock, fcntl.LOCK_EX)
        # Only where cardgen writes (out/ and out/<format>/): never into nested folders that
        # may be another out folder with its own lock.
        for pattern in (f".*{TMP_SUFFIX}", f"*/.*{TMP_SUFFIX}"):
            for stale in out_dir.glob(pattern):
                with contextlib.suppress(OSError):
                    stale.unlink()
        yield


def entry(job: Job, rendered: Rendered) -> CardEntry:
    """The manifest entry of a card just drawn."""
    ctx = job.context
    return CardEntry(
        slug=job.slug,
        kind=job.kind,
        format=job.format,
        path=job.path,
        width=ctx["format"]["width"],
        height=ctx["format"]["height"],
        bytes=len(rendered.png),
        sha256=rendered.sha256,
        day=ctx.get("day"),
        date=ctx.get("date"),
        title=ctx.get("title"),
        url=ctx.get("url"),
        alt=ctx["alt"],
        posts=ctx["posts"],
        fits={
            s.name: SlotFit(size=s.fit.size, lines=len(s.fit.lines), max_size=s.box.max_size)
            for s in rendered.filled.slots
        },
        key=job.key,
        approval=job.approval,
        replies=ctx.get("replies") or {},
    )


def make(job: Job, project: Project, out_dir: Path, *, svg: bool = False) -> Result:
    """Render one card and write it (and its filled SVG if asked); problems are returned."""
    from .card import render

    try:
        rendered = render(job, project)
        target = out_dir / job.path
        write_atomic(target, rendered.png, durable=False)
        if svg:
            write_atomic(target.with_suffix(".svg"), rendered.filled.svg, durable=False)
    except CardgenError as exc:
        return Result(job=job, status="failed", problems=exc.problems)
    return Result(
        job=job, status="rendered", entry=entry(job, rendered), warnings=rendered.filled.warnings
    )


def make_debug(job: Job, project: Project, out_dir: Path) -> Result:
    """Draw a card with its text boxes, baselines and safe margin into ``SLUG.debug.png``."""
    from .card import render

    try:
        rendered = render(job, project, debug=True)
        write_atomic(out_dir / f"{job.format}/{job.slug}.debug.png", rendered.png)
    except CardgenError as exc:
        return Result(job=job, status="failed", problems=exc.problems)
    return Result(job=job, status="rendered", entry=entry(job, rendered))


def check(
    project: Project, *, formats: Iterable[str] | None = None
) -> tuple[list[Problem], list[str], int]:
    """Everything a build checks, without writing: (problems, warnings, cards checked)."""
    from .card import prepare
    from .schedule import unscheduled_days

    the_plan = plan(project, formats=formats)
    problems = list(the_plan.problems)
    noted: list[Problem] = []
    for job in the_plan.jobs:
        try:
            noted += prepare(job, project).warnings
        except CardgenError as exc:
            problems.extend(exc.problems)
    campaign = the_plan.campaign
    from .overrides import stray

    warnings = [
        f"no case is scheduled for day {d} ({campaign.date_of(d):%Y-%m-%d})"
        for d in unscheduled_days(campaign, the_plan.cases)
    ] + stray(project)
    warnings += dict.fromkeys(str(p) for p in noted)
    return problems, warnings, len(the_plan.jobs)


# --- the whole build -----------------------------------------------------------------------


@dataclass(kw_only=True)
class Report:
    """The outcome of a build."""

    results: list[Result]
    problems: list[Problem]  # planning problems (bad cases) and card failures
    seconds: float
    manifest: Path
    campaign: Campaign
    invalid: int = 0  # case files that failed validation: none of their cards were made

    @property
    def warnings(self) -> list[Problem]:
        """What the cards drawn this time want their makers to know."""
        return [w for r in self.results for w in r.warnings]

    def count(self, status: Status) -> int:
        """How many cards ended with ``status``."""
        return sum(r.status == status for r in self.results)

    @property
    def shrunk(self) -> int:
        """Cards rendered this time whose text had to be set smaller than its largest size."""
        return sum(
            1
            for r in self.results
            if r.status == "rendered" and r.entry and any(f.shrunk for f in r.entry.fits.values())
        )

    @property
    def summary(self) -> str:
        """One line: ``70 cards: 12 rendered, 58 unchanged, 0 failed in 0.84 s``."""
        line = (
            f"{len(self.results)} cards: {self.count('rendered')} rendered, "
            f"{self.count('unchanged')} unchanged, {self.count('failed')} failed "
            f"in {self.seconds:.2f} s"
        )
        if self.shrunk:
            line += f"; text shrunk to fit on {self.shrunk} (-v lists them)"
        if self.invalid:
            line += f"; {self.invalid} invalid case file{'s' * (self.invalid != 1)} not built"
        states = [r.entry.approval for r in self.results if r.entry and r.entry.approval]
        if states:
            approved = sum(s.startswith("approved") for s in states)
            line += f"; {approved} approved, {len(states) - approved} DRAFT (cardgen status)"
        return line


def _unchanged(job: Job, old: CardEntry | None, out_dir: Path) -> bool:
    if not old or old.key != job.key:
        return False
    try:
        data = (out_dir / job.path).read_bytes()
    except OSError:
        return False
    return hashlib.sha256(data).hexdigest() == old.sha256


# A pool worker's project and out folder: handed over once by the pool's initializer (the
# only way concurrent.futures gives a worker state that outlives one task), so that fonts,
# templates and measurements are set up once per worker, not once per card.
_worker: list[tuple[Project, Path]] = []


def _start_worker(project: Project, out_dir: Path) -> None:
    measurer = project.fonts.measurer  # fontconfig and cairo, once per worker
    if measurer.kerning is not None:
        measurer.kerning.load()  # and HarfBuzz
    project.templates  # noqa: B018
    _worker[:] = [(project, out_dir)]


def _work(job: Job) -> Result:
    project, out_dir = _worker[0]
    try:
        return make(job, project, out_dir)
    except Exception as exc:  # a bug: report it on this card, build the others
        message = f"internal error: {type(exc).__name__}: {exc} (a bug; please report it)"
        problem = Problem(file=job.path, message=message, slug=job.slug)
        return Result(job=job, status="failed", problems=[problem], internal=True)


class Workers:
    """Where cards are drawn: this process for a few cards, else a pool of forked workers.

    The pool may be started early (:meth:`warm`), so that the workers set up fonts and cairo
    while this process is still planning.
    """

    def __init__(self, project: Project, out_dir: Path, count: int) -> None:
        self.project, self.out_dir, self.count = project, out_dir, count
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def warm(self) -> None:
        """Start the pool now: every worker sets up while the caller goes on."""
        if self.count > 1 and self.pool is None:
            # fork: the worker starts with this process's imports, ready in milliseconds.
            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            self.pool = ProcessPoolExecutor(
                max_workers=self.count,
                mp_context=multiprocessing.get_context(method),
                initializer=_start_worker,
                initargs=(self.project, self.out_dir),
            )
            for _ in range(self.count):
                self.pool.submit(int)  # a process is started for each task waiting

    def run(self, jobs: list[Job]) -> Iterator[Result]:
        """Make the jobs, yielding each result as it comes (largest cards first)."""
        if not jobs:
            return
        # A few cards are faster in this process: a worker pays the same start-up (cairocffi's
        # import) before it draws anything.
        if self.pool is None and (self.count <= 1 or len(jobs) <= 4):
            _start_worker(self.project, self.out_dir)
            yield from map(_work, jobs)
            return
        self.warm()
        assert self.pool is not None
        # One card a task, the largest first: no worker is left alone with a long tail.
        biggest_first = sorted(jobs, key=lambda j: -j.context["format"]["height"])
        yield from self.pool.map(_work, biggest_first)


def build(
    project: Project,
    out_dir: Path,
    *,
    formats: Iterable[str] | None = None,
    slugs: Iterable[str] | None = None,
    jobs: int | None = None,
    force: bool = False,
    progress: Callable[[Result, int], None] | None = None,
) -> Report:
    """Build the cards, reusing unchanged ones, and write the manifest last."""
    started = time.perf_counter()
    check_out_dir(out_dir, project)
    with out_lock(out_dir, project), Workers(project, out_dir, jobs or os.cpu_count() or 1) as pool:
        if force or not (out_dir / MANIFEST).exists():
            pool.warm()  # every card will be drawn: the workers start up while we plan
        the_plan = plan(project, formats=formats, slugs=slugs)
        old = read_manifest(out_dir)
        results: list[Result] = []
        todo: list[Job] = []
        total = len(the_plan.jobs)
        for job in the_plan.jobs:
            previous = old.cards.get((job.format, job.slug))
            if not force and _unchanged(job, previous, out_dir):
                entry = dataclasses.replace(previous, approval=job.approval) if previous else None
                result = Result(job=job, status="unchanged", entry=entry)
                results.append(result)
                if progress:
                    progress(result, total)
            else:
                todo.append(job)
        for result in pool.run(todo):
            results.append(result)
            if progress:
                progress(result, total)
        place = {job.path: i for i, job in enumerate(the_plan.jobs)}
        results.sort(key=lambda r: place[r.job.path])  # problems are printed in plan order
        problems = the_plan.problems + [p for r in results for p in r.problems]
        manifest = write_manifest(
            out_dir, the_plan, results, old, project, partial=slugs is not None
        )
        return Report(
            results=results,
            problems=problems,
            seconds=time.perf_counter() - started,
            manifest=manifest,
            campaign=the_plan.campaign,
            invalid=len(the_plan.invalid),
        )


def write_manifest(
    out_dir: Path,
    the_plan: Plan,
    results: list[Result],
    old: Manifest,
    project: Project,
    *,
    partial: bool,
) -> Path:
    """Merge this run's cards into the previous manifest ``old`` and write it (atomically, last).

    A partial run (some slugs only) keeps every other entry; a full run drops entries of
    deleted cases and removes their files.
    """
    built = {(r.job.format, r.job.slug): r for r in results}
    planned_formats = {f.name for f in the_plan.formats}
    # Keep entries this build did not plan: other formats, and other cards of a `cardgen card`
    # run. Outputs of deleted cases are removed below.
    cards = {
        key: e
        for key, e in old.cards.items()
        if key not in built and (partial or key[0] not in planned_formats)
    }
    cards.update({key: r.entry for key, r in built.items() if r.entry})
    # A card that failed keeps its last good PNG (nothing is lost); its failed entry names
    # that file, so it is still cleaned up if the case is deleted later.
    previous: dict[tuple[str, str], str | None] = {
        **{k: f.path for k, f in old.failed.items()},
        **{k: c.path for k, c in old.cards.items()},
    }
    failed = {
        k: FailedEntry(
            slug=r.job.slug,
            format=r.job.format,
            problems=[str(p) for p in r.problems],
            path=previous.get(k),
        )
        for k, r in built.items()
        if r.status == "failed"
    }
    failed |= {
        k: FailedEntry(slug=k[1], format=k[0], problems=["the case file is invalid"], path=path)
        for k, path in previous.items()
        if k[1] in the_plan.invalid and k not in built and path
    }
    if not partial:
        keep = set(cards) | set(built) | {k for k in previous if k[1] in the_plan.invalid}
        _remove_stale(out_dir, previous, keep, planned_formats)
    c = the_plan.campaign
    manifest = Manifest(
        campaign={
            "name": c.name,
            "hashtag": c.hashtag,
            "slogan": c.slogan,
            "start": c.start.isoformat(),
            "days": c.days,
        },
        stack=stack_versions(project.fonts),
        cards=cards,
        failed=failed,
    )
    path = out_dir / MANIFEST
    write_atomic(path, manifest.to_json().encode())
    return path


def _remove_stale(
    out_dir: Path,
    previous: dict[tuple[str, str], str | None],
    keep: set[tuple[str, str]],
    formats: set[str],
) -> None:
    """Delete outputs of cards that no longer exist; only files a manifest listed, in out/."""
    root = out_dir.resolve()
    for key, path in previous.items():
        if key in keep or key[0] not in formats or not path:
            continue
        target = (out_dir / path).resolve()
        if target.is_relative_to(root) and target != root and target.suffix == ".png":
            with contextlib.suppress(OSError):
                target.unlink()


def render_card(
    project: Project,
    out_dir: Path,
    slug: str,
    *,
    formats: Iterable[str] | None = None,
    svg: bool = False,
    debug: bool = False,
) -> list[Result]:
    """Render one card in the given formats, always (no cache), and update the manifest.

    With ``debug`` the overlay is drawn into ``<slug>.debug.png`` and the manifest is left alone.
    """
    check_out_dir(out_dir, project)
    with out_lock(out_dir, project):
        the_plan = plan(project, formats=formats, slugs=[slug])
        kind = {LAUNCH: "launch", SUMMARY: "summary"}.get(slug, "case")
        names = {template_name(kind, f.name) for f in the_plan.formats}
        own = problems_of_card(the_plan.problems, slug, names)
        if own or not the_plan.jobs:
            raise CardgenError(own or [Problem(file=slug, message="no such card", slug=slug)])
        if debug:
            return [make_debug(job, project, out_dir) for job in the_plan.jobs]
        results = [make(job, project, out_dir, svg=svg) for job in the_plan.jobs]
        write_manifest(out_dir, the_plan, results, read_manifest(out_dir), project, partial=True)
    return results
