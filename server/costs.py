"""What a client's update costs the server, measured before its room sees it.

Checking an update walks its Yjs structs in Python (``ystructs.outline``): some microseconds
each, so 60,000 unmergeable one-character inserts in 800 KB held the event loop, and every
room of the instance, for 0.4 s. Here that walk stops at the per-update limit (a client
group's struct count is read before its structs, so an oversized group costs nothing), and a
large update is walked in a thread of its own, one at a time, while the event loop keeps
serving. The room reuses the outline when it logs the update whole.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from ycodec import Outline, outline

from .limits import Limits

WALK_INLINE_BYTES = 2048  # at most a couple of hundred structs: cheaper than a thread hop
# One walker: several walking at once would take turns with the event loop for the GIL.
_walker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kokreasi-update-walk")


async def measure(update: bytes, limits: Limits) -> Outline:
    """The update's outline. Raises ``ystructs.TooManyStructs`` past
    ``limits.max_update_items``, ``ycodec.DecodeError`` for bytes that are no update."""
    if len(update) <= WALK_INLINE_BYTES:
        return outline(update, limits.max_update_items)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_walker, outline, update, limits.max_update_items)


def cost(shape: Outline, size: int, limits: Limits) -> float:
    """Items charged to the writer's bucket: its structs, or its bytes when they weigh more."""
    return max(float(shape.structs), size / limits.bytes_per_item, 1.0)
