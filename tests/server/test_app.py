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


def _app(tmp_path: Path, **settings: object) -> Starlette:
    import dataclasses

    from live_helpers import make_settings

    from identity.access import OpenPolicy
    from kokreasi.app import create_app

    base = make_settings(tmp_path, f"sqlite:///{tmp_path}/e.db")
    return create_app(dataclasses.replace(base, **settings), policy=OpenPolicy())


async def test_plain_http_on_the_websocket_address_answers_426(tmp_path: Path) -> None:
    transport = httpx.ASGITransport(app=_app(tmp_path))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/ws/some-document")
    assert response.status_code == 426
    assert response.headers["upgrade"] == "websocket"


async def test_metrics_are_exact_and_include_the_process(tmp_path: Path) -> None:
    app = _app(tmp_path)
    app.state.metrics.updates.inc(1_234_567)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    values = dict(
        line.rsplit(" ", 1) for line in response.text.splitlines() if not line.startswith("#")
    )
    assert float(values["kokreasi_updates_total"]) == 1_234_567
    assert "process_cpu_seconds_total" in values and "python_info" in response.text


async def test_metrics_behind_a_token_when_one_is_set(tmp_path: Path) -> None:
    transport = httpx.ASGITransport(app=_app(tmp_path, metrics_token="scrape-me-please"))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/metrics")).status_code == 401
        wrong = {"authorization": "Bearer guess"}
        assert (await client.get("/metrics", headers=wrong)).status_code == 401
        right = {"authorization": "Bearer scrape-me-please"}
        response = await client.get("/metrics", headers=right)
    assert response.status_code == 200 and "kokreasi_updates_total" in response.text
