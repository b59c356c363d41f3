"""The pipeline: queue → plan → script → normalize → synthesize → fit → master → publish.

`build_bulletin` is the one entry point used by the CLI, the web app and the scheduler. It
holds the slot's build lock (locks.py) and runs three steps with plain data between them,
each safe to retry, so a worker can call them one by one:

    open_job(settings, BuildRequest) -> job          station, slot, day, speaker resolved once
    choose_items(job, candidates) -> Selection      estimates only; the preview uses it too
    make_audio(job, selection, candidates) -> Mastered   synthesis, fitting, mastering (temp)
    publish_and_record(settings, mastered) -> BuildResult   archive, rename, database record

A caller running the steps itself holds `locks.slot_lock` around them, as build_bulletin does.

Building is not airing: nothing here marks an item aired, except for a download-only home
(player "null"), where publishing *is* airing and is logged as outcome ``published``.
Urgent items always go in; when together they cannot fit, the build fails (SlotOverflowError)
rather than defer an emergency; a short slot gets a compact opening first (no headlines).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from .audio import Clip, change_tempo
from .config import Settings, Slot, Station
from .errors import AudioError, BulletinError, SlotOverflowError
from .fit import Unit, choose_fit, urgent_overflow
from .models import PRIORITY_RANK, BuildRequest, BuildResult, Item, Part, SpokenPart
from .news import NewsQueue
from .plan import plan_bulletin
from .script import make_env, render_script

log = logging.getLogger("bulletins.pipeline")
Progress = Callable[[str, int, int], None]
MANIFEST_VERSION = 1


def _noop(_stage: str, _done: int, _total: int) -> None:
    pass


def spoken_estimate_ms(speaker: object, spoken: str) -> int:
    """The one reading-time estimate (ms) of text already in spoken form. The editor's form
    while typing, the news list, the preview and the build's plan all call this."""
    from .normalize import split_sentences

    sentences = split_sentences(spoken) if spoken and spoken.strip() else []
    return int(speaker.estimate_ms(sentences)) if sentences else 0


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
    compact: bool = False  # short greeting and closing, no headlines (see choose_items)
    unknown: dict[str, None] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        from .normalize import read_date, read_weekday

        self.env = make_env(self.settings.templates_dir)
        self._normalized: dict[str, object] = {}
        self._scripts: dict[tuple, object] = {}
        self.weekday = read_weekday(self.day)
        self.date_spoken = read_date(self.day)

    def script(self, items: list[Item]):  # noqa: ANN201
        # Planning, measuring, fitting and speaking each ask for the same script.
        key = (self.compact, tuple(items))
        if key not in self._scripts:
            self._scripts[key] = render_script(
                self.env, self.station, self.slot, self.day, items, self.weekday,
                self.date_spoken, emergency=self.emergency, compact=self.compact)
        return self._scripts[key]

    def spoken(self, text: str) -> str:
        # Each text is read by the plan, the measuring and the speaking: normalize it once.
        result = self._normalized.get(text)
        if result is None:
            result = self._normalized[text] = _normalized(text, self.lexicon,
                                                          self.settings)
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
        return sum(spoken_estimate_ms(self.speaker, self.spoken(t)) for t in texts if t)

    def speak_ms(self, *texts: str, announcer: int = 0) -> int:
        """speak(*texts).duration_ms, without the samples (see Speaker.count)."""
        sents = self.sentences(*texts)
        if not sents:
            return 0
        n = self.speaker.count(sents, announcer)
        return round(n * 1000 / self.settings.audio.sample_rate)

    @property
    def announcers(self) -> int:
        """Two station voices take turns by item (synth.Speaker); one by default."""
        return getattr(self.speaker, "announcers", 1)


_NORMALIZED: dict[tuple, object] = {}  # (text, lexicon file state, settings) -> result


def _normalized(text: str, lexicon: object, settings: Settings):  # noqa: ANN202
    """normalize() of a text, remembered in this process: a worker building many bulletins
    from shared news reads each item once. The key holds the station lexicon file's state
    (size, mtime), so an edited lexicon is read afresh."""
    from .normalize import normalize

    path = settings.lexicon_path
    try:
        st = path.stat() if path is not None else None
        state = (str(path), st.st_size, st.st_mtime_ns) if st else None
    except OSError:
        state = (str(path), None, None)
    try:
        key = (text, state, settings.normalize)
        hash(key)
    except TypeError:  # settings that cannot be a key: normalize every time
        return normalize(text, lexicon, settings.normalize)
    result = _NORMALIZED.get(key)
    if result is None:
        if len(_NORMALIZED) > 20_000:
            _NORMALIZED.clear()
        result = _NORMALIZED[key] = normalize(text, lexicon, settings.normalize)
    return result


