"""`assessor worker`: grade submissions from the queue."""

from __future__ import annotations

import logging
import os
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from assessor import jobs
from assessor.wording import plural


@click.command("worker")
@click.option(
    "--concurrency",
    "-c",
    type=click.IntRange(1, 64),
    default=None,
    help="Submissions graded at once (threads). Default: WORKER_CONCURRENCY, else the core count.",
)
@click.option(
    "--reaper/--no-reaper",
    default=True,
    show_default=True,
    help="Also run the reaper (lapsed leases, lost queue entries, expired attempts) every "
    "REAPER_INTERVAL_S seconds.",
)
@with_appcontext
def command(concurrency: int | None, reaper: bool) -> None:
    """Run a queue consumer that grades submissions in the sandbox.

    Start one per host with a Docker engine; with QUEUE_URL=redis://... any number of hosts
    share the queue. Stopping it (Ctrl-C, SIGTERM) loses nothing: unfinished work is leased,
    and the reaper hands it to another worker when the lease lapses.
    """
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    queue = jobs.queue()
    workers = concurrency or current_app.config["WORKER_CONCURRENCY"] or os.cpu_count() or 1
    sweep = getattr(queue.backend, "sweep_orphans", None)
    if sweep is not None:
        try:
            removed = sweep()
            if removed:
                click.echo(f"Removed {plural(len(removed), 'orphaned sandbox container')}.")
        except Exception as exc:  # the engine may be down: the worker still starts and waits
            click.echo(f"Orphan sweep skipped: {exc}", err=True)
    # Work left behind while no worker was running is picked up now, not a minute later.
    try:
        queue.reap()
    except Exception:  # the database may be down or drop us: the reaper thread tries again
        logging.getLogger(__name__).exception("start-up reap failed; the reaper will retry")
    click.echo(
        f"Worker: {plural(workers, 'thread')}, queue {current_app.config['QUEUE_URL']}, "
        f"sandbox {current_app.config['SANDBOX_BACKEND']}."
    )
    stop = threading.Event()
    if reaper:
        threading.Thread(
            target=queue.reap_forever, args=(stop,), name="reaper", daemon=True
        ).start()
    consumer = queue.huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=False,
        # Both queues block until a task comes (jobs.make_huey), so these only pace the
        # retries after an error reading the queue.
        initial_delay=0.05,
        backoff=1.5,
        max_delay=0.5,
        check_worker_health=True,
    )
    try:
        consumer.run()
    finally:
        stop.set()
        # Remove the pool's waiting containers; the orphan sweep would, but later.
        queue.backend.close()
