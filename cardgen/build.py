"""Planning, rendering and writing cards: cache keys, a process pool, atomic files, the manifest.

Each card is a pure function of (its template context, the template files, the format, the
bundled fonts, the rendering stack). The hash of those is the card's cache key: a card whose key
and file are unchanged is not rendered again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import campaign as words
from .errors import CardgenError, Problem, UsageError
from .model import (
    LAUNCH,
    SUMMARY,
    Campaign,
    Loaded,
    case_paths,
    display,
    linear,
    load_cases,
    open_cases_dir,
)
from .render import stack_versions
from .templates import (
    TEMPLATES_DIR,
    Filled,
    Format,
    Templates,
    fit_svg,
    lint,
    template_name,
    templates,
)

if TYPE_CHECKING:  # numpy is imported only where pixels are handled
    import numpy as np
    from numpy.typing import NDArray

MANIFEST = "manifest.json"
TMP_SUFFIX = ".cardgen-tmp"  # temporary files: renamed into place, or removed by the next build
MIN_CONTRAST = 4.5  # WCAG 2 AA for normal text; nothing on a phone-sized card counts as large


@dataclass(frozen=True)
class Job:
    """One card to make: a kind of card for one slug in one format."""

    kind: str
    slug: str
    format: str
    template: str
    source: str  # the file whose text the card shows, for error messages
    context: dict[str, Any]
    key: str

    @property
    def path(self) -> str:
        """Where the PNG goes, relative to the out folder."""
        return f"{self.format}/{self.slug}.png"


@dataclass
class Result:
    """What happened to one job."""

    job: Job
    status: str  # rendered | unchanged | failed
    entry: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)
    internal: bool = False  # failed on a bug in cardgen, not on bad input


@dataclass
class Plan:
    """Everything a build will do, and the problems found while planning it."""

    campaign: Campaign
    cases: list[Loaded]
    jobs: list[Job]
    problems: list[Problem]
    formats: list[Format]
    invalid: set[str]  # slugs of case files that failed validation: their old cards are kept


# --- planning ------------------------------------------------------------------------------


def _template_digest(folder: Path, name: str) -> str:
    """The template plus shared partials (``_*``) and assets it may pull in."""
    paths = [folder / name, *sorted(folder.glob("_*")), *sorted((folder / "assets").rglob("*"))]
    files = tuple((p, p.stat().st_mtime_ns, p.stat().st_size) for p in paths if p.is_file())
    return _digest_files(files)


@functools.lru_cache(maxsize=256)
def _digest_files(files: tuple[tuple[Path, int, int], ...]) -> str:
    # Keyed by path, mtime and size: a plan of 70 cards reads each template once.
    digest = hashlib.sha256()
    for path, _, _ in files:
        digest.update(str(path.name).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@functools.cache
def code_digest() -> str:
    """A hash of cardgen's own source: a code change re-renders every card."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def with_format(context: dict[str, Any], fmt: Format) -> dict[str, Any]:
    """A template context plus the format it is rendered for (``format.width`` etc.)."""
    size = {"name": fmt.name, "width": fmt.width, "height": fmt.height, "safe": fmt.safe}
    return {**context, "format": size}


