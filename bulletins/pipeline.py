"""The pipeline: queue → plan → script → normalize → synthesize → fit → master → publish.

`build_bulletin` is the one code path used by the CLI, the web app and the scheduler.
Stages are plain functions; this module wires them and owns the only loop that needs
measured audio (fitting), so the stages themselves stay pure.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from .audio import Clip, change_tempo
from .config import Settings, Slot, Station
from .errors import AudioError, SlotOverflowError
from .fit import Unit, choose_fit
from .models import PRIORITY_RANK, BuildRequest, BuildResult, Item, Part, SpokenPart
from .news import NewsQueue
from .plan import plan_bulletin
from .script import make_env, render_script

log = logging.getLogger("bulletins.pipeline")
Progress = Callable[[str, int, int], None]
MANIFEST_VERSION = 1


def _noop(_stage: str, _done: int, _total: int) -> None:
    pass


def next_slot(station: Station, now: datetime) -> tuple[date, Slot]:
    """The station's next slot at or after `now` (today, else the earliest slot tomorrow)."""
    today = now.date()
    upcoming = sorted(station.slots, key=lambda s: s.hms)
    for s in upcoming:
        h, m, sec = s.hms
        if datetime(today.year, today.month, today.day, h, m, sec) >= now:
            return today, s
    return today + timedelta(days=1), upcoming[0]


@dataclass
class _Job:
    """Everything one build needs, resolved once."""

    settings: Settings
    station: Station
    slot: Slot
    day: date
    slot_ms: int
    speaker: object
    lexicon: object
    progress: Progress
    emergency: bool = False
    unknown: dict[str, None] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        from .normalize import read_date, read_weekday

        self.env = make_env(self.settings.templates_dir)
        self.weekday = read_weekday(self.day)
        self.date_spoken = read_date(self.day)

    def script(self, items: list[Item]):  # noqa: ANN201
        return render_script(self.env, self.station, self.slot, self.day, items,
                             self.weekday, self.date_spoken, emergency=self.emergency)

    def spoken(self, text: str) -> str:
        from .normalize import normalize

        result = normalize(text, self.lexicon, self.settings.normalize)
        for tok in result.unknown:
            self.unknown.setdefault(tok, None)
        for w in result.warnings:
            if w not in self.warnings:
                self.warnings.append(w)
        return result.spoken

    def sentences(self, *texts: str) -> list[str]:
        from .normalize import split_sentences

        out: list[str] = []
        for t in texts:
            if t:
                out.extend(split_sentences(self.spoken(t)))
        return out

    def estimate(self, *texts: str) -> int:
        return sum(self.speaker.estimate_ms(self.sentences(t)) for t in texts if t)

    def speak(self, *texts: str) -> Clip:
        sents = self.sentences(*texts)
        if not sents:
            return Clip.silence(0, self.settings.audio.sample_rate)
        return self.speaker.speak(sents).clip


def _open_job(settings: Settings, req: BuildRequest, progress: Progress | None,
              speaker: object | None, emergency: bool = False) -> _Job:
    from .normalize import load_lexicon
    from .synth import Speaker

    station = settings.station(req.station_id)
    if req.slot is not None and not emergency:
        slot = station.slot(req.slot)
        day = req.day or date.today()
    elif emergency:
        now = datetime.now()
        slot = Slot(name=req.slot or f"khan-cap-{now:%H%M%S}", time=f"{now:%H:%M:%S}",
                    length_s=req.length_s or 600)
        day = req.day or now.date()
    else:
        day, slot = next_slot(station, datetime.now())
        day = req.day or day
    length_s = req.length_s or slot.length_s
    if length_s < 20:
        raise SlotOverflowError(f"Độ dài khung giờ {length_s} giây quá ngắn (tối thiểu 20 giây).")
    return _Job(
        settings=settings, station=station, slot=slot, day=day, slot_ms=length_s * 1000,
        speaker=speaker or Speaker(settings, station, req.engine),
        lexicon=load_lexicon(settings.lexicon_path),
        progress=progress or _noop, emergency=emergency,
    )


@dataclass(frozen=True)
class Preview:
    """What the next bulletin would hold, from estimates only (no audio is made)."""

    station_id: str
    day: date
    slot: str
    slot_ms: int
    chosen: tuple[Item, ...]
    deferred: tuple[Item, ...]
    too_long: tuple[Item, ...]
    estimated_ms: int
    item_estimates_ms: dict[int, int]
    script: list[tuple[str, str]]  # (kind/title, spoken text) in airing order


def _fixed_gap_ms(settings: Settings, jingle_ms: int, with_items: bool) -> int:
    parts = 3 if with_items else 2  # greeting, headlines, closing
    return 2 * jingle_ms + (parts + 1) * settings.audio.pause_ms


