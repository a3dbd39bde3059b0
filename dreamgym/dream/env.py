"""``DreamWorldEnv``: one imagined Meta-World episode as a plain ``gymnasium.Env``.

The same machinery as :class:`~dreamgym.dream.vector_env.DreamWorldVectorEnv` with one world, but with
the single-env contract: no autoreset (the episode's last imagined frame is the observation returned
with ``terminated`` or ``truncated``; call ``reset()`` to start again). ``reset(options={"frames":
uint8 (4, 3, H, W), "actions": float32 (3, 4)})`` starts from the caller's own real context (no leading
batch axis; with the outcome signal also ``"states"`` ``(S,)`` and ``"decisions"``, an integer). Actions, contexts and seeds are checked by :mod:`dreamgym.dream.inputs`, as in the vector env.
``step()`` after the episode ended (or before the first reset) raises :class:`~dreamgym.spaces.ResetNeeded`, and
every method but ``close()`` raises ``RuntimeError`` after ``close()``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from dreamgym.dream.inputs import CONTEXT_KEYS, OUTCOME_START_KEYS, check_seed, check_step_action, context_from_options
from dreamgym.dream.simulator import LearnedSimulator
from dreamgym.dream.vector_env import DreamWorldVectorEnv
from dreamgym.spaces import BEFORE_RESET, as_array, check_open, check_render_mode, check_reset_done, episode_end


def _vector_setting(name: str) -> property:
    """The setting ``name`` of the one-world vector env underneath, read and written (and checked) there."""
    return property(
        lambda self: getattr(self._vector, name),
        lambda self, value: setattr(self._vector, name, value),
        doc=f"``{name}`` of :class:`DreamWorldVectorEnv`; checked when set.",
    )


class DreamWorldEnv(gym.Env):
    """A single imagined world; parameters as for :class:`DreamWorldVectorEnv` (without ``num_envs``)."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}
    reset_mode = _vector_setting("reset_mode")
    reward_mode = _vector_setting("reward_mode")
    max_episode_steps = _vector_setting("max_episode_steps")

    def __init__(
        self,
        bundle: str | Path | None = None,
        task: str = "coffee-pull",
        simulator: LearnedSimulator | None = None,
        device: str = "cpu",
        denoising_steps: int | None = None,
        reset_mode: str = "episode_start",
        reward_mode: str = "sparse",
        max_episode_steps: int | None = None,
        render_mode: str | None = "rgb_array",
        sampler: str | None = None,
        success_signal: str | None = None,
    ):
        self.render_mode = check_render_mode(render_mode, self.metadata, type(self).__name__)
        self._vector = DreamWorldVectorEnv(
            num_envs=1, bundle=bundle, task=task, simulator=simulator, device=device,
            denoising_steps=denoising_steps, reset_mode=reset_mode, reward_mode=reward_mode,
            max_episode_steps=max_episode_steps, render_mode=None, sampler=sampler, success_signal=success_signal,
        )
        self.observation_space = self._vector.single_observation_space
        self.action_space = self._vector.single_action_space
        self._frame: np.ndarray | None = None
        self._pending_reset: str | None = BEFORE_RESET

    @property
    def simulator(self) -> LearnedSimulator:
        return self._vector.simulator

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._vector.closed

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        check_open(self.closed, type(self).__name__, "reset")
        super().reset(seed=check_seed(seed))
        context = context_from_options(options, self._vector.history, self.observation_space.shape, worlds=None)
        if context is not None:  # the vector env's layout: a leading axis of one world
            batched = {key: array[None] for key, array in zip(CONTEXT_KEYS, context)}
            for key in OUTCOME_START_KEYS:  # checked by the vector env (with a leading axis of one world)
                if key in options:
                    batched[key] = as_array(options[key], f"options[{key!r}]", "an array")[None]
            options = batched
        observations, _ = self._vector.reset(seed=seed, options=options)
        self._frame = observations[0]
        self._pending_reset = None
        return self._frame.copy(), {}

    def step(self, action):
        check_open(self.closed, type(self).__name__, "step")
        check_reset_done(self._pending_reset, type(self).__name__)
        action = check_step_action(action, worlds=None)  # messages about (4,), not the batch of one world
        observations, rewards, terminated, truncated, info = self._vector.step(action[None])
        done = bool(terminated[0] or truncated[0])
        self._frame = info["final_obs"][0] if done else observations[0]
        self._pending_reset = episode_end(bool(terminated[0]), bool(truncated[0]))
        step_info = {"success_probability": float(info["success_probability"][0])}
        if "outcome_probability" in info:
            step_info["outcome_probability"] = float(info["outcome_probability"][0])
        return self._frame.copy(), float(rewards[0]), bool(terminated[0]), bool(truncated[0]), step_info

    def render(self) -> np.ndarray | None:
        """The current imagined frame as ``(H, W, 3)`` uint8."""
        check_open(self.closed, type(self).__name__, "render")
        if self.render_mode != "rgb_array" or self._frame is None:
            return None
        return self._frame.transpose(1, 2, 0).copy()

    def close(self) -> None:
        """Release the worlds; later calls of anything but ``close()`` raise ``RuntimeError``."""
        self._vector.close()
        super().close()
