"""Structured logs: JSON lines, and no credentials in them."""

from __future__ import annotations

import json
import logging

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