def card_key(context: dict[str, Any], template: str, fmt: Format, folder: Path) -> str:
    """The hash of everything that decides a card's pixels: its cache key."""
    payload = {
        "context": context,
        "template": _template_digest(folder, template),
        "format": [fmt.name, fmt.width, fmt.height, fmt.safe],
        "stack": stack_versions(),
        "code": code_digest(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def plan(
    cases_dir: Path,
    *,
    formats: Iterable[str] | None = None,
    slugs: Iterable[str] | None = None,
    templates_dir: Path = TEMPLATES_DIR,
) -> Plan:
    """Validate the cases and list the cards to make; bad cases are problems, not jobs."""
    campaign = open_cases_dir(cases_dir)
    tmpl = templates(templates_dir.resolve())
    chosen = _formats(tmpl, formats)
    cases, problems = load_cases(cases_dir, campaign)
    if not cases and not problems:
        problems.append(
            Problem(display(cases_dir), "", "no case files (*.toml) in the cases folder")
        )
    for loaded in cases:
        problems.extend(words.check_limits(loaded, campaign))
    bad = {p.where for p in problems}
    cases = [c for c in cases if c.where not in bad]
    invalid = {p.stem for p in case_paths(cases_dir) if display(p) in bad}
    wanted = set(slugs) if slugs is not None else None
    if wanted is not None:
        known = {c.slug for c in cases} | {LAUNCH, SUMMARY}
        for slug in sorted(wanted - known):
            if not any(p.where.endswith(f"{slug}.toml") for p in problems):
                problems.append(Problem(slug, "", "no such case (see `cardgen list`)"))
    launch_where = display(cases_dir / "campaign.toml")
    broken = set()
    for fmt in chosen:
        for kind in fmt.kinds:
            found = lint(tmpl.path(kind, fmt.name), fmt)
            if found:
                problems.extend(found)
                broken.add(template_name(kind, fmt.name))
    contexts: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
        "launch": [(LAUNCH, launch_where, words.launch_context(campaign))],
        "case": [(c.slug, c.where, words.case_context(c, campaign)) for c in cases],
        "summary": [(SUMMARY, launch_where, words.summary_context(campaign, cases))],
    }
    jobs = []
    for fmt in chosen:
        items = [(kind, *item) for kind in fmt.kinds for item in contexts.get(kind, [])]
        for kind, slug, source, context in items:
            if wanted is not None and slug not in wanted:
                continue
            context = with_format(context, fmt)
            name = template_name(kind, fmt.name)
            if name in broken:
                continue
            key = card_key(context, name, fmt, tmpl.folder)
            jobs.append(Job(kind, slug, fmt.name, name, source, context, key))
    return Plan(campaign, cases, jobs, problems, chosen, invalid)


def _formats(tmpl: Templates, names: Iterable[str] | None) -> list[Format]:
    names = list(dict.fromkeys(names or []))  # --format twitter --format twitter: once
    unknown = [n for n in names if n not in tmpl.formats]
    if unknown:
        raise UsageError(f"unknown format {unknown[0]!r}; known: {', '.join(tmpl.formats)}")
    return [tmpl.formats[n] for n in (names or tmpl.formats)]


# --- rendering one card (runs in a worker process) -----------------------------------------


@functools.cache
def _luminance_table() -> NDArray[np.float32]:
    import numpy as np

    # model.linear for each of the 256 channel values, looked up per pixel.
    return np.array([linear(c) for c in range(256)], dtype=np.float32)


def relative_luminance(rgb: NDArray[np.uint8]) -> NDArray[np.float32]:
    """WCAG 2 relative luminance of sRGB colours (..., 3) in 0..255."""
    import numpy as np

    lut = _luminance_table()
    rgb = np.asarray(rgb)
    return lut[rgb[..., 0]] * 0.2126 + lut[rgb[..., 1]] * 0.7152 + lut[rgb[..., 2]] * 0.0722


def contrast_ratio(a: NDArray[np.float32], b: float) -> NDArray[np.float32]:
    """WCAG 2 contrast ratio between luminances (1 to 21)."""
    import numpy as np

    return (np.maximum(a, b) + 0.05) / (np.minimum(a, b) + 0.05)


def _hex_rgb(colour: str) -> tuple[int, int, int] | None:
    named = {"white": "#ffffff", "black": "#000000"}
    colour = named.get(colour.strip().lower(), colour.strip())
    if len(colour) == 4 and colour.startswith("#"):
        colour = "#" + "".join(ch * 2 for ch in colour[1:])
    if len(colour) != 7 or not colour.startswith("#"):
        return None
    try:
        return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))
    except ValueError:
        return None


def contrast_problems(filled: Filled, fmt: Format, where: str) -> list[Problem]:
    """WCAG 2 contrast of each fitted slot's fill against what is drawn behind its box."""
    slots = tuple((s.name, s.fill, s.fit.box) for s in filled.slots)
    return list(_contrast(filled.background, slots, fmt, where))


