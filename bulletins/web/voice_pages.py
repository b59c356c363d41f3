"""The "Giọng đọc" page: hear every installed voice, choose the station's engine and voices."""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..config import ENGINES
from ..errors import BulletinError
from ..synth import audition
from .deps import Admin, StateDep, flash, render

router = APIRouter(include_in_schema=False)
_SAMPLE_NAME = re.compile(r"^[0-9a-f]{32}\.wav$")


def _samples(settings, text: str, online: bool) -> list[audition.Sample]:
    sentences = audition.spoken_sentences(settings, text)
    if not sentences:
        return []
    return [audition.audition(settings, opt, sentences)
            for opt in audition.voice_options(settings) if online or not opt.online]


@router.get("/voices")
async def voices_page(request: Request, state: StateDep, _u: Admin, text: str = "",
                      online: int = 0):
    settings = state.settings
    text = (text.strip() or audition.SAMPLE_TEXT)[:audition.MAX_TEXT]
    samples = await run_in_threadpool(_samples, settings, text, bool(online))
    return render(request, "voices.html", {
        "text": text, "online": bool(online), "samples": samples,
        "options": audition.voice_options(settings), "engines": ENGINES,
        "stations": settings.stations, "default_engine": settings.engines.default,
    })


@router.get("/voices/sample/{name}")
def voice_sample(name: str, state: StateDep, _u: Admin):
    path = audition.samples_dir(state.settings) / name
    if not _SAMPLE_NAME.match(name) or not path.is_file():
        raise HTTPException(404, "Không có mẫu giọng đọc này.")
    return FileResponse(path, media_type="audio/wav")


@router.post("/voices/choose")
async def voices_choose(request: Request, state: StateDep, _u: Admin):
    form = await request.form()
    station = str(form.get("station") or "")
    engine = str(form.get("engine") or "")
    voices = [str(form.get("voice_a") or ""), str(form.get("voice_b") or "")]
    try:
        state.settings = await run_in_threadpool(
            audition.choose, state.settings, station, engine, voices)
    except BulletinError as exc:
        flash(request, exc.message + (f" {exc.hint}" if exc.hint else ""), "error")
        return RedirectResponse("/voices", status_code=303)
    state.speakers.clear()  # estimates must use the new voice
    chosen = " và ".join(v for v in voices if v) or "giọng mặc định"
    flash(request, f"Đã lưu: đài «{station}» đọc bằng {engine}, {chosen}.")
    return RedirectResponse("/voices", status_code=303)
