"""The preview's worker processes: started fresh ("spawn"), each draws one card at a time.

A worker leaves its life to the preview: it ignores the signals a terminal sends to the whole
process group (Ctrl-C, a closed window), since the preview stops its pool itself, and it ends
as soon as the preview process is gone, however that went (``kill -9``, a crash), so that no
worker, and then no resource tracker, outlives it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .. import fonts, text
from ..build import Job, Result, render_job
from ..templates import templates

_GENERATION = [-1]


def new_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes, set up to draw cards."""
    # spawn: fresh processes (the preview runs threads, so fork is unsafe), started once and
    # reused; the preview replaces the pool only when the fonts change (fontconfig reads them
    # once per process) or a worker died.
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=init
    )


def init() -> None:
    """Set up a new worker: signals, the watch on the preview process, fonts and measuring."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        watch = threading.Thread(target=_end_with, args=(parent,), name="preview-parent")
        watch.daemon = True
        watch.start()
    fonts.setup_fontconfig()
    text.measurer()


def _end_with(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()  # returns when the preview process has gone: nobody will stop this pool
    os._exit(0)


def render(
    job: Job, out_dir: Path, templates_dir: Path, generation: int, debug: bool = False
) -> tuple[Result, bytes | None]:
    """Render one card; returns the result and the PNG's bytes."""
    if generation != _GENERATION[0]:  # a new planning round: re-read formats and templates
        templates.cache_clear()
        _GENERATION[0] = generation
    result = render_job(job, out_dir, templates_dir=templates_dir, debug=debug)
    if result.status != "rendered":
        return result, None
    name = f"{job.format}/{job.slug}.debug.png" if debug else job.path
    return result, (out_dir / name).read_bytes()
