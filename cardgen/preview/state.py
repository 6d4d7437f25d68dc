"""The preview's state: its cards, the watcher, the planner/renderer thread and the workers.

One background thread watches the templates, cases and fonts (watchfiles), re-plans after a
debounced change and compares each card's cache key (``build.plan``'s ``Job.key``) with the key
of what the page shows: only cards whose key changed are rendered again, in a small pool of
worker processes. Each finished card is pushed to the open pages as a server-sent event.
Problems are shown in place of the card, worded as the CLI prints them (``str(Problem)``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from watchfiles import DefaultFilter, watch

from ..errors import CardgenError, Problem
from ..formats import Format, template_name
from ..model import LAUNCH, case_paths
from ..plan import Job, plan
from ..project import Project
from . import worker
from .server import Hub, Server, sse
from .stress import StressCard, stress_row

DEBOUNCE_MS, STEP_MS = 500, 50  # watchfiles: group a burst of saves; yield after 50 ms of quiet
RENDER_TIMEOUT_S = 120.0


class EditorFilter(DefaultFilter):
    """Editors' temporary files are not changes: watchfiles' defaults and a few more.

    The defaults cover vim's swap files (``.x.swp``, ``.x.swx``), backups (``x~``), Emacs
    locks (``.#x``) and JetBrains' temporaries. Added: Emacs auto-saves (``#x#``), ``sed -i``'s
    temporary file (``sedAbC123``), vim's write probe (``4913``), partial saves (``x.tmp``,
    gedit's ``.goutputstream-*``, Kate's ``x.kate-swp``). A save that writes a temporary file
    and renames it over the real one is still seen: as a change of the real file.
    """

    ignore_entity_patterns = (
        *DefaultFilter.ignore_entity_patterns,
        r"^#.*#$",
        r"^sed[A-Za-z0-9]{6}$",
        r"^4913$",
        r"\.tmp$",
        r"^\.goutputstream-",
        r"\.kate-swp$",
    )

    def __init__(self, watched: list[Path]) -> None:
        super().__init__()
        self.files = {str(p.resolve()) for p in watched if not p.is_dir()}
        self.folders = [str(p.resolve()) + os.sep for p in watched if p.is_dir()]

    def __call__(self, change: Any, path: str) -> bool:
        # A folder watched only for a file in it (the campaign file in the project folder):
        # its other files (out/, notes) are not changes.
        wanted = path in self.files or path.startswith(tuple(self.folders))
        return wanted and super().__call__(change, path)


def _internal(exc: BaseException, where: str) -> Problem:
    message = f"internal error: {type(exc).__name__}: {exc} (please report it)"
    return Problem(file=where, message=message)


@dataclass
class Card:
    """One image on the page and what it shows now."""

    id: str  # "card/<format>/<slug>" or "stress/<format>/<name>": also its URL without .png
    group: str  # card | stress
    format: str
    slug: str
    day: int | None
    title: str
    kind: str = "case"  # case | launch | summary…; stress cards are cases
    caption: str = ""
    expect_error: bool = False
    status: str = "pending"  # pending | ok | failed
    problems: list[str] = field(default_factory=list)
    key: str | None = None  # the key whose outcome is shown (ok or failed)
    job: Job | None = None
    png: bytes | None = None  # the last good image
    sha: str | None = None
    png_key: str | None = None

    def public(self) -> dict[str, Any]:
        """What the page gets."""
        version = self.sha[:12] if self.sha else None
        return {
            "id": self.id,
            "group": self.group,
            "format": self.format,
            "slug": self.slug,
            "day": self.day,
            "title": self.title,
            "kind": self.kind,
            "caption": self.caption,
            "expect_error": self.expect_error,
            "status": self.status,
            "problems": self.problems,
            "version": version,
            "src": f"/{self.id}.png?v={version}" if version else None,
        }


@dataclass
class Target:
    """What planning says a card should show: a job to render, or problems."""

    card: Card
    job: Job | None = None
    problems: list[Problem] = field(default_factory=list)


class Preview:
    """The preview server: watcher, planner/renderer thread, worker pool and HTTP server.

    ``with Preview(project, port=0) as preview:`` serves on ``preview.url``
    until the block ends. Cards are drawn in "spawn" worker processes, so a script that starts
    a preview must do so under ``if __name__ == "__main__":``.
    """

    def __init__(
        self,
        project: Project,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        jobs: int | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        # A design tool: cards as they will look, without sign-off's DRAFT mark.
        self.project = dataclasses.replace(project, draft_marks=False)
        self.host, self.port = host, port
        self.jobs = jobs or min(4, os.cpu_count() or 1)
        self._log = log or (lambda message: None)
        # The campaign file, cases, every template folder (the project's overrides and the
        # built-in ones), the assets (logo) and the fonts. A folder made later (templates/ of a
        # new project) is picked up when the watch restarts after a change.
        watched = [project.campaign_file, project.cases_dir, *project.template_folders]
        watched += [project.assets_dir, project.fonts.folder]
        self.watched = list(dict.fromkeys(p for p in watched if p is not None))
        self.cards: dict[str, Card] = {}
        self.order: list[str] = []
        self.problems: list[str] = []  # problems that belong to no card (campaign, formats)
        self.status: dict[str, Any] = {"state": "starting", "cycle": 0}
        self.hub = Hub()
        self._lock = threading.RLock()
        self._dirty = threading.Event()
        self._idle = threading.Event()
        self._stop = threading.Event()
        self._watching = threading.Event()
        self._changes: set[str] = set()
        self._generation = 0
        self._title_fits: dict[str, int] = {}  # stress.stress_jobs' memo of title lengths
        self._rows: dict[str, tuple[str, int | None, str]] = {}  # slug -> (kind, day, title)
        self.formats: list[dict[str, Any]] = []
        self._printed: set[str] = set()
        self._debug: dict[str, tuple[str, bytes]] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._threads: list[threading.Thread] = []
        self._broken = False  # a worker died: the pool is replaced after this round
        self.server: Server | None = None

    # --- life cycle ---

    @property
    def url(self) -> str:
        """The page's address."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> str:
        """Bind, then serve, watch and render in background threads; returns the address."""
        if multiprocessing.parent_process() is not None:
            raise RuntimeError(
                "a preview cannot start in a worker process: a script that starts one must "
                "do so under `if __name__ == '__main__':`"
            )
        server = Server((self.host, self.port), self)
        self.server, self.port = server, server.server_address[1]
        self._pool = worker.new_pool(self.jobs)
        self._dirty.set()  # the first round renders everything
        for target, name in (
            (lambda: server.serve_forever(poll_interval=0.1), "preview-http"),
            (self._watch, "preview-watch"),
            (self._work, "preview-render"),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self.url

    def stop(self) -> None:
        """Stop everything and remove the rendered images (a second call does nothing)."""
        server, self.server = self.server, None
        if server is None:
            return
        self._stop.set()
        self._dirty.set()
        self.hub.close()
        server.shutdown()
        server.server_close()
        for thread in self._threads:
            thread.join(timeout=10)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Preview:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Wait until no change is waiting and nothing is rendering (for tests and scripts)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._watching.is_set() and self._idle.is_set() and not self._dirty.is_set():
                return True
            time.sleep(0.05)
        return False

    def log(self, message: str) -> None:
        """Tell the user; a log nobody reads any more (a closed pipe) is no reason to stop."""
        with contextlib.suppress(OSError):
            self._log(message)

    # --- watching ---

    def _watch(self) -> None:
        while not self._stop.is_set():
            existing = [p for p in self.watched if p.exists()]
            editors = EditorFilter(existing)
            # A file is watched through its folder: an editor that saves by renaming a new
            # file over the old one would leave a watch on the file itself looking at nothing.
            paths = list(dict.fromkeys(p if p.is_dir() else p.parent for p in existing))
            try:
                for changes in watch(
                    *paths,
                    debounce=DEBOUNCE_MS,
                    step=STEP_MS,
                    stop_event=self._stop,
                    rust_timeout=200,
                    yield_on_timeout=True,  # an empty set now and then: the watch is running
                    raise_interrupt=False,
                    watch_filter=editors,
                ):
                    self._watching.set()
                    if changes:
                        with self._lock:
                            self._changes.update(path for _, path in changes)
                        self._idle.clear()
                        self._dirty.set()
            except Exception as exc:  # e.g. a watched folder was removed: try again
                self.log(f"cardgen preview: watching failed ({exc}); retrying")
                self._stop.wait(1.0)

    def _work(self) -> None:
        while not self._stop.is_set():
            if not self._dirty.wait(timeout=0.5):
                continue
            if self._stop.is_set():
                return
            self._dirty.clear()
            self._idle.clear()
            with self._lock:
                changed, self._changes = self._changes, set()
            try:
                self._cycle(changed)
            except Exception as exc:  # a bug must not stop the preview
                self._fail_all([_internal(exc, "cardgen preview")])
            if not self._dirty.is_set():
                self._idle.set()

    # --- one round: plan, compare keys, render what changed ---

    def _cycle(self, changed: set[str]) -> None:
        started = time.perf_counter()
        fonts_dir = str(self.project.fonts.folder)
        new_fonts = any(path.startswith(fonts_dir) for path in changed)
        # Everything is read afresh; new fonts also need fresh workers (fontconfig reads its
        # fonts once per process), and a new digest draws every card again.
        self.project = self.project.renewed(fonts=new_fonts)
        if new_fonts:
            self._replace_pool()
        self._generation += 1
        try:
            targets, loose = self._plan()
        except CardgenError as exc:
            self._fail_all(exc.problems)
            return
        todo = self._apply_plan(targets, loose)
        self._publish_status("rendering" if todo else "idle", started, changed, len(todo))
        failed = self._render(todo)
        if self._broken:  # its cards show the error until their files change
            self._broken = False
            self._replace_pool(broken=self._pool)
        self._publish_status("idle", started, changed, len(todo), failed)
        names = sorted({Path(p).name for p in changed})
        what = f"{', '.join(names[:3])}{' …' * (len(names) > 3)} changed: " if names else ""
        self.log(
            f"{time.strftime('%H:%M:%S')} {what}{len(todo)} card{'s' * (len(todo) != 1)} "
            f"rendered ({failed} failed) in {time.perf_counter() - started:.2f} s"
        )
        self._log_problems()

    def _log_problems(self) -> None:
        """Print problems once, when they appear, as the CLI words them."""
        with self._lock:
            now = set(self.problems)
            for card in self.cards.values():
                if not card.expect_error:
                    now.update(card.problems)
        for problem in sorted(now - self._printed):
            self.log(problem)
        self._printed = now

    def _replace_pool(self, broken: ProcessPoolExecutor | None = None) -> None:
        with self._lock:
            if broken is not None and self._pool is not broken:
                return  # another thread replaced it already
            old, self._pool = self._pool, worker.new_pool(self.jobs)
        if old is not None:
            old.shutdown(wait=False, cancel_futures=True)

    def _submit(self, *args: Any) -> Future[worker.Outcome]:
        """Render in a worker; a pool whose worker died (a crash in a library) is replaced."""
        pool = self._pool
        assert pool is not None
        try:
            return pool.submit(worker.render, *args)
        except BrokenProcessPool:
            self._replace_pool(broken=pool)
            assert self._pool is not None
            return self._pool.submit(worker.render, *args)

    def _plan(self) -> tuple[list[Target], list[Problem]]:
        """Every card the page should show, with its job or its problems."""
        project = self.project
        formats = project.formats  # a broken formats.toml stops every card
        tmpl = project.templates
        kinds = {name: fmt.kinds for name, fmt in formats.items()}
        missing = {
            (kind, f): [Problem(file=tmpl.where(name), message="template not found", template=name)]
            for f in formats
            for kind in kinds[f]
            if not tmpl.path(name := template_name(kind, f)).is_file()
        }
        usable = [f for f in formats if not any((k, f) in missing for k in kinds[f])]
        campaign, fatal = None, []
        try:
            from ..model import open_campaign

            campaign = open_campaign(project)
        except CardgenError as exc:  # campaign.toml, or the cases folder itself
            fatal = exc.problems
        # The stress row is planned with the real cases (see stress.py), per format.
        stress: dict[str, list[StressCard]] = {}
        blocked = {f: fatal + missing.get(("case", f), []) for f in formats}
        the_plan = None
        if usable and campaign is not None:
            for f in usable:
                if "case" in kinds[f]:
                    stress[f] = stress_row(
                        project, campaign, formats[f], blocked=blocked[f], memo=self._title_fits
                    )
            extra = {f: [c.loaded for c in row if c.loaded] for f, row in stress.items()}
            try:
                the_plan = plan(project, formats=usable, extra=extra)
            except CardgenError as exc:
                fatal = exc.problems
        found = list(the_plan.problems) if the_plan else []
        used: set[int] = set()

        def take(match: Callable[[Problem], bool]) -> list[Problem]:
            hits = [i for i, p in enumerate(found) if match(p)]
            used.update(hits)
            return [found[i] for i in hits]

        def of_template(kind: str, fmt: str) -> list[Problem]:
            name = template_name(kind, fmt)
            return missing.get((kind, fmt)) or take(lambda p: p.template == name)

        jobs = {
            (j.format, j.slug, j.source.text_file.startswith("stress/")): j
            for j in (the_plan.jobs if the_plan else [])
        }
        for loaded in the_plan.cases if the_plan else []:
            self._rows[loaded.slug] = ("case", loaded.case.day, loaded.case.title)
        for job in the_plan.jobs if the_plan else []:
            if job.kind not in ("case", "launch"):  # e.g. a campaign summary
                title = str(job.context.get("title") or job.kind.capitalize())
                self._rows[job.slug] = (job.kind, job.context.get("day"), title)
        # (slug, kind, day, title): launch first, then by day; remembered rows keep their
        # place while their file is broken.
        rows = [(LAUNCH, "launch", 0, "Launch graphic")]
        paths = case_paths(project.cases_dir) if project.cases_dir.is_dir() else []
        for path in paths:
            _, day, title = self._rows.get(path.stem, ("case", None, path.name))
            rows.append((path.stem, "case", day, title))
        rows += [(s, k, d, t) for s, (k, d, t) in self._rows.items() if k not in ("case", LAUNCH)]
        rows[1:] = sorted(rows[1:], key=lambda r: (r[2] is None, r[2] or 0, r[0]))
        own = {path.stem: fatal + take(lambda p, s=path.stem: p.slug == s) for path in paths}
        targets, stress_targets = [], []  # the campaign's cards first on the page, then stress
        for fmt in formats:
            broken = {kind: of_template(kind, fmt) for kind in kinds[fmt]}
            for slug, kind, day, title in rows:
                if kind not in kinds[fmt]:
                    continue
                card = Card(f"card/{fmt}/{slug}", "card", fmt, slug, day, title, kind)
                when = f"day {day} · " if day is not None else "unscheduled · " * (kind == "case")
                card.caption = f"{when}{slug} · {fmt}"
                problems = own.get(slug, fatal) + broken[kind]
                targets.append(Target(card, jobs.get((fmt, slug, False)), problems))
            if "case" in kinds[fmt]:
                row = stress.get(fmt) or stress_row(
                    project, None, formats[fmt], blocked=fatal + broken["case"]
                )
                stress_targets += self._stress_targets(formats[fmt], row, jobs, broken["case"])
        targets += stress_targets
        loose = fatal + [p for i, p in enumerate(found) if i not in used]
        self.formats = [
            {"name": f.name, "width": f.width, "height": f.height, "description": f.description}
            for f in formats.values()
        ]
        return targets, loose

    def _stress_targets(
        self,
        fmt: Format,
        row: list[StressCard],
        jobs: dict[tuple[str, str, bool], Job],
        broken: list[Problem],
    ) -> list[Target]:
        """The stress row of one format: built-in cases through the case template."""
        targets = []
        for item in row:
            card_id = f"stress/{fmt.name}/{item.name}"
            card = Card(card_id, "stress", fmt.name, item.name, None, item.caption)
            card.caption, card.expect_error = f"{item.caption} · {fmt.name}", item.expect_error
            job = jobs.get((fmt.name, item.name, True)) if item.loaded else None
            problems = item.problems or (
                [] if job else broken or [Problem(file=card_id, message="not planned")]
            )
            targets.append(Target(card, job, problems))
        return targets

    def _apply_plan(self, targets: list[Target], loose: list[Problem]) -> list[tuple[str, Job]]:
        """Update the cards from a plan; returns the (card id, job) pairs to render."""
        todo, changed = [], []
        with self._lock:
            order = [t.card.id for t in targets]
            restructured = order != self.order
            cards = {}
            for target in targets:
                card, job = self.cards.get(target.card.id) or target.card, target.job
                before = card.public()
                fresh = target.card
                card.day, card.title, card.kind = fresh.day, fresh.title, fresh.kind
                card.caption = fresh.caption
                card.expect_error, card.job = fresh.expect_error, job
                if target.problems or job is None:
                    problems = target.problems or [Problem(file=card.id, message="not planned")]
                    card.status, card.key = "failed", None
                    card.problems = [str(p) for p in problems]
                elif job.key == card.key and card.status != "pending":
                    pass  # unchanged: the page shows this key's outcome already
                elif job.key == card.png_key:  # back to an image we have (an undo)
                    card.status, card.key, card.problems = "ok", job.key, []
                else:
                    card.status = "pending"
                    todo.append((card.id, job))
                if card.public() != before:
                    changed.append(card.public())
                cards[card.id] = card
            self.cards, self.order = cards, order
            self.problems = [str(p) for p in loose]
            if restructured:
                self.hub.publish(sse("state", self._state()))
            elif changed:
                self.hub.publish(sse("cards", {"cards": changed}))
        return todo

    def _fail_all(self, problems: list[Problem]) -> None:
        """A problem that stops every card (campaign.toml, formats.toml): shown on each."""
        with self._lock:
            self.problems = [str(p) for p in problems]
            for card in self.cards.values():
                card.status, card.key, card.job = "failed", None, None
                card.problems = list(self.problems)
            self.status = {**self.status, "state": "idle", "problems": self.problems}
            self.hub.publish(sse("state", self._state()))
        self._log_problems()

    def _render(self, todo: list[tuple[str, Job]]) -> int:
        """Render in the pool, publishing each card when done; stop early on a newer change."""
        failed = 0
        futures: dict[Future[worker.Outcome], tuple[str, Job]] = {}
        for card_id, job in todo:
            futures[self._submit(self.project, job)] = (card_id, job)
        pending = set(futures)
        while pending:
            if self._dirty.is_set() or self._stop.is_set():  # re-plan first
                for future in pending:
                    future.cancel()
            done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            for future in done:
                if not future.cancelled():
                    failed += not self._finish(*futures[future], future)
        return failed

    def _finish(self, card_id: str, job: Job, future: Future[worker.Outcome]) -> bool:
        """Show a finished render; False if the card failed (and was not expected to)."""
        png, problems, sha = None, [], None
        try:
            problems, png, sha = future.result()
        except Exception as exc:  # a crashed worker or a bug: shown on the card
            problems = [str(_internal(exc, job.source.template_file))]
            self._broken |= isinstance(exc, BrokenProcessPool)
        with self._lock:
            card = self.cards.get(card_id)
            if card is None or card.job is None or card.job.key != job.key:
                return True  # re-planned meanwhile
            card.key = job.key
            if png is not None and sha is not None:
                card.status, card.problems = "ok", []
                card.png, card.sha, card.png_key = png, sha, job.key
            else:
                card.status, card.problems = "failed", problems or ["failed"]
            self.hub.publish(sse("cards", {"cards": [card.public()]}))
            return card.status == "ok" or card.expect_error

    def _publish_status(
        self, state: str, started: float, changed: set[str], todo: int, failed: int = 0
    ) -> None:
        with self._lock:
            self.status = {
                "state": state,
                "cycle": self._generation,
                "changed": sorted({Path(p).name for p in changed}),
                "rendered": todo,
                "failed": failed,
                "seconds": round(time.perf_counter() - started, 3),
                "problems": self.problems,
            }
            self.hub.publish(sse("status", self.status))

    # --- what the HTTP handler asks for ---

    def _state(self) -> dict[str, Any]:
        return {
            "formats": self.formats,
            "cards": [self.cards[i].public() for i in self.order],
            "problems": self.problems,
            "status": self.status,
            "watching": [self.project.display(p) for p in self.watched],
        }

    def state(self) -> dict[str, Any]:
        """The whole page's data."""
        with self._lock:
            return self._state()

    def subscribe(self) -> queue.Queue[bytes | None]:
        """A new page's event queue, starting with the whole state."""
        with self._lock:
            return self.hub.subscribe(sse("state", self._state()))

    def unsubscribe(self, events: queue.Queue[bytes | None]) -> None:
        """Forget a page that went away."""
        self.hub.unsubscribe(events)

    def image(self, card_id: str) -> tuple[bytes, str] | None:
        """A card's last good PNG and its sha256."""
        with self._lock:
            card = self.cards.get(card_id)
            if card is None or card.png is None or card.sha is None:
                return None
            return card.png, card.sha

    def debug_image(self, card_id: str) -> bytes | None:
        """The card with text boxes, baselines and the safe margin drawn over it."""
        with self._lock:
            card = self.cards.get(card_id)
            job = card.job if card is not None and card.status != "failed" else None
            cached = self._debug.get(card_id)
            project = self.project
        if job is None:
            return None
        if cached and cached[0] == job.key:
            return cached[1]
        future = self._submit(project, job, True)
        _, png, _ = future.result(timeout=RENDER_TIMEOUT_S)
        if png is None:
            return None
        with self._lock:
            self._debug[card_id] = (job.key, png)
        return png
