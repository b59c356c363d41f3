"""The station lexicon on the web: list, add, change and delete entries of the home folder's
`lexicon.tsv`, and hear how a word is read with the station's voice."""

from __future__ import annotations

import io
import wave

import numpy as np
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..errors import BulletinError
from .deps import Editor, StateDep, flash, render

router = APIRouter(include_in_schema=False)
_HEAR_MAX = 200


def _page(request: Request, state, values: dict | None = None, error: str = "",
          status_code: int = 200):
    from ..normalize.lexicon import station_entries

    try:
        entries = station_entries(state.settings.lexicon_path)
    except BulletinError as exc:  # a hand-edited file with a broken line
        entries, error = [], exc.message + (f" {exc.hint}" if exc.hint else "")
    return render(request, "lexicon.html", {
        "entries": entries, "values": values or {"word": "", "spoken": ""}, "error": error,
        "path": str(state.settings.lexicon_path),
    }, status_code=status_code)


@router.get("/lexicon")
def lexicon_page(request: Request, state: StateDep, _u: Editor):
    return _page(request, state)


@router.post("/lexicon/save")
async def lexicon_save(request: Request, state: StateDep, _u: Editor):
    from ..normalize.lexicon import save_station_entry

    form = await request.form()
    word, spoken = str(form.get("word") or ""), str(form.get("spoken") or "")
    original = str(form.get("original") or "") or None
    try:
        await run_in_threadpool(save_station_entry, state.settings.lexicon_path, word, spoken,
                                original)
    except BulletinError as exc:
        text = exc.message + (f" {exc.hint}" if exc.hint else "")
        return _page(request, state, {"word": word, "spoken": spoken}, text, status_code=400)
    verb = "Đã sửa" if original else "Đã thêm"
    flash(request, f"{verb} «{word.strip()}» → «{spoken.strip()}» trong từ điển của đài.")
    return RedirectResponse("/lexicon", status_code=303)


@router.post("/lexicon/delete")
async def lexicon_delete(request: Request, state: StateDep, _u: Editor):
    from ..normalize.lexicon import delete_station_entry

    form = await request.form()
    word = str(form.get("word") or "")
    if not await run_in_threadpool(delete_station_entry, state.settings.lexicon_path, word):
        raise HTTPException(404, f"Từ điển của đài không có «{word}».")
    flash(request, f"Đã xóa «{word}» khỏi từ điển của đài.")
    return RedirectResponse("/lexicon", status_code=303)


def _wav(samples: np.ndarray, rate: int) -> bytes:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def hear(settings, text: str) -> bytes:
    """`text` read with the station lexicon and the first station's voice, as a WAV."""
    from ..normalize import load_lexicon, normalize, split_sentences
    from ..synth import Speaker

    spoken = normalize(text, load_lexicon(settings.lexicon_path), settings.normalize).spoken
    sentences = split_sentences(spoken) or ["Không có gì để đọc."]
    clip = Speaker(settings, settings.station(None)).speak(sentences).clip
    return _wav(clip.samples, clip.rate)


@router.get("/lexicon/hear")
async def lexicon_hear(state: StateDep, _u: Editor, text: str = ""):
    text = text.strip()
    if not text or len(text) > _HEAR_MAX:
        raise HTTPException(400, f"Hãy nhập từ 1 đến {_HEAR_MAX} ký tự để nghe thử.")
    audio = await run_in_threadpool(hear, state.settings, text)
    return Response(audio, media_type="audio/wav", headers={"Cache-Control": "no-store"})
