"""Commune station machines: a PC by the amplifier that plays what a province server built.

- server.py — the server side: per-station tokens (hashed, revocable), report ingestion
  (one broadcast-log row per report id; items marked aired from these reports alone),
  last contact and what each station holds. The HTTP API is bulletins/web/station_api.py.
- client.py — the station side's HTTP client (stdlib urllib; no inbound port anywhere).
- runner.py — `bulletins station run`: sync, download (Range resume, sha256, atomic), play at
  slot time through schedule/players.py, spool reports, listen for emergencies (long-poll).
- commands.py — `bulletins station token|join|run`.
"""

CONFIG_NAME = "station.json"  # in a joined home: server URL, station id, token (mode 0600)
