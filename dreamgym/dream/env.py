"""``DreamWorldEnv``: one imagined Meta-World episode as a plain ``gymnasium.Env``.

The same machinery as :class:`~dreamgym.dream.vector_env.DreamWorldVectorEnv` with one world, but with
the single-env contract: no autoreset (the episode's last imagined frame is the observation returned
with ``terminated`` or ``truncated``; call ``reset()`` to start again). ``reset(options={"frames":
uint8 (4, 3, H, W), "actions": float32 (3, 4)})`` starts from the caller's own real context (no leading
batch axis). Actions, contexts and seeds are checked by :mod:`dreamgym.dream.inputs`, as in the vector env.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from dreamgym.dream.inputs import CONTEXT_KEYS, check_seed, check_step_action, context_from_options
from dreamgym.dream.simulator import LearnedSimulator
from dreamgym.dream.vector_env import DreamWorldVectorEnv


class DreamWorldEnv(gym.Env):
    """A single imagined world; parameters as for :class:`DreamWorldVectorEnv` (without ``num_envs``)."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

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
    ):
        self._vector = DreamWorldVectorEnv(
            num_envs=1, bundle=bundle, task=task, simulator=simulator, device=device,
            denoising_steps=denoising_steps, reset_mode=reset_mode, reward_mode=reward_mode,
            max_episode_steps=max_episode_steps, render_mode=None,
        )
        self.observation_space = self._vector.single_observation_space
        self.action_space = self._vector.single_action_space
        self.render_mode = render_mode
        self._frame: np.ndarray | None = None
        self._needs_reset = True

    @property
    def simulator(self) -> LearnedSimulator:
        return self._vector.simulator

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=check_seed(seed))
        context = context_from_options(options, self._vector.history, self.observation_space.shape, worlds=None)
        if context is not None:  # the vector env's layout: a leading axis of one world
            options = {key: array[None] for key, array in zip(CONTEXT_KEYS, context)}
        observations, _ = self._vector.reset(seed=seed, options=options)
        self._frame = observations[0]
        self._needs_reset = False
        return self._frame.copy(), {}

    def step(self, action):
        if self._needs_reset:
            raise RuntimeError("Call reset() before step(), and again after an episode has ended.")
        action = check_step_action(action, worlds=None)  # messages about (4,), not the batch of one world
        observations, rewards, terminated, truncated, info = self._vector.step(action[None])
        done = bool(terminated[0] or truncated[0])
        self._frame = info["final_obs"][0] if done else observations[0]
        self._needs_reset = done
        step_info = {"success_probability": float(info["success_probability"][0])}
        return self._frame.copy(), float(rewards[0]), bool(terminated[0]), bool(truncated[0]), step_info

    def render(self) -> np.ndarray | None:
        """The current imagined frame as ``(H, W, 3)`` uint8."""
        if self.render_mode != "rgb_array" or self._frame is None:
            return None
        return self._frame.transpose(1, 2, 0).copy()
