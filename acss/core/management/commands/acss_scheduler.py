"""Enqueue the periodic tasks of every application: ``manage.py acss_scheduler [--once] [--interval 60]``.

A small loop, one tick every ``--interval`` seconds. What a tick runs is declared by each application in its
``tasks`` module (``acss.core.schedule``): first, in this process rather than through the queue it repairs, what
takes up again what workers that died left in flight (the incidents' ``reclaim_expired_leases``: tasks RUNNING
and notifications "sending" past their lease); then it enqueues, for the workers (``manage.py db_worker``), the
reminders, the retry of pending notifications, the escalation of on-call alerts and the watch's import.
Several schedulers may run on several machines: reclaiming is made of conditional updates, enqueuing twice is
harmless, the tasks deduplicate. SIGTERM or SIGINT stops the loop between two ticks.
"""

from __future__ import annotations

import logging
import signal
import threading
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from acss.core.schedule import schedule

logger = logging.getLogger("acss.scheduler")


def _task_name(task_obj) -> str:
    return task_obj.name if hasattr(task_obj, "name") else str(task_obj)


class Command(BaseCommand):
    help = "Met en file d'attente, à intervalle régulier, les rappels et les nouveaux essais de notification."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Une seule fois, puis s'arrête.")
        parser.add_argument(
            "--interval", type=float, default=60.0, help="Secondes entre deux passages (60 par défaut)."
        )

    def handle(self, *args, once: bool = False, interval: float = 60.0, **options) -> None:
        if interval <= 0:
            raise CommandError("--interval doit être positif.")
        if once:
            self.tick()
            return
        stop = threading.Event()

        def _stop(signum, frame) -> None:
            logger.info("planificateur : signal %s reçu, arrêt", signal.Signals(signum).name)
            stop.set()

        previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        logger.info("planificateur : démarré, un passage toutes les %s s", interval)
        try:
            while not stop.is_set():
                started = time.monotonic()
                close_old_connections()  # a long-lived process: drop a connection the database closed
                self.tick()
                close_old_connections()
                stop.wait(max(interval - (time.monotonic() - started), 0))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            logger.info("planificateur : arrêté")

    def tick(self) -> list[str]:
        """Run the repairs, then enqueue every scheduled task once; a failure (database unreachable…) is logged,
        the loop goes on."""
        planned = schedule()
        for repair in planned.run_in_scheduler:
            try:
                done = repair.call()
            except Exception:  # noqa: BLE001 - one failed tick must not stop the scheduler
                logger.exception("planificateur : échec de %s", _task_name(repair))
            else:
                if isinstance(done, dict) and any(done.values()):
                    logger.warning("planificateur : %s %s", _task_name(repair), done)
        enqueued, failed = [], []
        for task_obj in planned.scheduled_tasks:
            try:
                task_obj.enqueue()
            except Exception:  # noqa: BLE001 - one failed tick must not stop the scheduler
                logger.exception("planificateur : impossible de mettre %s en file", _task_name(task_obj))
                failed.append(_task_name(task_obj))
            else:
                enqueued.append(_task_name(task_obj))
        logger.info(
            "planificateur : %d tâche(s) mise(s) en file%s",
            len(enqueued),
            f", {len(failed)} en échec ({', '.join(failed)})" if failed else "",
        )
        return enqueued
