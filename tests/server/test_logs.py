"""Structured logs: JSON lines, and no credentials in them."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import httpx
import pytest
import uvicorn
from live_helpers import SECRET, make_settings
from uvicorn.logging import AccessFormatter

from kokreasi.app import create_app
from process.invitations import sign_invitation
from server.logs import JsonFormatter


def test_log_lines_are_json_with_extras_and_no_tokens() -> None:
    record = logging.LogRecord(
        "uvicorn.error", logging.INFO, __file__, 1,
        '%s - "WebSocket /ws/%s?token=%s&saved=1" [accepted]',
        ("127.0.0.1:5000", "id0121", "eyJzdWIi.c2ln"), None,
    )
    record.instance = "abc123"
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "info" and line["logger"] == "uvicorn.error"
    assert line["instance"] == "abc123"
    assert "eyJzdWIi" not in line["message"]
    assert "/ws/id0121?token=[redacted]&saved=1" in line["message"]


async def test_invitation_links_never_reach_the_access_log(
    tmp_path: Path, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """uvicorn's access log, through our JSON lines and through uvicorn's own formatter."""
    app = create_app(make_settings(tmp_path, sqlite_url))
    link = sign_invitation(SECRET, "ayu", "i1")
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=True,
                            log_level="info", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # it failed to start: say why
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        with caplog.at_level(logging.INFO, logger="uvicorn.access"):
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                await client.get(f"/invite/{link}", headers={"accept": "application/json"})
                await client.get(f"/api/me?token={link}")
    finally:
        server.should_exit = True
        await task
    records = [r for r in caplog.records if r.name == "uvicorn.access"]
    assert len(records) == 2
    json_lines = [JsonFormatter().format(r) for r in records]
    plain_lines = [AccessFormatter(use_colors=False).format(r) for r in records]
    for line in json_lines + plain_lines:
        assert link not in line and link.lstrip(".").split(".")[0] not in line
    assert "/invite/[redacted]" in json_lines[0] and "/invite/[redacted]" in plain_lines[0]
    assert "token=[redacted]" in plain_lines[1]