@functools.lru_cache(maxsize=256)
def _contrast(
    background: bytes, slots: tuple[tuple[str, str, Any], ...], fmt: Format, where: str
) -> tuple[Problem, ...]:
    # Cards of one theme and layout share a background and boxes: each is checked once.
    import numpy as np

    from .render import draw

    # Every second pixel each way: shapes behind text are far wider than 2px, and it is 4x
    # less work than sampling all of them.
    pixels = np.asarray(draw(background, fmt.width, fmt.height))[::2, ::2]
    luminance = relative_luminance(pixels)
    problems = []
    for name, fill, b in slots:
        rgb = _hex_rgb(fill)
        if rgb is None:
            problems.append(
                Problem(where, name, f"fill {fill!r} must be #rrggbb, #rgb, white or black")
            )
            continue
        # Sampled pixels (every second one) whose centre lies inside the box.
        x0, y0 = max(0, math.ceil(b.x / 2)), max(0, math.ceil(b.y / 2))
        x1 = math.ceil(min(fmt.width, b.x + b.width) / 2)
        y1 = math.ceil(min(fmt.height, b.y + b.height) / 2)
        region = luminance[y0:y1, x0:x1]
        if not region.size:
            continue
        ratios = contrast_ratio(region, float(relative_luminance(np.array(rgb))))
        worst = np.unravel_index(int(np.argmin(ratios)), ratios.shape)
        if ratios[worst] < MIN_CONTRAST:
            behind = "#{:02x}{:02x}{:02x}".format(*pixels[y0:y1, x0:x1][worst])
            problems.append(
                Problem(
                    where,
                    name,
                    f"contrast {ratios[worst]:.2f}:1 between text "
                    f"{fill} and {behind} behind it; at least {MIN_CONTRAST}:1",
                )
            )
    return tuple(problems)


@functools.cache
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename it into place.

    A reader (or a build killed part-way) sees the old file or the new one, never half of one.
    """
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError):
            reason = exc.strerror or str(exc)
            raise CardgenError(Problem(display(path), "", f"cannot write: {reason}")) from None
        raise


def prepare(job: Job, tmpl: Templates, *, debug: bool = False) -> Filled:
    """The card's final SVG: template filled, text fitted, contrast checked."""
    fmt = tmpl.formats[job.format]
    where = display(tmpl.path(job.kind, job.format))
    filled = fit_svg(
        tmpl.fill(job.template, job.context),
        fmt=fmt,
        template=where,
        source=job.source,
        debug=debug,
    )
    problems = contrast_problems(filled, fmt, where)
    if problems:
        raise CardgenError(problems)
    return filled


def check(
    cases_dir: Path, *, templates_dir: Path = TEMPLATES_DIR, formats: Iterable[str] | None = None
) -> tuple[list[Problem], list[str], int]:
    """Everything a build checks, without writing: (problems, warnings, cards checked)."""
    the_plan = plan(cases_dir, formats=formats, templates_dir=templates_dir)
    tmpl = templates(templates_dir.resolve())
    problems = list(the_plan.problems)
    for job in the_plan.jobs:
        try:
            prepare(job, tmpl)
        except CardgenError as exc:
            problems.extend(exc.problems)
    days = words.unscheduled_days(the_plan.campaign, the_plan.cases)
    warnings = [
        f"no case is scheduled for day {d} ({the_plan.campaign.date_of(d):%Y-%m-%d})" for d in days
    ]
    return problems, warnings, len(the_plan.jobs)


def render_job(
    job: Job,
    out_dir: Path,
    *,
    templates_dir: Path = TEMPLATES_DIR,
    svg: bool = False,
    debug: bool = False,
) -> Result:
    """Fill, fit, check, draw, encode and write one card; problems are returned, not raised."""
    from .render import draw, encode_png

    tmpl = templates(templates_dir.resolve())
    fmt = tmpl.formats[job.format]
    try:
        filled = prepare(job, tmpl, debug=debug)
        png = encode_png(draw(filled.svg, fmt.width, fmt.height))
        problems = platform_problems(png, fmt, job)
        if problems:
            return Result(job, "failed", problems=problems)
        target = out_dir / (f"{job.format}/{job.slug}.debug.png" if debug else job.path)
        write_atomic(target, png)
        if svg:
            write_atomic(target.with_suffix(".svg"), filled.svg)
    except CardgenError as exc:
        return Result(job, "failed", problems=exc.problems)
    return Result(job, "rendered", entry=_entry(job, png, filled.slots))


