"""Scheduler and playback (issue 4): build each slot ahead of time, play it on time, log it.

Modules: ``service`` (the APScheduler service, catch-up after restarts), ``jobs`` (job
functions by textual reference), ``times`` (slot arithmetic), ``players`` (command, null,
built-in sound output), ``broadcast`` (the broadcast log), ``lock`` (one scheduler per
home, heartbeat), ``alerts`` (emergency bulletins), ``commands`` (CLI: schedule, alert, log).
"""

from __future__ import annotations

from .service import Service, run_foreground

__all__ = ["Service", "run_foreground"]
