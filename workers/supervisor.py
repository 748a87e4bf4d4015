"""`wirewatch run`'s process supervisor: starts the scheduler and N workers as child processes,
restarts a child that dies, on SIGINT or SIGTERM stops them all within a bounded time, and on
SIGHUP asks for a reload (the children load the config again; see `workers.reload`)."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FrameType

log = logging.getLogger(__name__)

GRACE = 6.0  # seconds a child gets to finish after SIGTERM before SIGKILL
RESTART_DELAY_MAX = 30.0


@dataclass
class Child:
    name: str
    argv: Sequence[str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    not_before: float = 0.0
    started_at: float = 0.0


class Supervisor:
    def __init__(
        self,
        children: list[Child],
        env: dict[str, str],
        on_reload: Callable[[], object] | None = None,
        changed: Callable[[], bool] | None = None,
        keep_up: Callable[[], object] | None = None,
    ) -> None:
        self.children = children
        self.env = env
        self.on_reload = on_reload
        self.changed = changed  # `run --watch`: whether the config files changed since last asked
        self.keep_up = keep_up  # each round: what else must run (the embedded Redis), started again
        self._stop = False

    def _spawn(self, child: Child) -> None:
        child.process = subprocess.Popen(
            child.argv, env=self.env, start_new_session=True, preexec_fn=die_with_parent
        )
        child.started_at = time.monotonic()
        log.info("%s: started (pid %d)", child.name, child.process.pid)

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        log.info("supervisor: %s received, stopping", signal.Signals(signum).name)
        self._stop = True

    def request_reload(self, signum: int, frame: FrameType | None) -> None:
        if self.on_reload is None:
            self.request_stop(signum, frame)
            return
        log.info("supervisor: SIGHUP received, reloading the config")
        self._reload()

    def _reload(self) -> None:
        if self.on_reload is not None:  # from a thread: not in a signal handler
            threading.Thread(target=self.on_reload, name="reload", daemon=True).start()

    def run(self) -> int:
        old = {s: signal.signal(s, self.request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
        old[signal.SIGHUP] = signal.signal(signal.SIGHUP, self.request_reload)
        try:
            for child in self.children:
                self._spawn(child)
            looked = time.monotonic()
            while not self._stop:
                self._tend()
                if self.keep_up is not None:
                    self.keep_up()
                time.sleep(0.2)
                if self.changed is not None and time.monotonic() - looked >= 1.0:
                    looked = time.monotonic()
                    if self.changed():
                        log.info("supervisor: a config file changed, reloading")
                        self._reload()
        finally:
            self._stop_all()
            for s, handler in old.items():
                signal.signal(s, handler)
        return 0

    def _tend(self) -> None:
        now = time.monotonic()
        for child in self.children:
            proc = child.process
            if proc is not None and proc.poll() is None:
                continue
            if proc is not None:
                if now - child.started_at > 60:
                    child.restarts = 0  # it ran a good while: a fresh crash, not a crash loop
                delay = min(RESTART_DELAY_MAX, 2.0**child.restarts)
                log.warning("%s: exited with %s; restarting in %.0fs", child.name, proc.returncode, delay)
                child.process = None
                child.restarts += 1
                child.not_before = now + delay
            if now >= child.not_before:
                self._spawn(child)

    def _stop_all(self) -> None:
        alive = [c.process for c in self.children if c.process is not None and c.process.poll() is None]
        for proc in alive:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + GRACE
        for proc in alive:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("pid %d: still running after %.0fs, killing it", proc.pid, GRACE)
        for proc in alive:  # SIGKILL the whole group: stragglers and grandchildren (RQ's scheduler)
            _signal_group(proc, signal.SIGKILL)
            proc.wait()


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In the child, before exec: SIGTERM it when the supervisor dies, however it dies (even by
    SIGKILL, which no handler sees), so no scheduler, worker or Redis is left orphaned. The
    kernel sends it when the *thread* that started the child ends: start children from a thread
    that outlives them (the main thread, here). Linux only; no library wraps prctl, hence ctypes."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