def platform_problems(png: bytes, fmt: Format, job: Job) -> list[Problem]:
    """A PNG must have the format's exact size and stay under the platforms' 5 MB limit."""
    from .templates import MAX_BYTES

    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    problems = []
    if (width, height) != (fmt.width, fmt.height):
        problems.append(
            Problem(job.path, "", f"{width}×{height}, expected {fmt.width}×{fmt.height}")
        )
    if len(png) > MAX_BYTES:
        problems.append(Problem(job.path, "", f"{len(png):,} bytes; platforms accept at most 5 MB"))
    return problems


def _entry(job: Job, png: bytes, slots: list[Any]) -> dict[str, Any]:
    ctx = job.context
    return {
        "slug": job.slug,
        "kind": job.kind,
        "format": job.format,
        "path": job.path,
        "width": ctx["format"]["width"],
        "height": ctx["format"]["height"],
        "bytes": len(png),
        "sha256": hashlib.sha256(png).hexdigest(),
        "day": ctx.get("day"),
        "date": ctx.get("date"),
        "title": ctx.get("title"),
        "url": ctx.get("url"),
        "alt": ctx["alt"],
        "tweet": ctx["tweet"],
        "fits": {
            s.name: {"size": s.fit.size, "lines": len(s.fit.lines), "max_size": s.fit.box.max_size}
            for s in slots
        },
        "key": job.key,
    }


# --- the whole build -----------------------------------------------------------------------


@dataclass
class Report:
    """The outcome of a build."""

    results: list[Result]
    problems: list[Problem]  # planning problems (bad cases) and card failures
    seconds: float
    manifest: Path
    campaign: Campaign
    invalid: int = 0  # case files that failed validation: none of their cards were made

    def count(self, status: str) -> int:
        """How many cards ended with ``status``."""
        return sum(r.status == status for r in self.results)

    @property
    def summary(self) -> str:
        """One line: ``70 cards: 12 rendered, 58 unchanged, 0 failed in 0.84 s``."""
        line = (
            f"{len(self.results)} cards: {self.count('rendered')} rendered, "
            f"{self.count('unchanged')} unchanged, {self.count('failed')} failed "
            f"in {self.seconds:.2f} s"
        )
        if self.invalid:
            line += f"; {self.invalid} invalid case file{'s' * (self.invalid != 1)} not built"
        return line


def manifest_cards(
    manifest: dict[str, Any], key: str = "cards"
) -> dict[tuple[Any, Any], dict[str, Any]]:
    """A manifest's card entries (or failed ones) by (format, slug)."""
    entries = manifest.get(key)
    return {
        (c.get("format"), c.get("slug")): c
        for c in (entries if isinstance(entries, list) else [])
        if isinstance(c, dict)
    }


def read_manifest(out_dir: Path) -> dict[str, Any]:
    """The manifest of a previous build, or an empty one."""
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _unchanged(job: Job, old: dict[str, Any] | None, out_dir: Path) -> bool:
    if not old or old.get("key") != job.key:
        return False
    try:
        data = (out_dir / job.path).read_bytes()
    except OSError:
        return False
    return hashlib.sha256(data).hexdigest() == old.get("sha256")


def check_out_dir(out_dir: Path) -> None:
    """The out folder must be a folder we can write to."""
    if out_dir.exists() and not out_dir.is_dir():
        raise CardgenError(Problem(display(out_dir), "", "--out must be a folder, not a file"))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / f".cardgen-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise CardgenError(
            Problem(display(out_dir), "", f"cannot write here: {exc.strerror or exc}")
        ) from None


_WORKER: dict[str, Any] = {}


