"""Shared fixtures. Tests that need Meta-World rendering are marked ``metaworld``."""

from __future__ import annotations

import numpy as np
import pytest

from dreamgym.data.episode import make_episode


@pytest.fixture
def synthetic_episode():
    """An episode whose frame t is filled with value t and whose action t is (t, -t, t, -t)/100:
    any off-by-one between frames and actions is visible in the numbers."""

    def build(steps: int = 10, task: str = "coffee-pull", source: str = "expert", size: int = 8):
        frames = np.stack([np.full((3, size, size), t, np.uint8) for t in range(steps + 1)])
        actions = np.stack([np.array([t, -t, t, -t], np.float32) / 100 for t in range(steps)])
        success = np.arange(steps + 1) >= steps - 2
        return make_episode(frames, actions, np.zeros(steps), success, {"task": task, "source": source})

    return build
