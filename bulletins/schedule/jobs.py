"""Job functions, referenced by text ("bulletins.schedule.jobs:play_slot") with plain
arguments, so APScheduler's SQLAlchemy job store can pickle them. Each forwards to the
Service running in this process for that home folder.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .service import Service

log = logging.getLogger("bulletins.schedule.jobs")
_services: dict[str, Service] = {}

BUILD_REF = "bulletins.schedule.jobs:build_slot"
PLAY_REF = "bulletins.schedule.jobs:play_slot"


def register(home: str, service: Service | None) -> None:
    if service is None:
        _services.pop(home, None)
    else:
        _services[home] = service


def _service(home: str) -> Service | None:
    svc = _services.get(home)
    if svc is None:
        log.error("no scheduler service running for %s in this process", home)
    return svc


def build_slot(home: str, station_id: str, slot_name: str, occurrence: str | None = None) -> None:
    svc = _service(home)
    if svc is not None:
        svc.build_slot(station_id, slot_name,
                       datetime.fromisoformat(occurrence) if occurrence else None)


def play_slot(home: str, station_id: str, slot_name: str,
              scheduled_at: str | None = None) -> None:
    svc = _service(home)
    if svc is not None:
        svc.play_slot(station_id, slot_name,
                      datetime.fromisoformat(scheduled_at) if scheduled_at else None)