def forget_memos() -> None:
    """Forget what this process remembers of earlier builds: normalized texts, cache keys,
    checked speech and piece cache entries. For a long-running process whose cache folder
    was emptied, and for measuring builds from an empty cache (bench/bench_build.py)."""
    from .filememo import forget_all
    from .synth.cache import cache_key
    from .synth.estimate import _features

    _NORMALIZED.clear()
    forget_all()
    cache_key.cache_clear()
    _features.cache_clear()


def open_job(settings: Settings, req: BuildRequest, progress: Progress | None = None,
             speaker: object | None = None, emergency: bool = False) -> _Job:
    """Resolve a request (station, slot, day, engine) into the job the steps share."""
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
class Selection:
    """What a build of the slot airs, chosen from estimates (step 1's output)."""

    chosen: tuple[Item, ...]
    deferred: tuple[Item, ...]
    too_long: tuple[Item, ...]
    estimated_ms: int
    item_estimates_ms: dict[int, int]
    compact: bool


@dataclass(frozen=True)
class Mastered:
    """A finished MP3 in a temporary file beside its final place, and its manifest
    (step 2's output; `manifest["sha256"]` is the temporary file's hash)."""

    tmp_mp3: str
    manifest: dict
    transcript: str


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
    compact: bool = False
    warnings: tuple[str, ...] = ()


def as_aired(item: Item, recordings: str) -> Item:
    """An item with both text and a recording as this slot airs it (`recordings` setting):
    "vi" reads the text only, "recording" plays the recording after the title, "both" both.
    An item with only one of them airs that one."""
    from dataclasses import replace

    if not (item.audio and item.body):
        return item
    if recordings == "vi":
        return replace(item, audio=None, audio_ms=None)
    if recordings == "recording":
        return replace(item, body="")
    return item


def _recording_gap_ms(job: _Job, item: Item) -> int:
    """A recording's share of the bulletin: its measured length and the pause before it.
    Never scaled by tempo: the fit counts it as gap, not speech."""
    return item.audio_ms + job.settings.audio.pause_ms if item.audio and item.audio_ms else 0


def _fixed_pauses(with_items: bool, compact: bool = False) -> int:
    """Pauses of the opening and closing: one before each part (greeting, headlines,
    closing) and one before the closing jingle."""
    return (3 if with_items and not compact else 2) + 1


def _fixed_gap_ms(settings: Settings, jingle_ms: int, with_items: bool,
                  compact: bool = False) -> int:
    return 2 * jingle_ms + _fixed_pauses(with_items, compact) * settings.audio.pause_ms


def _jingle_ms(settings: Settings) -> int:
    from .master import load_jingle

    return load_jingle(_jingle_path(settings), settings.audio.sample_rate).duration_ms


def preview(settings: Settings, station_id: str | None = None, day: date | None = None,
            slot: str | None = None, speaker: object | None = None) -> Preview:
    """Exactly what `build_bulletin` of this slot would choose right now: same queue
    query, same estimates, same `choose_items`."""
    job = open_job(settings, BuildRequest(station_id, day, slot), None, speaker)
    candidates = NewsQueue(settings).candidates(job.station.id, job.day)
    sel = choose_items(job, candidates)
    script = job.script(list(sel.chosen))
    lines = [("Lời chào", job.spoken(script.greeting))]
    if sel.chosen and script.headlines_intro:
        heads = " ".join([script.headlines_intro, *script.headlines])
        lines.append(("Điểm tin", job.spoken(heads)))
    lines += [(it.title, job.spoken(t)) for it, t in zip(sel.chosen, script.items, strict=True)]
    lines.append(("Kết thúc", job.spoken(script.closing)))
    return Preview(job.station.id, job.day, job.slot.name, job.slot_ms, sel.chosen,
                   sel.deferred, sel.too_long, sel.estimated_ms, sel.item_estimates_ms, lines,
                   sel.compact, tuple(length_warnings(len(sel.chosen), sel.estimated_ms,
                                                      job.slot_ms, estimated=True)))