def preview(settings: Settings, station_id: str | None = None, day: date | None = None,
            slot: str | None = None, speaker: object | None = None) -> Preview:
    job = _open_job(settings, BuildRequest(station_id, day, slot), None, speaker)
    from .master import load_jingle

    jingle_ms = load_jingle(_jingle_path(settings), settings.audio.sample_rate).duration_ms
    candidates = NewsQueue(settings).candidates(job.station.id, job.day)
    plan, costs = _plan(job, candidates, jingle_ms)
    script = job.script(list(plan.chosen))
    lines = [("Lời chào", job.spoken(script.greeting))]
    if plan.chosen:
        heads = " ".join([script.headlines_intro, *script.headlines])
        lines.append(("Điểm tin", job.spoken(heads)))
    lines += [(it.title, job.spoken(t)) for it, t in zip(plan.chosen, script.items, strict=True)]
    lines.append(("Kết thúc", job.spoken(script.closing)))
    return Preview(job.station.id, job.day, job.slot.name, job.slot_ms, plan.chosen,
                   plan.deferred, plan.too_long, plan.estimated_ms, costs, lines)


def _plan(job: _Job, candidates: list[Item], jingle_ms: int):  # noqa: ANN202
    s = job.settings
    script = job.script(candidates)
    fixed = (job.estimate(script.greeting, script.headlines_intro, script.closing)
             + _fixed_gap_ms(s, jingle_ms, bool(candidates)))
    costs = {
        it.id: job.estimate(body, head) + s.audio.pause_ms + s.audio.sentence_pause_ms
        for it, body, head in zip(candidates, script.items, script.headlines, strict=True)
    }
    plan = plan_bulletin(
        candidates, job.slot_ms - s.audio.safety_ms, fixed, lambda it: costs[it.id],
        spare_ms=int(job.slot_ms * 0.35),
    )
    return plan, costs


def _jingle_path(settings: Settings) -> Path | None:
    if not settings.audio.jingle:
        return None
    p = Path(settings.audio.jingle).expanduser()
    return p if p.is_absolute() else settings.home / p


def build_bulletin(settings: Settings, req: BuildRequest, progress: Progress | None = None,
                   speaker: object | None = None) -> BuildResult:
    """Build, master and publish one bulletin; return where it was written."""
    job = _open_job(settings, req, progress, speaker)
    queue = NewsQueue(settings)
    candidates = queue.candidates(job.station.id, job.day)
    result = _build(job, candidates, fit=True)
    if req.mark_aired and result.manifest["items"]:
        queue.mark_aired(result.manifest["items"], job.station.id, job.day, job.slot.name)
    return result


def build_emergency(settings: Settings, station_id: str | None, item_ids: list[int],
                    progress: Progress | None = None) -> BuildResult:
    """A short bulletin of just these (urgent) items, to be played at once."""
    job = _open_job(settings, BuildRequest(station_id), progress, None, emergency=True)
    queue = NewsQueue(settings)
    items = [queue.get(i) for i in item_ids]
    return _build(job, items, fit=False)


