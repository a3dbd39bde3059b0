"""A stable-baselines3 ``VecEnv`` over a gymnasium ``VectorEnv`` with same-step autoreset.

SB3's contract differs from gymnasium's: ``reset() -> obs``, ``step_wait() -> (obs, rewards, dones,
infos)`` with ``infos`` a list of dicts, and every finished env's info carries
``terminal_observation`` (its last observation) and ``TimeLimit.truncated``. Use it for PPO inside the
dream without per-env Python loops or subprocesses::

    venv = SB3VecEnvAdapter(gym.make_vec("DreamWorld-CoffeePull-v0", num_envs=16))
    PPO("CnnPolicy", venv).learn(10_000)

The worlds are one batched env: ``seed(s)`` seeds all of them at the next reset, ``set_options`` takes one
dict for all worlds (the vector env's ``reset(options=...)``), and ``set_attr``/``env_method`` act on all
worlds at once (``indices=None``). Seeds, options and indices are checked when they are given
(:mod:`dreamgym.dream.inputs`); a refused one leaves the next reset as it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices

from dreamgym.dream.inputs import check_all_indices, check_indices, check_seed, check_vec_env_options


class SB3VecEnvAdapter(VecEnv):
    """Expose a same-step-autoreset gymnasium ``VectorEnv`` (e.g. ``DreamWorldVectorEnv``) as an SB3 ``VecEnv``."""

    def __init__(self, vector_env: VectorEnv):
        expected = "a gymnasium VectorEnv with AutoresetMode.SAME_STEP, e.g. gym.make_vec('DreamWorld-CoffeePull-v0', num_envs=16)"
        if not isinstance(vector_env, VectorEnv):
            raise TypeError(f"SB3VecEnvAdapter got {type(vector_env).__name__} {vector_env!r}; expected {expected}.")
        mode = vector_env.metadata.get("autoreset_mode")
        if mode != AutoresetMode.SAME_STEP:
            raise ValueError(
                f"SB3VecEnvAdapter got {type(vector_env).__name__} with autoreset_mode {mode!r}; expected {expected}."
            )
        _check_numpy_output(getattr(vector_env, "output", "numpy"))
        self.vector_env = vector_env
        self._actions: np.ndarray | None = None
        self._next_options: Mapping | None = None
        super().__init__(vector_env.num_envs, vector_env.single_observation_space, vector_env.single_action_space)

    def seed(self, seed: int | None = None) -> Sequence[int | None]:
        """Seed the next ``reset()`` (``None``: a random seed, as SB3 does); a refused seed changes nothing.

        :raises gymnasium.error.Error: for anything but ``None`` or a Python int >= 0.
        """
        check_seed(seed, call=f"{type(self).__name__}.seed")
        return super().seed(seed)

    def set_options(self, options: list[dict] | dict | None = None) -> None:
        """Options of the next ``reset()``: ``None`` or one dict for all worlds, checked now (see the module docstring)."""
        options = check_vec_env_options(options, self.num_envs)
        check_options = getattr(self.vector_env, "check_options", None)
        if options is not None and check_options is not None:
            check_options(options)
        self._next_options = options

    def reset(self):
        options, self._next_options = self._next_options, None
        try:
            observations, info = self.vector_env.reset(seed=self._seeds[0], options=options)
        finally:  # seeds and options are used once, also when the reset fails
            self._reset_seeds()
            self._reset_options()
        self.reset_infos = [{} for _ in range(self.num_envs)]
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

    def _attribute(self, name: Any, call: str) -> Any:
        """The vector env's attribute ``name``; a name it does not have (a typo) is refused.

        :raises AttributeError: naming the attribute and the vector env's public attributes.
        """
        if not isinstance(name, str) or not hasattr(self.vector_env, name):
            public = sorted(attribute for attribute in dir(self.vector_env) if not attribute.startswith("_"))
            raise AttributeError(
                f"{call}({name!r}): {type(self.vector_env).__name__} has no attribute {name!r}; expected one of {public}."
            )
        return getattr(self.vector_env, name)

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        chosen = check_indices(indices, self.num_envs)
        value = self._attribute(attr_name, "get_attr")
        return [value for _ in chosen]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        """Set ``attr_name`` of the vector env (for all worlds; settings are checked there). Only attributes the
        vector env has can be set: a misspelt name would otherwise change nothing the worlds use."""
        check_all_indices(indices, self.num_envs, f"set_attr({attr_name!r})")
        self._attribute(attr_name, "set_attr")
        if attr_name == "output":
            _check_numpy_output(value)
        setattr(self.vector_env, attr_name, value)

    def env_method(self, method_name: str, *method_args, indices: VecEnvIndices = None, **method_kwargs) -> list[Any]:
        """Call ``method_name`` of the vector env once (it acts on all worlds); one copy of the result per world."""
        check_all_indices(indices, self.num_envs, f"env_method({method_name!r})")
        method = self._attribute(method_name, "env_method")
        if not callable(method):
            raise TypeError(f"env_method({method_name!r}): that attribute of {type(self.vector_env).__name__} is a "
                            f"{type(method).__name__}, not a method; expected a method name (use get_attr for attributes).")
        result = method(*method_args, **method_kwargs)
        return [result for _ in range(self.num_envs)]

    def env_is_wrapped(self, wrapper_class, indices: VecEnvIndices = None) -> list[bool]:
        return [False for _ in check_indices(indices, self.num_envs)]


def _check_numpy_output(output: Any) -> None:
    """SB3 works on NumPy arrays: refuse a vector env whose ``output`` is anything else (e.g. ``"torch"``)."""
    if not (isinstance(output, str) and output == "numpy"):
        raise ValueError(
            f"SB3VecEnvAdapter needs a vector env with output='numpy' (SB3 works on NumPy arrays), got output={output!r}; "
            "make the vector env with output='numpy' (the default)."
        )
