"""The app's HTTP surface: health, and the single-page app's fallback to index.html."""

from __future__ import annotations

from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from server.http import SinglePageFiles


async def test_unknown_app_paths_get_index_html_but_api_paths_stay_404(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<div id=app></div>")
    (tmp_path / "app.js").write_text("console.log(1)")
    app = Starlette(routes=[Mount("/", SinglePageFiles(directory=tmp_path, html=True))])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/app.js")).text == "console.log(1)"
        page = await client.get("/plans/ran-ogi-vii/commitments/ID0121")
        assert page.status_code == 200 and "id=app" in page.text
        assert (await client.get("/api/nothing-here")).status_code == 404


async def test_healthz_says_starting_until_the_lifespan_ran(tmp_path: Path) -> None:
    from live_helpers import make_settings

    from identity.access import OpenPolicy
    from kokreasi.app import create_app

    app = create_app(make_settings(tmp_path, f"sqlite:///{tmp_path}/e.db"), policy=OpenPolicy())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/healthz")
    assert response.status_code == 503 and response.json() == {"status": "starting"}
