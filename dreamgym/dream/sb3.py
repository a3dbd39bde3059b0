"""A stable-baselines3 ``VecEnv`` over a gymnasium ``VectorEnv`` with same-step autoreset.

SB3's contract differs from gymnasium's: ``reset() -> obs``, ``step_wait() -> (obs, rewards, dones,
infos)`` with ``infos`` a list of dicts, and every finished env's info carries
``terminal_observation`` (its last observation) and ``TimeLimit.truncated``. Use it for PPO inside the
dream without per-env Python loops or subprocesses::

    venv = SB3VecEnvAdapter(gym.make_vec("DreamWorld-CoffeePull-v0", num_envs=16))
    PPO("CnnPolicy", venv).learn(10_000)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices


class SB3VecEnvAdapter(VecEnv):
    """Expose a same-step-autoreset gymnasium ``VectorEnv`` (e.g. ``DreamWorldVectorEnv``) as an SB3 ``VecEnv``."""

    def __init__(self, vector_env: VectorEnv):
        mode = vector_env.metadata.get("autoreset_mode")
        if mode != AutoresetMode.SAME_STEP:
            raise ValueError(f"SB3VecEnvAdapter needs a vector env with AutoresetMode.SAME_STEP, got {mode!r}.")
        self.vector_env = vector_env
        self._actions: np.ndarray | None = None
        super().__init__(vector_env.num_envs, vector_env.single_observation_space, vector_env.single_action_space)

    def reset(self):
        seeds = [s for s in self._seeds if s is not None]
        options = self._options[0] if self._options and self._options[0] else None
        observations, info = self.vector_env.reset(seed=seeds[0] if seeds else None, options=options)
        self.reset_infos = [{} for _ in range(self.num_envs)]
        self._reset_seeds()
        self._reset_options()
        return observations

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions)

    def step_wait(self):
        observations, rewards, terminated, truncated, info = self.vector_env.step(self._actions)
        dones = np.logical_or(terminated, truncated)
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        for key, values in info.items():
            if key.startswith("_") or key in ("final_obs", "final_info"):
                continue
            mask = info.get(f"_{key}", np.ones(self.num_envs, bool))
            for i in np.flatnonzero(mask):
                infos[i][key] = values[i]
        final_mask = info.get("_final_obs", np.zeros(self.num_envs, bool))
        for i in np.flatnonzero(dones):
            if not final_mask[i]:
                raise RuntimeError(f"World {i} finished but the vector env gave no final observation.")
            infos[i]["terminal_observation"] = info["final_obs"][i]
            infos[i]["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
        return observations, np.asarray(rewards, dtype=np.float32), dones, infos

    def close(self) -> None:
        self.vector_env.close()

    def get_images(self) -> Sequence[np.ndarray | None]:
        current_frames = getattr(self.vector_env, "current_frames", None)
        if current_frames is None:
            return [None] * self.num_envs
        return list(current_frames())

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        value = getattr(self.vector_env, attr_name)
        return [value for _ in self._get_indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        setattr(self.vector_env, attr_name, value)

    def env_method(self, method_name: str, *method_args, indices: VecEnvIndices = None, **method_kwargs) -> list[Any]:
        result = getattr(self.vector_env, method_name)(*method_args, **method_kwargs)
        return [result for _ in self._get_indices(indices)]

    def env_is_wrapped(self, wrapper_class, indices: VecEnvIndices = None) -> list[bool]:
        return [False for _ in self._get_indices(indices)]
