"""Observation and action spaces shared by the real and the imagined environments, and input checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from gymnasium import error, spaces
from gymnasium.utils import seeding

ACTION_DIM = 4
"""Meta-World's action: end-effector dx, dy, dz and gripper effort, each in [-1, 1]."""


def image_space(height: int, width: int) -> spaces.Box:
    """uint8 RGB, channel-first ``(3, H, W)``: what SB3's ``CnnPolicy`` expects."""
    return spaces.Box(low=0, high=255, shape=(3, height, width), dtype=np.uint8)


def action_space() -> spaces.Box:
    """``Box(-1, 1, (4,), float32)``."""
    return spaces.Box(low=-1.0, high=1.0, shape=(ACTION_DIM,), dtype=np.float32)


def as_array(value: Any, name: str, expected: str) -> np.ndarray:
    """``value`` (array-like or torch tensor, on any device) as a NumPy array.

    :raises ValueError: naming ``name`` and ``expected`` if it cannot be one.
    """
    try:
        if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor, without importing torch here
            value = value.detach().cpu()
            if value.is_floating_point():
                value = value.float()  # NumPy has no bfloat16
        return np.asarray(value)
    except Exception as error:
        raise ValueError(f"{name} could not be converted to an array ({error}); expected {expected}.") from error


def check_real_array(value: Any, name: str, shape: tuple[int, ...], expected: str) -> np.ndarray:
    """Validate an array of real numbers: integer or floating dtype, ``shape``, finite values.

    Booleans, complex numbers, strings and objects are refused: none of them is a real number.
    Each problem gets its own message naming ``name``, what was found and ``expected``.

    :returns: a float32 copy.
    :raises ValueError: if ``value`` has another dtype or shape or holds NaN or infinite values.
    """
    array = as_array(value, name, expected)
    if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f"{name} has dtype {array.dtype}; expected {expected}.")
    if array.shape != tuple(shape):
        raise ValueError(f"{name} has shape {array.shape}; expected {expected}.")
    finite = np.isfinite(array)  # before the cast: a finite float64 such as 1e40 would overflow float32 to inf
    if not finite.all():
        index = tuple(int(i) for i in np.argwhere(~finite)[0])
        raise ValueError(
            f"{name} contains NaN or infinite values ({array[index]} at index {index}); expected only finite values "
            f"({expected})."
        )
    if np.issubdtype(array.dtype, np.floating) and array.dtype.itemsize > 4:
        limit = float(np.finfo(np.float32).max)
        array = np.clip(array, -limit, limit)  # finite values beyond float32's range stay finite (callers clip further)
    return array.astype(np.float32)


def check_action(
    action: Any, expected_shape: tuple[int, ...] = (ACTION_DIM,), name: str = "Action", meaning: str = ""
) -> np.ndarray:
    """Validate an action (or a batch of actions) and clip it to [-1, 1].

    Out-of-range values are clipped, as Meta-World itself does. Anything that cannot be an action
    (wrong dtype or shape, NaN or infinite values) raises ``ValueError`` naming the problem and the
    expected space.

    :param action: array-like (or torch tensor) of shape ``expected_shape``.
    :param name: what the message calls the value, e.g. ``"Action"``.
    :param meaning: added to the expectation, e.g. ``" (one action per world)"``.
    :returns: a float32 copy, clipped to [-1, 1].
    """
    expected = f"a float array of shape {tuple(expected_shape)}{meaning} with values in [-1, 1]"
    return np.clip(check_real_array(action, name, expected_shape, expected), -1.0, 1.0)


def check_seed(seed: Any, call: str = "reset") -> int | None:
    """Apply gymnasium's rules for seeds: ``None`` or a Python ``int >= 0`` (of any size).

    :param call: the method the seed was given to, for the message (``"reset"``, ``"SB3VecEnvAdapter.seed"``).
    :raises gymnasium.error.Error: gymnasium's own error for a bad seed, with the seed's value added.
    """
    try:
        seeding.np_random(seed)
    except error.Error as refused:
        raise error.Error(f"{call}(seed={seed!r}) is refused: {refused}; expected None or a Python int >= 0.") from None
    return seed


class ResetNeeded(error.ResetNeeded, RuntimeError):
    """``step()`` (or ``render()``) called when the env needs ``reset()``: before the first reset or after an
    episode ended. gymnasium's own ``ResetNeeded`` (as its ``OrderEnforcing`` wrapper raises), and a ``RuntimeError``."""


BEFORE_RESET = "before reset()"
"""Why a new env cannot step yet (see :func:`check_reset_done`)."""


def episode_end(terminated: bool, truncated: bool) -> str | None:
    """Why the next ``step()`` needs a ``reset()`` after a step with these flags, or ``None`` while the episode goes on."""
    if terminated:
        return "after the episode terminated"
    if truncated:
        return "after the episode was truncated (time limit)"
    return None


def check_reset_done(pending: str | None, env: str) -> None:
    """Refuse ``step()`` while ``pending`` says why a ``reset()`` is needed (:data:`BEFORE_RESET`, :func:`episode_end`).

    :raises ResetNeeded: saying when ``step()`` was called and that ``reset()`` must come first.
    """
    if pending is not None:
        raise ResetNeeded(f"{env}.step() was called {pending}; expected reset() first (a finished episode does not go on).")


def check_render_mode(render_mode: Any, metadata: Mapping[str, Any], env: str) -> str | None:
    """``render_mode`` if it is ``None`` or one of ``metadata["render_modes"]``.

    :raises ValueError: naming the value and the supported modes, at construction (not at the first render).
    """
    modes = list(metadata["render_modes"])
    if render_mode is not None and render_mode not in modes:
        hint = (" (gymnasium.make(..., render_mode='human') shows the 'rgb_array' frames in a window through gymnasium's "
                "HumanRendering wrapper, which needs pygame)") if render_mode == "human" else ""
        raise ValueError(f"{env} does not support render_mode={render_mode!r}; expected one of {modes} or None{hint}.")
    return render_mode


def check_open(closed: bool, env: str, method: str) -> None:
    """Refuse ``method`` (e.g. ``"step"``) of an env that was closed.

    :raises RuntimeError: saying that the env is closed and that a new one must be made.
    """
    if closed:
        raise RuntimeError(f"{env}.{method}() was called after close(); expected an open env (make a new one).")