def _init_worker(templates_dir: Path, out_dir: Path) -> None:
    """Per worker, once: fontconfig, the measurer and the template environment."""
    from .fonts import setup_fontconfig
    from .text import measurer

    setup_fontconfig()
    measurer()
    templates(templates_dir.resolve())
    _WORKER.update(templates_dir=templates_dir, out_dir=out_dir)


def _work(job: Job) -> Result:
    try:
        return render_job(job, _WORKER["out_dir"], templates_dir=_WORKER["templates_dir"])
    except Exception as exc:  # a bug: report it on this card, build the others
        message = f"internal error: {type(exc).__name__}: {exc} (a bug; please report it)"
        return Result(job, "failed", problems=[Problem(job.path, "", message)], internal=True)


def _run(jobs: list[Job], workers: int, templates_dir: Path, out_dir: Path) -> Iterator[Result]:
    if not jobs:
        return
    # A few cards are faster in this process: a worker pays the same start-up (cairocffi's
    # import) before it draws anything.
    if workers <= 1 or len(jobs) <= 4:
        _init_worker(templates_dir, out_dir)
        yield from map(_work, jobs)
        return
    # fork: the worker starts with the parent's imports and is ready in milliseconds.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(templates_dir, out_dir),
    ) as pool:
        yield from pool.map(_work, jobs, chunksize=max(1, min(8, len(jobs) // (workers * 4))))


def build(
    cases_dir: Path,
    out_dir: Path,
    *,
    formats: Iterable[str] | None = None,
    slugs: Iterable[str] | None = None,
    templates_dir: Path = TEMPLATES_DIR,
    jobs: int | None = None,
    force: bool = False,
    progress: Callable[[Result, int], None] | None = None,
) -> Report:
    """Build the cards, reusing unchanged ones, and write the manifest last."""
    started = time.perf_counter()
    check_out_dir(out_dir)
    with out_lock(out_dir):
        the_plan = plan(cases_dir, formats=formats, slugs=slugs, templates_dir=templates_dir)
        old = read_manifest(out_dir)
        old_cards = manifest_cards(old)
        results: list[Result] = []
        todo: list[Job] = []
        for job in the_plan.jobs:
            previous = old_cards.get((job.format, job.slug))
            if not force and _unchanged(job, previous, out_dir):
                result = Result(job, "unchanged", entry=previous)
                results.append(result)
                if progress:
                    progress(result, len(the_plan.jobs))
            else:
                todo.append(job)
        workers = jobs or os.cpu_count() or 1
        for result in _run(todo, workers, templates_dir, out_dir):
            results.append(result)
            if progress:
                progress(result, len(the_plan.jobs))
        problems = the_plan.problems + [p for r in results for p in r.problems]
        manifest = write_manifest(out_dir, the_plan, results, old, partial=slugs is not None)
        return Report(
            results,
            problems,
            time.perf_counter() - started,
            manifest,
            the_plan.campaign,
            len(the_plan.invalid),
        )


@contextlib.contextmanager
def out_lock(out_dir: Path) -> Iterator[None]:
    """One build at a time per out folder; then clean up what a killed build left behind."""
    import fcntl

    with open(out_dir / ".cardgen.lock", "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(
                f"waiting for another cardgen run writing to {display(out_dir)} …", file=sys.stderr
            )
            fcntl.flock(lock, fcntl.LOCK_EX)
        # Only where cardgen writes (out/ and out/<format>/): never into nested folders that
        # may be another out folder with its own lock.
        for pattern in (f".*{TMP_SUFFIX}", f"*/.*{TMP_SUFFIX}"):
            for stale in out_dir.glob(pattern):
                with contextlib.suppress(OSError):
                    stale.unlink()
        yield


def write_manifest(
    out_dir: Path,
    the_plan: Plan,
    results: list[Result],
    old: dict[str, Any],
    *,
    partial: bool,
) -> Path:
    """Merge this run's cards into the previous manifest ``old`` and write it (atomically, last).

    A partial run (some slugs only) keeps every other entry; a full run drops entries of
    deleted cases and removes their files.
    """
    built = {(r.job.format, r.job.slug): r for r in results}
    old_cards = manifest_cards(old)
    planned_formats = {f.name for f in the_plan.formats}
    cards: dict[tuple[Any, Any], dict[str, Any]] = {}
    for key, entry in old_cards.items():
        # Keep entries this build did not plan: other formats, and other cards of a
        # `cardgen card` run. Outputs of deleted cases are removed below.
        if key not in built and (partial or key[0] not in planned_formats):
            cards[key] = entry
    for key, result in built.items():
        if result.entry:
            cards[key] = result.entry
    # A card that failed keeps its last good PNG (nothing is lost); its failed entry names
    # that file, so it is still cleaned up if the case is deleted later.
    previous = {**manifest_cards(old, "failed"), **old_cards}
    failed = [
        {"slug": r.job.slug, "format": r.job.format, "problems": [str(p) for p in r.problems]}
        | ({"path": previous[k]["path"]} if previous.get(k, {}).get("path") else {})
        for k, r in built.items()
        if r.status == "failed"
    ]
    failed += [
        {
            "slug": k[1],
            "format": k[0],
            "path": entry["path"],
            "problems": ["the case file is invalid"],
        }
        for k, entry in previous.items()
        if k[1] in the_plan.invalid and k not in built and entry.get("path")
    ]
    if not partial:
        keep = set(cards) | set(built) | {k for k in previous if k[1] in the_plan.invalid}
        _remove_stale(out_dir, previous, keep, planned_formats)
    ordered = sorted(
        cards.values(),
        key=lambda c: (
            str(c["format"]),
            10**6 if c.get("day") is None else c["day"],
            str(c["slug"]),
        ),
    )
    c = the_plan.campaign
    manifest = {
        "campaign": {
            "name": c.name,
            "hashtag": c.hashtag,
            "slogan": c.slogan,
            "start": c.start.isoformat(),
            "days": c.days,
        },
        "stack": stack_versions(),
        "cards": ordered,
        "failed": failed,
    }
    path = out_dir / MANIFEST
    write_atomic(path, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())
    return path


def _remove_stale(
    out_dir: Path,
    old_cards: dict[tuple[Any, Any], dict[str, Any]],
    keep: set[tuple[Any, Any]],
    formats: set[str],
) -> None:
    """Delete outputs of cards that no longer exist; only files a manifest listed, in out/."""
    root = out_dir.resolve()
    for key, entry in old_cards.items():
        if key in keep or key[0] not in formats:
            continue
        target = (out_dir / str(entry.get("path", ""))).resolve()
        if target.is_relative_to(root) and target != root and target.suffix == ".png":
            with contextlib.suppress(OSError):
                target.unlink()


def render_card(
    cases_dir: Path,
    out_dir: Path,
    slug: str,
    *,
    formats: Iterable[str] | None = None,
    templates_dir: Path = TEMPLATES_DIR,
    svg: bool = False,
    debug: bool = False,
) -> list[Result]:
    """Render one card in the given formats, always (no cache), and update the manifest.

    With ``debug`` the overlay is drawn into ``<slug>.debug.png`` and the manifest is left alone.
    """
    check_out_dir(out_dir)
    with out_lock(out_dir):
        the_plan = plan(cases_dir, formats=formats, slugs=[slug], templates_dir=templates_dir)
        kind = {LAUNCH: "launch", SUMMARY: "summary"}.get(slug, "case")
        templates_of_card = {
            display(templates(templates_dir.resolve()).path(kind, f.name)) for f in the_plan.formats
        }
        own = [
            p
            for p in the_plan.problems
            if Path(p.where).stem == slug
            or p.where.endswith("campaign.toml")
            or p.where.split(":")[0] in templates_of_card
        ]
        if own or not the_plan.jobs:
            raise CardgenError(own or [Problem(slug, "", "no such card")])
        results = [
            render_job(job, out_dir, templates_dir=templates_dir, svg=svg, debug=debug)
            for job in the_plan.jobs
        ]
        if not debug:
            write_manifest(out_dir, the_plan, results, read_manifest(out_dir), partial=True)
    return results
