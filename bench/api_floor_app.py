"""The floor under bench/api_post.py's single-voucher figure: the same web stack (uvicorn, FastAPI, a body of
journal lines validated by pydantic, a bearer header read by a dependency, a JSON answer) doing no work at all.
What the machine serves of this is the most any posting endpoint can reach on it. Asynchronous, as the posting
route is (no thread hand-over per request)."""
from __future__ import annotations

from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel

app = FastAPI()


class LinesIn(BaseModel):
    lines: list[dict[str, str | int | None]]


async def caller(request: Request) -> str:
    return request.headers.get("authorization", "")


@app.post("/post", status_code=201)
async def post(body: LinesIn, who: str = Depends(caller)) -> dict:
    return {"batch": 1, "entries": len(body.lines), "warnings": [], "vouchers": [{"voucher": "V1", "entries": 2}]}
