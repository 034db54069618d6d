"""The web pages: one server-sent page, no front-end build, talking to the REST API.

The page keeps the user's API token in the tab's sessionStorage and calls `/api/v1` with it, so
the pages can do exactly what the API allows that user, nothing more.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)
PAGE = Path(__file__).parent / "app.html"


@cache
def _page() -> str:
    return PAGE.read_text()


@router.get("/", response_class=HTMLResponse)
def home() -> str:
    return _page()
