"""Province pages: follow a build job, and the operations page (queue, workers, stations).

When `[workers] broker_url` is set, "Dựng bản tin ngay" enqueues (preview_pages calls
`enqueue_and_follow`) and the browser lands on /jobs/<id>, which reloads itself every two
seconds until the job is done or failed: no request waits for a build. The job row in the
database, updated by the worker, is the page's only source.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..errors import BulletinError
from ..province import jobs
from ..province.tables import STATUS_VI
from .deps import Admin, Builder, CurrentUser, StateDep, flash, render

router = APIRouter()
STEPS = ("queued", "synthesizing", "mastering", "done")


def _job(state, job_id: int) -> jobs.JobView:  # noqa: ANN001
    try:
        return jobs.get_job(state.settings, job_id)
    except BulletinError as exc:
        raise HTTPException(404, exc.message) from exc


async def enqueue_and_follow(request: Request, state, choice, user: CurrentUser):  # noqa: ANN001, ANN201
    """The province form of "build now": enqueue, then show the job's progress page."""
    job = await run_in_threadpool(jobs.enqueue, state.settings, choice.station.id, choice.day,
                                  choice.slot, user.name)
    flash(request, f"Đã gửi lệnh dựng số {job.id} tới máy dựng." if job.new else
          f"Lệnh dựng số {job.id} cho cùng nội dung đã có: theo dõi tiến độ bên dưới.")
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/jobs/{job_id}", include_in_schema=False)
def job_page(request: Request, state: StateDep, _u: Builder, job_id: int):
    job = _job(state, job_id)
    return render(request, "job.html", {
        "job": job, "status_vi": STATUS_VI, "steps": STEPS,
        "step": STEPS.index(job.status) if job.status in STEPS else -1,
    })


@router.post("/jobs/{job_id}/retry", include_in_schema=False)
async def job_retry(request: Request, state: StateDep, _u: Builder, job_id: int):
    _job(state, job_id)
    job = await run_in_threadpool(jobs.retry, state.settings, job_id)
    flash(request, f"Đã gửi lại lệnh dựng số {job.id}.")
    back = request.query_params.get("back")
    return RedirectResponse("/admin/status" if back == "status" else f"/jobs/{job.id}",
                            status_code=303)


@router.get("/api/jobs/{job_id}", tags=["dựng bản tin"], summary="Tiến độ một lệnh dựng")
def job_api(state: StateDep, _u: Builder, job_id: int) -> dict:
    job = _job(state, job_id)
    body = {"ok": True, "job": job.to_json()}
    if job.status == "done":
        base = f"/audio/{job.station}/{job.day.isoformat()}/{job.slot}"
        body["mp3"], body["manifest_url"] = base + ".mp3", base + ".json"
    return body


@router.get("/admin/status", include_in_schema=False)
async def status_page(request: Request, state: StateDep, _u: Admin):
    from ..province.status import collect

    st = await run_in_threadpool(collect, state.settings)
    return render(request, "status.html", {"st": st, "status_vi": STATUS_VI})


@router.get("/api/status", tags=["hệ thống"], summary="Tình trạng hàng đợi, máy dựng, các đài")
async def status_api(state: StateDep, _u: Admin) -> dict:
    from ..province.status import collect

    st = await run_in_threadpool(collect, state.settings)
    return {"ok": True, **st.to_json()}
