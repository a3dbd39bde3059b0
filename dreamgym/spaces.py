"""Observation and action spaces shared by the real and the imagined environments, and input checks."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

ACTION_DIM = 4
"""Meta-World's action: end-effector dx, dy, dz and gripper effort, each in [-1, 1]."""


def image_space(height: int, width: int) -> spaces.Box:
    """uint8 RGB, channel-first ``(3, H, W)``: what SB3's ``CnnPolicy`` expects."""
    return spaces.Box(low=0, high=255, shape=(3, height, width), dtype=np.uint8)


def action_space() -> spaces.Box:
    """``Box(-1, 1, (4,), float32)``."""
    return spaces.Box(low=-1.0, high=1.0, shape=(ACTION_DIM,), dtype=np.float32)


def check_action(action, expected_shape: tuple[int, ...] = (ACTION_DIM,)) -> np.ndarray:
    """Validate an action (or a batch of actions) and clip it to [-1, 1].

    Out-of-range values are clipped, as Meta-World itself does. Anything that cannot be an action
    raises ``ValueError`` naming the problem and the expected space.

    :param action: array-like of shape ``expected_shape``.
    :returns: a float32 copy, clipped to [-1, 1].
    """
    expected = f"expected a float array of shape {expected_shape} with values in [-1, 1]"
    try:
        array = np.asarray(action)
    except Exception as error:
        raise ValueError(f"Action could not be converted to an array ({error}); {expected}.") from error
    if array.dtype == object or not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f"Action has dtype {array.dtype}; {expected}.")
    if array.shape != expected_shape:
        raise ValueError(f"Action has shape {array.shape}; {expected}.")
    array = array.astype(np.float32)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"Action contains NaN or infinite values: {array.tolist()}; {expected}.")
    return np.clip(array, -1.0, 1.0)