def length_warnings(n_items: int, length_ms: float, slot_ms: int,
                    estimated: bool = False) -> list[str]:
    """The operator's warnings about a (nearly) empty bulletin."""
    out = []
    if n_items == 0:
        out.append("Không có tin nào trong hàng đợi cho bản tin này: chỉ có lời chào và "
                   "lời kết.")
    if length_ms * 2 < slot_ms:
        what = "ước tính" if estimated else "dài"
        out.append(f"Bản tin {what} {length_ms / 1000:.0f} giây, chưa bằng nửa khung giờ "
                   f"{slot_ms / 1000:.0f} giây.")
    return out


def _plan(job: _Job, candidates: list[Item], jingle_ms: int):  # noqa: ANN202
    s = job.settings
    script = job.script(candidates)
    fixed = (job.estimate(script.greeting, script.headlines_intro, script.closing)
             + _fixed_gap_ms(s, jingle_ms, bool(candidates), job.compact))
    heads = script.headlines or ("",) * len(candidates)
    costs = {
        it.id: job.estimate(body, head) + s.audio.pause_ms + s.audio.sentence_pause_ms
        + _recording_gap_ms(job, it)
        for it, body, head in zip(candidates, script.items, heads, strict=True)
    }
    plan = plan_bulletin(
        candidates, job.slot_ms - s.audio.safety_ms, fixed, lambda it: costs[it.id],
    )
    return plan, costs


def _urgent_over(plan, costs: dict[int, int]) -> bool:  # noqa: ANN001
    return sum(costs[it.id] for it in plan.chosen if it.priority == "urgent") > plan.budget_ms


def choose_items(job: _Job, candidates: list[Item], jingle_ms: int | None = None) -> Selection:
    """Step 1 (estimates only, no audio): which items this bulletin airs.

    Urgent items always go in. When they do not fit beside the full opening, the bulletin
    gets the compact one; when they still do not fit, SlotOverflowError (never a deferral).
    Sets `job.compact` for the later steps.
    """
    jingle_ms = _jingle_ms(job.settings) if jingle_ms is None else jingle_ms
    candidates = [as_aired(it, job.slot.recordings) for it in candidates]
    job.compact = False
    plan, costs = _plan(job, candidates, jingle_ms)
    if _urgent_over(plan, costs):
        job.compact = True
        plan, costs = _plan(job, candidates, jingle_ms)
        if _urgent_over(plan, costs):
            urgent = [it for it in plan.chosen if it.priority == "urgent"]
            total = sum(costs[it.id] for it in urgent)
            raise urgent_overflow([(it.title, it.id) for it in urgent], total, job.slot_ms)
    return Selection(plan.chosen, plan.deferred, plan.too_long, plan.estimated_ms, costs,
                     job.compact)


def _jingle_path(settings: Settings) -> Path | None:
    if not settings.audio.jingle:
        return None
    p = Path(settings.audio.jingle).expanduser()
    return p if p.is_absolute() else settings.home / p


def build_bulletin(settings: Settings, req: BuildRequest, progress: Progress | None = None,
                   speaker: object | None = None) -> BuildResult:
    """Build, master and publish one bulletin, holding the slot's build lock throughout.

    A build that had to wait for another build of the same slot returns what that one
    published (`reused`) instead of building again. Nothing is marked aired.
    """
    from .locks import slot_lock
    from .publish import clean_slot_temp, clean_stale_temp, file_sha256, final_paths

    job = open_job(settings, req, progress, speaker)
    before = _current_sha(final_paths(settings.audio_out, job.station.id, job.day,
                                      job.slot.name).mp3, file_sha256)
    with slot_lock(settings, job.station.id, job.day, job.slot.name, wait=req.wait_s) as held:
        queue = NewsQueue(settings)
        queue.settle_publishing(job.station.id, job.day, job.slot.name, _agrees)
        current = published_result(settings, job.station.id, job.day, job.slot.name)
        if held.waited and current is not None and current.manifest["sha256"] != before:
            log.info("%s/%s/%s was built by another process meanwhile; using it",
                     job.station.id, job.day, job.slot.name)
            return BuildResult(current.mp3_path, current.manifest_path,
                               current.transcript_path, current.manifest, reused=True)
        if current is not None and not req.replace:
            raise ReplaceRefused(
                f"Khung giờ {job.slot.name} ngày {job.day:%d/%m/%Y} đã có bản tin.",
                "Xác nhận thay thế: bản cũ được lưu vào thư mục archive/ bên cạnh.",
            )
        clean_slot_temp(settings.audio_out, job.station.id, job.day, job.slot.name)
        clean_stale_temp(settings.audio_out)  # other slots' leftovers, once they are old
        candidates = queue.candidates(job.station.id, job.day)
        job.progress("plan", 0, 1)
        alert = urgent_alert_path(settings, job.station.id, job.day, job.slot.name)
        try:
            selection = choose_items(job, candidates)
            mastered = make_audio(job, selection, candidates)
        except SlotOverflowError as exc:
            if any(it.priority == "urgent" for it in candidates):
                _write_alert(alert, exc)
            raise
        result = publish_and_record(settings, mastered)
        alert.unlink(missing_ok=True)
        return result


