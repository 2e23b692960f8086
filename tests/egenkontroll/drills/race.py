"""Drill helper: run actions in threads that are released together, to make them race."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def at_once(*actions: Callable[[], Any], timeout: float = 120) -> list[Any]:
    """Run *actions* in threads released together by a barrier; their results in the order given."""
    start = threading.Barrier(len(actions))

    def released(action: Callable[[], Any]) -> Any:
        start.wait()
        return action()

    with ThreadPoolExecutor(len(actions)) as pool:
        futures = [pool.submit(released, action) for action in actions]
        return [future.result(timeout=timeout) for future in futures]
