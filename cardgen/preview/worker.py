"""The preview's worker processes: started fresh ("spawn"), each draws one card at a time.

A worker leaves its life to the preview: it ignores the signals a terminal sends to the whole
process group (Ctrl-C, a closed window), since the preview stops its pool itself, and it ends
as soon as the preview process is gone, however that went (``kill -9``, a crash), so that no
worker, and then no resource tracker, outlives it.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor

from ..card import render as render_card
from ..errors import CardgenError
from ..plan import Job
from ..project import Project

# The project this worker drew its last card for. Each task brings the project (its folders
# and revision); while they are the same, its caches (templates, contrast backgrounds) and
# its fonts' measurements serve the next card too. The pool is replaced when fonts change.
_last: list[Project] = []

Outcome = tuple[list[str], bytes | None, str | None]  # (problems, PNG, its sha256)


def new_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes, set up to draw cards."""
    # spawn: fresh processes (the preview runs threads, so fork is unsafe), started once and
    # reused; the preview replaces the pool only when the fonts change (fontconfig reads them
    # once per process) or a worker died.
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=init
    )


def init() -> None:
    """Set up a new worker: signals and the watch on the preview process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        watch = threading.Thread(target=_end_with, args=(parent,), name="preview-parent")
        watch.daemon = True
        watch.start()


def _end_with(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()  # returns when the preview process has gone: nobody will stop this pool
    os._exit(0)


def render(project: Project, job: Job, debug: bool = False) -> Outcome:
    """Draw one card (pure: nothing is written); its problems as the CLI prints them."""
    if _last and _last[0].same(project):
        project = _last[0]
    elif _last and _last[0].fonts.folder == project.fonts.folder:
        project = dataclasses.replace(project, fonts=_last[0].fonts)
    _last[:] = [project]
    try:
        rendered = render_card(job, project, debug=debug)
    except CardgenError as exc:
        return [str(p) for p in exc.problems], None, None
    return [], rendered.png, rendered.sha256
