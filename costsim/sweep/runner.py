"""Running a sweep: tasks through an executor, stored as they finish, resumable."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from costsim.errors import InputError
from costsim.scenario import Scenario
from costsim.sweep.grid import Axis, grid, replication_seeds, scenario_data
from costsim.sweep.tasks import Task, load_done, run_task, store

#: progress(done, total, skipped)
SweepProgress = Callable[[int, int, int], None]


def make_tasks(
    scenario: Scenario,
    axes: list[Axis],
    replications: int,
    engine: str,
    catalog_files: list[str | Path] | None = None,
) -> list[Task]:
    """Every (point, replication) task of the sweep, in a fixed order."""
    data = scenario_data(scenario)
    seeds = replication_seeds(scenario.seed, replications)
    base_dir = str(scenario.base_dir) if scenario.base_dir is not None else None
    files = tuple(str(Path(f).resolve()) for f in catalog_files or [])
    return [
        Task(i, r, params, seeds[r], data, base_dir, engine, files)
        for i, params in enumerate(grid(axes))
        for r in range(replications)
    ]


_PR_SET_PDEATHSIG = 1
#: Dask's address schemes (``distributed.comm``); a bare ``host:port`` means tcp.
_SCHEDULER = re.compile(
    r"^(?:(?:tcp|tls|ws|wss|ucx)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$"
)


def _die_with_parent(parent_pid: int) -> None:
    """Worker initializer: end this worker when the sweep that started it ends, however it ends.

    On Linux the kernel sends SIGKILL when the parent dies (``PR_SET_PDEATHSIG``), which also
    covers a worker busy in a compiled kernel; elsewhere (and as a second net when a fork
    server stands between them) a thread polls the sweep's pid.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - prctl missing
            pass
    if os.getppid() != parent_pid and not _alive(parent_pid):
        os._exit(1)

    def watch() -> None:
        while _alive(parent_pid):
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="costsim-parent-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_scheduler(address: str) -> str:
    """A Dask scheduler address as ``tcp://host:port`` (or tls, ws, wss, ucx), or an InputError."""
    text = address.strip()
    match = _SCHEDULER.match(text)
    if match is None or not 0 < int(match.group(1)) < 65536:
        raise InputError(
            f"{address!r} is not a Dask scheduler address; write tcp://HOST:PORT, "
            "e.g. tcp://127.0.0.1:8786",
            field="--scheduler",
        )
    return text if "://" in text else f"tcp://{text}"


@contextmanager
def open_executor(workers: int | None, scheduler: str | None) -> Iterator[Executor]:
    """A local process pool, or a Dask cluster's executor when ``scheduler`` is given."""
    if scheduler is None:
        n = workers or os.cpu_count() or 1
        with ProcessPoolExecutor(
            max_workers=n, initializer=_die_with_parent, initargs=(os.getpid(),)
        ) as pool:
            yield pool
        return
    address = check_scheduler(scheduler)
    try:
        from distributed import Client
    except ImportError:
        raise InputError(
            "--scheduler needs Dask: pip install 'costsim[distributed]'", field="--scheduler"
        ) from None
    try:
        client = Client(address, timeout=10)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(
            f"cannot reach the Dask scheduler at {scheduler} ({exc}); start one with "
            "'dask scheduler' and workers with 'dask worker ADDRESS'",
            field="--scheduler",
        ) from None
    try:
        with client.get_executor() as pool:
            yield pool
    finally:
        client.close()


def normalised(record: dict[str, Any]) -> dict[str, Any]:
    """The record as it reads back from disk (sorted keys), so fresh and resumed runs agree."""
    return dict(json.loads(json.dumps(record, sort_keys=True)))


def execute(
    tasks: list[Task],
    folder: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: SweepProgress | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Run the tasks not already stored in ``folder``; return (all records, skipped count).

    Each result is written atomically as soon as it completes, so an interrupted sweep loses
    only the tasks in flight, and a rerun skips what is done.
    """
    folder.mkdir(parents=True, exist_ok=True)
    records: dict[str, dict[str, Any]] = {}
    todo = []
    for task in tasks:
        done = load_done(task, folder)
        if done is not None:
            records[task.filename] = done
        else:
            todo.append(task)
    skipped = len(tasks) - len(todo)
    if progress is not None:
        progress(skipped, len(tasks), skipped)
    if todo:
        if workers == 1 and scheduler is None:
            for task in todo:
                record = normalised(run_task(task))
                store(record, folder, task.filename)
                records[task.filename] = record
                if progress is not None:
                    progress(len(records), len(tasks), skipped)
        else:
            with open_executor(workers, scheduler) as pool:
                futures: dict[Future[dict[str, Any]], Task] = {
                    pool.submit(run_task, t): t for t in todo
                }
                try:
                    for fut in as_completed(futures):
                        task = futures[fut]
                        record = normalised(fut.result())
                        store(record, folder, task.filename)
                        records[task.filename] = record
                        if progress is not None:
                            progress(len(records), len(tasks), skipped)
                except BaseException:
                    for fut in futures:
                        fut.cancel()
                    raise
    ordered = [records[t.filename] for t in tasks]
    return ordered, skipped
