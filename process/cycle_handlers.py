"""The handlers of the consultation's window, moderation and face-to-face input, and of
implementation: progress reports and evidence files."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from . import views
from .consultation import row_of, rows_of_csv
from .errors import Invalid
from .http import Call, ok


async def schedule_consultation(call: Call) -> Response:
    plan = await call.service.schedule_consultation(
        call.actor, call.param("plan_id"), call.body["opens"], call.body["closes"])
    state = await call.service.state()
    return ok(views.plan_json(state, plan, call.actor))


async def hide_input(call: Call) -> Response:
    item = await call.service.hide_input(call.actor, call.param("input_id"),
                                         call.body["reason"])
    return ok(views.input_json(item, call.actor, call.service.sealer))


async def enter_inputs(call: Call) -> Response:
    """Face-to-face input: a list of objects, or a CSV export of them, not both."""
    b = call.body
    given: list[Any] | None = b.get("inputs")
    if (given is None) == (b.get("csv") is None):
        raise Invalid("give either inputs (a list) or csv (the text of a CSV file)",
                      code="inputs_or_csv")
    if given is not None:
        rows = [row_of(value, f"inputs[{n}]") for n, value in enumerate(given)]
    else:
        rows = rows_of_csv(str(b["csv"]))
    items = await call.service.enter_inputs(call.actor, call.param("plan_id"),
                                            b["session_id"], rows)
    return ok({"inputs": [views.input_json(i, call.actor, call.service.sealer)
                          for i in items]}, 201)
