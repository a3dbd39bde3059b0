"""Meta-World as a pixel environment: the real twin of the learned simulator.

Observations are upright uint8 RGB frames ``(3, H, W)`` from a per-task free camera; one decision
applies the action for ``action_repeat`` simulator steps; episodes last ``episode_steps`` decisions.
Every reset draws a fresh object/goal layout from the env's seeded generator, so
``reset(seed=s)`` reproduces the same episode exactly and different seeds give different layouts
(Meta-World's own MT1 wrapper cycles through 50 fixed layouts and ignores ``reset(seed=...)``).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from dreamgym.real.rendering import FrameRenderer, apply_rendering
from dreamgym.spaces import (
    BEFORE_RESET,
    action_space,
    check_action,
    check_open,
    check_render_mode,
    check_reset_done,
    check_seed,
    episode_end,
    image_space,
)
from dreamgym.tasks import CameraConfig, RenderingConfig, TaskSpec, get_task


def _make_metaworld_env(task: TaskSpec):
    """Build the raw Meta-World env with fresh, seeded layouts on every reset and the goal observed."""
    from metaworld.env_dict import ALL_V3_ENVIRONMENTS

    env = ALL_V3_ENVIRONMENTS[task.metaworld_name]()
    env._set_task_called = True  # we manage layouts ourselves instead of Meta-World's Task objects
    env._freeze_rand_vec = False  # a new layout on every reset ...
    env.seeded_rand_vec = True  # ... drawn from env.np_random, which we seed
    env._partially_observable = False  # the goal position is part of the state (experts need it)
    env.__dict__.pop("sawyer_observation_space", None)  # cached bounds would clip the goal to 0
    return env


def _setting(value: Any, kind: type, name: str) -> Any:
    """``value`` as a ``kind`` (``CameraConfig`` or ``RenderingConfig``): one, its dict form (validated), or ``None``.

    :raises ValueError: for anything else, naming the value and what is expected.
    """
    if value is None or isinstance(value, kind):
        return value
    if isinstance(value, dict):
        return kind.from_dict(value)
    raise ValueError(
        f"{name} must be a {kind.__name__}, a dict of its fields (see {kind.__name__}.to_dict()) or None for the task's "
        f"own, got {type(value).__name__} {value!r}."
    )


class MetaWorldPixelEnv(gym.Env):
    """A Meta-World v3 task with pixel observations, registered as ``MetaWorldPixels-<Task>-v0``.

    :param task: task name in any spelling (``"coffee-pull"``, ``"CoffeePull"``, ``"coffee-pull-v3"``).
    :param width: frame width in pixels.
    :param height: frame height in pixels.
    :param action_repeat: simulator steps per decision; default: the task's tuned value.
    :param episode_steps: decisions before the episode is truncated.
    :param terminate_on_success: end the episode (``terminated=True``) at the first successful step.
    :param camera: override the task's camera.
    :param rendering: override the task's :class:`~dreamgym.tasks.RenderingConfig` (e.g. how the goal is
        drawn); only to reproduce frames of data recorded with another rendering.
    :param render_mode: ``"rgb_array"`` (the current frame as ``(H, W, 3)``) or ``None``.

    Reward is the sparse success signal (1.0 on a successful step, else 0.0), the same as the learned
    simulator gives; Meta-World's dense shaped reward is in ``info["metaworld_reward"]``.
    ``info`` also carries ``success`` (bool) and ``state`` (the 39-D Meta-World state, float64).
    Actions outside [-1, 1] are clipped; NaN, infinite or wrongly shaped actions raise ``ValueError``.
    ``step()`` before the first reset or after the episode ended raises :class:`~dreamgym.spaces.ResetNeeded`;
    ``reset``, ``step`` and ``render`` after ``close()`` raise ``RuntimeError`` (``close()`` itself may be repeated).
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(
        self,
        task: str | TaskSpec = "coffee-pull",
        width: int = 64,
        height: int = 64,
        action_repeat: int | None = None,
        episode_steps: int | None = None,
        terminate_on_success: bool = False,
        camera: CameraConfig | dict | None = None,
        render_mode: str | None = "rgb_array",
        rendering: RenderingConfig | dict | None = None,
    ):
        if not isinstance(task, (str, TaskSpec)):
            raise ValueError(f"task must be a task name such as 'coffee-pull' or a TaskSpec, got {task!r}.")
        self.task = get_task(task) if isinstance(task, str) else task
        self.render_mode = check_render_mode(render_mode, self.metadata, type(self).__name__)
        for name, value, optional in (("width", width, False), ("height", height, False),
                                      ("action_repeat", action_repeat, True), ("episode_steps", episode_steps, True)):
            if value is None and optional:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1{' or None (the task default)' if optional else ''}, got {value!r}.")
        if not isinstance(terminate_on_success, (bool, np.bool_)):
            raise ValueError(f"terminate_on_success must be True or False, got {terminate_on_success!r}.")
        self.action_repeat = int(action_repeat if action_repeat is not None else self.task.action_repeat)
        self.episode_steps = int(episode_steps if episode_steps is not None else self.task.episode_steps)
        self.camera = _setting(camera, CameraConfig, "camera") or self.task.camera
        self.rendering = _setting(rendering, RenderingConfig, "rendering") or self.task.rendering
        self.terminate_on_success = bool(terminate_on_success)
        self.width, self.height = int(width), int(height)

        self.observation_space = image_space(self.height, self.width)
        self.action_space = action_space()

        self._mw = _make_metaworld_env(self.task)
        self._mw.max_path_length = self.action_repeat * self.episode_steps
        apply_rendering(self._mw.model, self.rendering)
        self._renderer = FrameRenderer(self._mw.model, self.camera, self.width, self.height)
        self._frame: np.ndarray | None = None
        self._steps = 0
        self._pending_reset: str | None = BEFORE_RESET
        self._closed = False

    # -- gymnasium API -------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        check_open(self._closed, type(self).__name__, "reset")
        if options is not None and not (isinstance(options, dict) and not options):  # an option would be ignored
            raise ValueError(
                f"{type(self).__name__}.reset(options={options!r}) is refused: this env takes no options (each reset draws "
                "a fresh layout from its seed); expected options=None."
            )
        super().reset(seed=check_seed(seed))
        layout_seed = int(self.np_random.integers(0, 2**31 - 1))
        self._mw.seed(layout_seed)
        state, _ = self._mw.reset()
        self._steps = 0
        self._pending_reset = None
        self._frame = self._renderer.render(self._mw.data)
        _, mw_info = self._mw.evaluate_state(state, np.zeros(4, dtype=np.float32))
        info = {"success": bool(mw_info["success"]), "state": state.copy(), "layout_seed": layout_seed}
        return self._frame.copy(), info

    def step(self, action):
        check_open(self._closed, type(self).__name__, "step")
        check_reset_done(self._pending_reset, type(self).__name__)
        action = check_action(action)
        total_reward = 0.0
        for _ in range(self.action_repeat):
            state, mw_reward, _, _, mw_info = self._mw.step(action)
            total_reward += float(mw_reward)
        self._steps += 1
        success = bool(mw_info["success"])
        self._frame = self._renderer.render(self._mw.data)
        terminated = self.terminate_on_success and success
        truncated = self._steps >= self.episode_steps
        self._pending_reset = episode_end(terminated, truncated)
        info = {"success": success, "state": np.asarray(state, dtype=np.float64).copy(), "metaworld_reward": total_reward}
        return self._frame.copy(), float(success), terminated, truncated, info

    def render(self) -> np.ndarray | None:
        """The current frame as ``(H, W, 3)`` uint8 (gymnasium's rgb_array convention)."""
        check_open(self._closed, type(self).__name__, "render")
        if self.render_mode is None or self._frame is None:
            return None
        return self._frame.transpose(1, 2, 0).copy()

    def close(self) -> None:
        """Release renderer and simulator; harmless when repeated."""
        self._closed = True
        if getattr(self, "_renderer", None) is not None:
            self._renderer.close()
            self._renderer = None
        if getattr(self, "_mw", None) is not None:
            self._mw.close()
            self._mw = None
        super().close()