def _build(job: _Job, candidates: list[Item], fit: bool) -> BuildResult:
    from .master import Tags, assemble, load_jingle, master
    from .publish import clean_stale_temp, publish, temp_mp3_path

    s, a = job.settings, job.settings.audio
    job.progress("plan", 0, 1)
    jingle = load_jingle(_jingle_path(s), a.sample_rate)
    if fit:
        plan, _costs = _plan(job, candidates, jingle.duration_ms)
        pool = sorted([*plan.chosen, *plan.spares],
                      key=lambda it: candidates.index(it))
        too_long = [it.id for it in plan.too_long]
    else:
        pool, too_long = list(candidates), []

    # Measure every item in the pool with the script as it would read in that position.
    script = job.script(pool)
    total_steps = len(pool) + 3
    units: list[Unit] = []
    for n, (it, body, head) in enumerate(
            zip(pool, script.items, script.headlines or [""] * len(pool), strict=True), 1):
        job.progress("synth", n, total_steps)
        item_ms = job.speak(body).duration_ms
        head_ms = job.speak(head).duration_ms if head else 0
        units.append(Unit(it.id, item_ms + head_ms + a.sentence_pause_ms, a.pause_ms,
                          urgent=it.priority == "urgent", title=it.title,
                          rank=PRIORITY_RANK.get(it.priority, 2)))

    tempo = 1.0
    selected = pool
    for attempt in range(6):
        if fit:
            fixed_speech = sum(job.speak(t).duration_ms for t in
                               (script.greeting, script.headlines_intro, script.closing))
            choice = choose_fit(
                fixed_speech, _fixed_gap_ms(s, jingle.duration_ms, bool(units)), units,
                job.slot_ms, a.safety_ms + 150 * attempt, a.fill_margin_s * 1000,
                a.max_tempo_change,
            )
            for w in choice.warnings:
                if w not in job.warnings:
                    job.warnings.append(w)
            by_id = {it.id: it for it in pool}
            selected = [by_id[i] for i in choice.item_ids]
            tempo = choice.tempo
        script = job.script(selected)
        job.progress("synth", total_steps - 2, total_steps)
        parts = _spoken_parts(job, selected, script, tempo)
        program, segments = assemble(parts, jingle, a.pause_ms)
        if not fit or program.duration_ms <= job.slot_ms - a.safety_ms:
            break
        log.info("attempt %d: %d ms over the limit, refitting", attempt,
                 program.duration_ms - (job.slot_ms - a.safety_ms))
    else:
        raise SlotOverflowError("Không xếp được bản tin vừa khung giờ.")
    if fit and program.duration_ms > job.slot_ms:
        raise SlotOverflowError("Không xếp được bản tin vừa khung giờ.")

    if not selected:
        job.warnings.append("Không có tin nào trong hàng đợi cho bản tin này: chỉ có lời chào "
                            "và lời kết.")
    job.progress("master", total_steps - 1, total_steps)
    out_dir = s.audio_out
    clean_stale_temp(out_dir)
    tmp = temp_mp3_path(out_dir, job.station.id, job.day, job.slot.name)
    title = f"Bản tin {job.station.name} {job.slot.name} {job.day:%d/%m/%Y}"
    try:
        mastered = master(program, segments, a, Tags(
            station_id=job.station.id, station_name=job.station.name, date=job.day,
            slot=job.slot.name, title=title, comment="Bản tin tự động",
        ), tmp, cache_dir=s.cache_dir / "master")
        if fit and mastered.duration_s * 1000 > job.slot_ms:
            raise AudioError(
                f"Bản tin sau khi mã hóa dài {mastered.duration_s:.2f} giây, vượt khung giờ.")
        selected_ids = [it.id for it in selected]
        manifest = {
            "version": MANIFEST_VERSION,
            "station": job.station.id,
            "station_name": job.station.name,
            "date": job.day.isoformat(),
            "slot": job.slot.name,
            "slot_s": job.slot_ms / 1000,
            "duration_s": round(mastered.duration_s, 3),
            "engine": job.speaker.engine_label,
            "fallbacks": list(job.speaker.stats.fallbacks),
            "loudness_lufs": round(mastered.loudness_lufs, 2),
            "true_peak_dbtp": round(mastered.true_peak_dbtp, 2),
            "loudness_target_lufs": a.loudness_lufs,
            "tempo": tempo,
            "emergency": job.emergency,
            "items": selected_ids,
            "deferred": [it.id for it in candidates if it.id not in selected_ids],
            "too_long": too_long,
            "segments": [seg.to_json() for seg in segments],
            "warnings": job.warnings,
            "unknown_tokens": list(job.unknown),
            "synthesized": job.speaker.stats.synthesized,
            "cache_hits": job.speaker.stats.cache_hits,
            "built_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        }
        transcript = _transcript(manifest)
        paths = publish(tmp, manifest, transcript, out_dir, job.station.id, job.day,
                        job.slot.name)
    finally:
        tmp.unlink(missing_ok=True)
    digest = hashlib.sha256(Path(paths.mp3).read_bytes()).hexdigest()
    NewsQueue(s).record_bulletin(
        job.station.id, job.day, job.slot.name, str(paths.mp3), digest, mastered.duration_s,
        manifest["engine"], manifest["items"], manifest["deferred"],
    )
    job.progress("done", total_steps, total_steps)
    return BuildResult(str(paths.mp3), str(paths.manifest), str(paths.transcript), manifest)


def _spoken_parts(job: _Job, items: list[Item], script, tempo: float) -> list[SpokenPart]:  # noqa: ANN001
    rate = job.settings.audio.sample_rate

    def part(kind: str, texts: list[str], item: Item | None = None) -> SpokenPart:
        sents = job.sentences(*texts)  # normalized once, for the audio and the manifest alike
        if sents:
            result = job.speaker.speak(sents)
            clip, engine = result.clip, result.engine
        else:
            clip, engine = Clip.silence(0, rate), job.speaker.engine_label
        return SpokenPart(
            Part(kind=kind, text=" ".join(sents), item_id=item.id if item else None,
                 title=item.title if item else "", priority=item.priority if item else ""),
            change_tempo(clip, tempo, cache_dir=job.settings.cache_dir / "tempo"), engine,
        )

    out = [part("greeting", [script.greeting])]
    if items and script.headlines_intro:
        out.append(part("headlines", [script.headlines_intro, *script.headlines]))
    for it, body in zip(items, script.items, strict=True):
        out.append(part("item", [body], it))
    out.append(part("closing", [script.closing]))
    return out


def _transcript(manifest: dict) -> str:
    lines = [
        f"{manifest['station_name']} — bản tin {manifest['slot']} ngày "
        f"{date.fromisoformat(manifest['date']):%d/%m/%Y}",
        f"Thời lượng: {manifest['duration_s']:.1f} giây / khung {manifest['slot_s']:.0f} giây",
        "",
    ]
    for seg in manifest["segments"]:
        if seg["kind"] in ("pause", "jingle"):
            continue
        m, sec = divmod(int(seg["start_s"]), 60)
        head = f"[{m:02d}:{sec:02d}]"
        if seg["title"]:
            head += f" {seg['title']}"
        lines += [head, seg["text"], ""]
    return "\n".join(lines).rstrip() + "\n"


__all__ = ["build_bulletin", "build_emergency", "preview", "Preview", "next_slot"]
