"""`bulletins worker`: N processes × M threads consuming build jobs from Redis.

Each process runs a Dramatiq `Worker` (its threads take messages from the queue) and a
heartbeat thread that (1) upserts its row in `worker_heartbeats` for `bulletins status`
and /healthz, and (2) refreshes the broker's own heartbeat in Redis. Dramatiq's Redis
consumer only heartbeats when it fetches, so a process busy with a long build would look
dead and its message be handed to another worker; refreshing it from this thread ties
redelivery to the process really being gone (killed, crashed, machine down).

The parent process starts the children, restarts one that dies, and on SIGTERM/Ctrl-C
stops them all (a child finishes its current build first; what it had not acknowledged
goes back to the queue).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import socket
import threading
import time
from pathlib import Path

from sqlalchemy import delete, update
from sqlalchemy.exc import SQLAlchemyError

from ..config import Settings, load_settings
from ..db import session_factory, utcnow
from . import jobs
from .tables import WorkerBeat

log = logging.getLogger("bulletins.worker")
BEAT_S = 2.0
FETCH_IDLE_MS = 100


def _beat(settings: Settings, broker, worker_id: str, stop: threading.Event) -> None:  # noqa: ANN001
    from dramatiq.common import current_millis

    Session = session_factory(settings.db_url)
    with Session.begin() as s:
        s.merge(WorkerBeat(worker_id=worker_id, host=socket.gethostname(), pid=os.getpid(),
                           started_at=utcnow(), seen_at=utcnow(), current_job=None))
    hb_key = f"{broker.namespace}:__heartbeats__"
    while not stop.wait(BEAT_S):
        try:
            broker.client.zadd(hb_key, {broker.broker_id: current_millis()})
        except Exception as exc:  # noqa: BLE001 - Redis away: the consumer reconnects
            log.warning("cannot reach Redis: %s", exc)
        try:
            with Session.begin() as s:
                s.execute(update(WorkerBeat).where(WorkerBeat.worker_id == worker_id)
                          .values(seen_at=utcnow(), current_job=jobs.current_job))
        except SQLAlchemyError as exc:
            log.warning("cannot write heartbeat: %s", exc)
    with Session.begin() as s:
        s.execute(delete(WorkerBeat).where(WorkerBeat.worker_id == worker_id))


def _warm_up() -> None:
    """Import the build's modules before saying ready: seconds (numpy, SQLAlchemy models,
    the normalizer's tables) a process would otherwise spend inside its first job, when the
    morning slot is waiting."""
    from .. import loudness, master, mp3, normalize, pipeline, synth  # noqa: F401


def _on_stop_signal() -> list[int]:
    """SIGTERM/SIGINT append to the returned list (true once one came). Only that: a handler
    runs on the main thread between bytecodes, so one that took a lock (Event.set) could
    interrupt the main thread inside the same lock and deadlock it; a process manager that
    signals the whole group sends SIGTERM twice to a child (the group's and the parent's)."""
    got: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, _frame: got.append(signum))
    signal.signal(signal.SIGINT, lambda signum, _frame: got.append(signum))
    return got


def _wait_for_signal() -> None:
    got = _on_stop_signal()
    while not got:
        time.sleep(0.2)


def run_process(home: str, threads: int, index: int = 0) -> None:
    """One worker process, in the foreground until SIGTERM/SIGINT."""
    import dramatiq

    settings = load_settings(home)
    _warm_up()
    jobs._worker_settings = settings
    broker = jobs.broker(settings)
    dramatiq.set_broker(broker)
    worker_id = jobs._worker_id = f"{jobs.worker_name()}#{index}"
    stop = threading.Event()
    beat = threading.Thread(target=_beat, args=(settings, broker, worker_id, stop),
                            name="heartbeat", daemon=True)
    beat.start()
    # worker_timeout bounds the consumer's idle back-off: with prefetch = threads, the
    # consumer sleeps while a build runs and only acknowledges it, and fetches the next
    # message, when it wakes. Dramatiq's 1 s left ~25 % of a 1 s-per-job slot idle.
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=FETCH_IDLE_MS)
    worker.queue_prefetch = threads  # a busy worker does not hold jobs an idle one could run
    worker.start()
    log.info("worker %s ready (%d threads, queue %s)", worker_id, threads,
             settings.workers.queue)
    print(f"Tiến trình dựng {worker_id} sẵn sàng ({threads} luồng).", flush=True)
    _wait_for_signal()
    stop.set()
    worker.stop()
    beat.join(timeout=10)
    broker.close()


def _child(home: str, threads: int, index: int) -> None:
    logging.basicConfig(level=logging.INFO,
                        format=f"%(asctime)s worker#{index} %(levelname)s %(name)s: %(message)s")
    run_process(home, threads, index)


def run(settings: Settings, processes: int, threads: int) -> None:
    """Start `processes` worker processes (one runs in this process when N is 1)."""
    home = str(Path(settings.home))
    if processes <= 1:
        run_process(home, threads)
        return
    ctx = mp.get_context("spawn")  # a fresh interpreter: no inherited DB/Redis connections
    stopping = _on_stop_signal()
    children: dict[int, mp.Process] = {}

    def start(i: int) -> None:
        p = ctx.Process(target=_child, args=(home, threads, i), name=f"bulletins-worker-{i}")
        p.start()
        children[i] = p

    for i in range(processes):
        start(i)
    while not stopping:
        time.sleep(0.5)
        for i, p in list(children.items()):
            if not p.is_alive():
                log.warning("worker process %d (pid %s) exited with %s: restarting", i, p.pid,
                            p.exitcode)
                start(i)
    for p in children.values():
        if p.is_alive():
            os.kill(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    for p in children.values():
        p.join(timeout=max(0.1, deadline - time.monotonic()))