def urgent_alert_path(settings: Settings, station_id: str, day: date, slot: str) -> Path:
    """The alert file a build that cannot air its urgent items leaves for operators and
    monitoring (removed by the next successful build of the slot)."""
    return settings.home / "run" / "urgent-failed" / f"{station_id}_{day.isoformat()}_{slot}.txt"


def _write_alert(path: Path, exc: BulletinError) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().astimezone().isoformat(timespec="seconds")
        path.write_text(f"{stamp}\n{exc}\n", encoding="utf-8")
    except OSError:
        log.exception("could not write the alert file %s", path)
    log.error("urgent items cannot air: %s", exc)


class ReplaceRefused(BulletinError):
    """The slot already holds a published bulletin and the caller did not confirm."""


def _current_sha(mp3: Path, sha: Callable[[Path], str]) -> str | None:
    try:
        return sha(mp3)
    except OSError:
        return None


def _agrees(path: str, sha256: str) -> bool:
    from .publish import agrees

    return agrees(path, sha256)


def published_result(settings: Settings, station_id: str, day: date,
                     slot: str) -> BuildResult | None:
    """The slot's published bulletin when its manifest and MP3 agree (sha256), else None."""
    import json

    from .publish import agrees, final_paths

    paths = final_paths(settings.audio_out, station_id, day, slot)
    try:
        manifest = json.loads(paths.manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not agrees(paths.mp3, manifest.get("sha256")):
        return None
    return BuildResult(str(paths.mp3), str(paths.manifest), str(paths.transcript), manifest)


def build_emergency(settings: Settings, station_id: str | None, item_ids: list[int],
                    progress: Progress | None = None) -> BuildResult:
    """A short bulletin of just these (urgent) items, to be played at once."""
    from .locks import slot_lock

    job = open_job(settings, BuildRequest(station_id), progress, None, emergency=True)
    queue = NewsQueue(settings)
    items = [queue.get(i) for i in item_ids]
    with slot_lock(settings, job.station.id, job.day, job.slot.name):
        sel = Selection(tuple(items), (), (), 0, {}, False)
        return publish_and_record(settings, make_audio(job, sel, items, fit=False))


def _measure(job: _Job, pool: list[Item]) -> list[Unit]:
    a = job.settings.audio
    script = job.script(pool)
    total_steps = len(pool) + 3
    units: list[Unit] = []
    for n, (it, body, head) in enumerate(
            zip(pool, script.items, script.headlines or [""] * len(pool), strict=True), 1):
        job.progress("synth", n, total_steps)
        # Which announcer reads an item depends on the final selection: fit on the longer.
        item_ms = max(job.speak_ms(body, announcer=k) for k in range(job.announcers))
        head_ms = job.speak_ms(head) if head else 0
        units.append(Unit(it.id, item_ms + head_ms + a.sentence_pause_ms,
                          a.pause_ms + _recording_gap_ms(job, it),
                          urgent=it.priority == "urgent", title=it.title,
                          rank=PRIORITY_RANK.get(it.priority, 2),
                          pauses=2 if _recording_gap_ms(job, it) else 1))
    return units


def _fit(job: _Job, pool: list[Item], units: list[Unit], jingle_ms: int, attempt: int):  # noqa: ANN202
    """choose_fit on measured lengths; a full opening that leaves urgent items no room
    gives way to the compact one."""
    a = job.settings.audio
    while True:
        script = job.script(pool)
        fixed_speech = sum(job.speak_ms(t) for t in
                           (script.greeting, script.headlines_intro, script.closing))
        try:
            return choose_fit(
                fixed_speech, _fixed_gap_ms(job.settings, jingle_ms, bool(units), job.compact),
                units, job.slot_ms, a.safety_ms + 150 * attempt, a.fill_margin_s * 1000,
                a.max_tempo_change, a.pause_ms, _fixed_pauses(bool(units), job.compact),
                a.max_pause_ms,
            )
        except SlotOverflowError:
            if job.compact or not any(u.urgent for u in units):
                raise
            job.compact = True
            if script.headlines:  # headlines no longer read: measure items without them
                units[:] = _measure(job, pool)


def make_audio(job: _Job, sel: Selection, candidates: list[Item],
               fit: bool = True) -> Mastered:
    """Step 2: speak the selection, fit it to the slot, master it into a temporary MP3.

    Only the temporary file is written, so a failed or retried step leaves nothing behind
    that a reader could take for a bulletin.
    """
    from .master import Tags, assemble, load_jingle, master
    from .publish import note_sha256, temp_mp3_path
    from .timeline import total_ms

    s, a = job.settings, job.settings.audio
    jingle = load_jingle(_jingle_path(s), a.sample_rate)
    pool = list(sel.chosen)  # exactly the preview's choice: fitting only drops, never adds
    units = _measure(job, pool)
    total_steps = len(pool) + 3
    tempo = 1.0
    pause_ms = a.pause_ms
    selected = pool
    for attempt in range(6):
        if fit:
            choice = _fit(job, pool, units, jingle.duration_ms, attempt)
            for w in choice.warnings:
                if w not in job.warnings:
                    job.warnings.append(w)
            by_id = {it.id: it for it in pool}
            selected = [by_id[i] for i in choice.item_ids]
            tempo, pause_ms = choice.tempo, choice.pause_ms
        script = job.script(selected)
        job.progress("synth", total_steps - 2, total_steps)
        parts = _spoken_parts(job, selected, script, tempo)
        if fit and a.pause_ms < pause_ms < a.max_pause_ms:
            # Sentences on the frame grid end a little earlier than measured: give the
            # pauses that closed the gap what the layout saved, never more than predicted.
            short = choice.predicted_ms - total_ms(
                [p.clip.duration_ms for p in parts], jingle.duration_ms, pause_ms)
            if short > 0:
                pause_ms = min(a.max_pause_ms, pause_ms + short // (len(parts) + 1))
        program, segments = assemble(parts, jingle, pause_ms)
        if not fit or program.duration_ms <= job.slot_ms - a.safety_ms:
            break
        log.info("attempt %d: %d ms over the limit, refitting", attempt,
                 program.duration_ms - (job.slot_ms - a.safety_ms))
    else:
        raise SlotOverflowError("Không xếp được bản tin vừa khung giờ.")
    if fit and program.duration_ms > job.slot_ms:
        raise SlotOverflowError("Không xếp được bản tin vừa khung giờ.")
    dropped = [it for it in pool if it not in selected]
    if dropped:
        job.warnings.append(
            "Đọc thật dài hơn ước tính: " + "; ".join(f"«{it.title}»" for it in dropped)
            + " chờ bản tin sau (khác bản xem trước).")

    job.progress("master", total_steps - 1, total_steps)
    tmp = temp_mp3_path(s.audio_out, job.station.id, job.day, job.slot.name)
    title = f"Bản tin {job.station.name} {job.slot.name} {job.day:%d/%m/%Y}"
    try:
        mastered = master(program, segments, a, Tags(
            station_id=job.station.id, station_name=job.station.name, date=job.day,
            slot=job.slot.name, title=title, comment="Bản tin tự động",
        ), tmp, cache_dir=s.cache_dir / "master")
        if fit and mastered.duration_s * 1000 > job.slot_ms:
            raise AudioError(
                f"Bản tin sau khi mã hóa dài {mastered.duration_s:.2f} giây, vượt khung giờ.")
        sha = mastered.sha256
        note_sha256(tmp, sha)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if not job.emergency:
        for w in length_warnings(len(selected), mastered.duration_s * 1000, job.slot_ms):
            if w not in job.warnings:
                job.warnings.append(w)
    selected_ids = [it.id for it in selected]
    manifest = {
        "version": MANIFEST_VERSION,
        "station": job.station.id,
        "station_name": job.station.name,
        "date": job.day.isoformat(),
        "slot": job.slot.name,
        "slot_s": job.slot_ms / 1000,
        "duration_s": round(mastered.duration_s, 3),
        "estimated_s": round(sel.estimated_ms / 1000, 1),
        "sha256": sha,
        "engine": job.speaker.engine_label,
        "fallbacks": list(job.speaker.stats.fallbacks),
        "skipped_engines": list(getattr(job.speaker.stats, "skipped", [])),
        "loudness_lufs": round(mastered.loudness_lufs, 2),
        "true_peak_dbtp": round(mastered.true_peak_dbtp, 2),
        "loudness_target_lufs": a.loudness_lufs,
        "tempo": tempo,
        "pause_ms": pause_ms,
        "emergency": job.emergency,
        "compact": job.compact,
        "items": selected_ids,
        "urgent": [it.id for it in selected if it.priority == "urgent"],
        "deferred": [it.id for it in candidates if it.id not in selected_ids],
        "too_long": [it.id for it in sel.too_long],
        "segments": _segments_json(segments, parts),
        "warnings": job.warnings,
        "unknown_tokens": list(job.unknown),
        "synthesized": job.speaker.stats.synthesized,
        "cache_hits": job.speaker.stats.cache_hits,
        "built_at": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    job.progress("done", total_steps, total_steps)
    return Mastered(str(tmp), manifest, _transcript(manifest))


def publish_and_record(settings: Settings, m: Mastered) -> BuildResult:
    """Step 3: record the bulletin as "publishing", archive what the slot held, rename the
    files into place, then mark the record published. A crash at any point leaves either
    nothing live, or files whose hashes agree with a record (settled by the next build)."""
    from .publish import final_paths, publish

    man = m.manifest
    station_id, slot = man["station"], man["slot"]
    day = date.fromisoformat(man["date"])
    queue = NewsQueue(settings)
    final = final_paths(settings.audio_out, station_id, day, slot)
    rec_id = queue.begin_bulletin(station_id, day, slot, str(final.mp3), man["sha256"],
                                  man["duration_s"], man["engine"], man["items"],
                                  man["deferred"])
    try:
        paths = publish(Path(m.tmp_mp3), man, m.transcript, settings.audio_out, station_id,
                        day, slot)
    except BaseException:
        queue.drop_bulletin(rec_id)
        Path(m.tmp_mp3).unlink(missing_ok=True)
        raise
    queue.finish_bulletin(rec_id, paths.archived)
    if paths.archived:
        man["archived"] = list(paths.archived.values())
    if settings.playback.player == "null" and not man.get("emergency"):
        from .station.server import has_machine

        if not has_machine(settings, station_id):  # a station machine reports its airings
            _log_published(settings, man, str(paths.mp3))
    return BuildResult(str(paths.mp3), str(paths.manifest), str(paths.transcript), man)


def _log_published(settings: Settings, man: dict, mp3: str) -> None:
    """A download-only home: publishing is airing. One log row, then the marking."""
    from .schedule.broadcast import BroadcastLogBook

    station = settings.station(man["station"])
    day = date.fromisoformat(man["date"])
    h, mi, sec = station.slot(man["slot"]).hms
    now = datetime.now()
    BroadcastLogBook(settings).add(
        station=station.id, slot=man["slot"], outcome="published",
        scheduled_at=datetime(day.year, day.month, day.day, h, mi, sec), started_at=now,
        finished_at=now, file=mp3, sha256=man["sha256"], items=man["items"],
        engine=man["engine"])
    NewsQueue(settings).mark_aired(man["items"], station.id, day, man["slot"],
                                   bulletin=man["sha256"])


def _spoken_parts(job: _Job, items: list[Item], script, tempo: float) -> list[SpokenPart]:  # noqa: ANN001
    rate = job.settings.audio.sample_rate

    def part(kind: str, texts: list[str], item: Item | None = None,
             announcer: int = 0) -> SpokenPart:
        sents = job.sentences(*texts)  # normalized once, for the audio and the manifest alike
        info = Part(kind=kind, text=" ".join(sents), item_id=item.id if item else None,
                    title=item.title if item else "", priority=item.priority if item else "")
        if sents and abs(tempo - 1.0) < 1e-4:
            spoken = _by_sentence(job, info, sents, announcer)
            if spoken is not None:
                return spoken
        if sents:
            result = (job.speaker.speak(sents, announcer=announcer) if announcer
                      else job.speaker.speak(sents))
            clip, engine = result.clip, getattr(result, "voice", "") or result.engine
        else:
            clip, engine = Clip.silence(0, rate), job.speaker.engine_label
        return SpokenPart(
            info, change_tempo(clip, tempo, cache_dir=job.settings.cache_dir / "tempo"), engine,
        )

    out = [part("greeting", [script.greeting])]
    if items and script.headlines_intro:
        out.append(part("headlines", [script.headlines_intro, *script.headlines]))
    for n, (it, body) in enumerate(zip(items, script.items, strict=True)):
        out.append(part("item", [body], it, announcer=n % job.announcers))
        if it.audio:
            out.append(_recording_part(job, it))
    out.append(part("closing", [script.closing]))
    return _level_recordings(out)


def _by_sentence(job: _Job, info: Part, sents: list[str], announcer: int) -> SpokenPart | None:
    """A part at natural tempo with each sentence on the MP3 frame grid (marks), so that a
    sentence shared with another bulletin (a headline, a greeting line, an item) is
    mastered once; None when the sentence pause is too short to place them so."""
    import numpy as np

    from .master import lay_out

    rate = job.settings.audio.sample_rate
    clips: list[np.ndarray] = []
    voices: list[str] = []
    for s in sents:
        result = (job.speaker.speak([s], announcer=announcer) if announcer
                  else job.speaker.speak([s]))
        if len(result.clip.samples):
            clips.append(result.clip.samples)
            for v in (getattr(result, "voice", "") or result.engine).split("+"):
                if v not in voices:
                    voices.append(v)
    if not clips:
        return None
    laid = lay_out(clips, round(job.settings.audio.sentence_pause_ms * rate / 1000), rate)
    if laid is None:
        return None
    return SpokenPart(info, laid, "+".join(voices), laid.pieces)


def _recording_part(job: _Job, item: Item) -> SpokenPart:
    """The item's recording as stored: never synthesized, cached as speech, nor re-tempoed."""
    from .recording import language_label, load, recording_note

    clip = load(item.audio, job.settings.audio.sample_rate)
    lang = f" {language_label(item.language)}" if item.language else ""
    return SpokenPart(
        Part(kind="recording", text=recording_note(clip.duration_ms, item.language),
             item_id=item.id, title=f"{item.title} (bản ghi âm{lang})", priority=item.priority,
             language=item.language),
        clip, "recording")


def _level_recordings(parts: list[SpokenPart]) -> list[SpokenPart]:
    """Bring each recording to the loudness of this bulletin's speech, so that mastering's
    one gain for the whole program leaves both at the target."""
    import numpy as np

    from .loudness import integrated_lufs
    from .recording import match_loudness

    if all(p.part.kind != "recording" for p in parts):
        return parts  # nothing to level (and no part's samples need laying out)
    speech = [p.clip.samples for p in parts if p.part.kind != "recording"]
    if not speech:
        return parts
    rate = parts[0].clip.rate
    level = integrated_lufs(np.concatenate(speech), rate)
    if level < -60:
        return parts
    return [SpokenPart(p.part, Clip(match_loudness(p.clip.samples, rate, level), rate), p.engine)
            if p.part.kind == "recording" else p for p in parts]


def _segments_json(segments: list, parts: list[SpokenPart]) -> list[dict]:
    """Manifest segments, each spoken one with the engine:voice that read it."""
    voices = iter([p.engine for p in parts if p.clip.duration_ms > 0])  # as assemble pairs them
    langs = {p.part.item_id: p.part.language for p in parts if p.part.kind == "recording"}
    out = []
    for seg in segments:
        row = seg.to_json()
        if seg.kind not in ("pause", "jingle"):
            row["voice"] = next(voices, "")
        if seg.kind == "recording":
            row["recording"] = True
            row["language"] = langs.get(seg.item_id, "")
        out.append(row)
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


__all__ = ["build_bulletin", "build_emergency", "forget_memos", "preview", "Preview",
           "next_slot", "choose_items", "make_audio", "publish_and_record",
           "spoken_estimate_ms", "published_result", "open_job"]
