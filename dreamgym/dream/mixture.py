"""Several batched dreams as one stable-baselines3 ``VecEnv``: a mixture of learned simulators.

Two world models trained apart err in different places: each draws its own near misses as successes.
A policy trained on imagined worlds of both at once is paid in full only for what works in both: an
exploit of one dream's mistake earns in half of the worlds (the model-ensemble idea of ME-TRPO, with one batched call
per dream instead of one random model per rollout)::

    venv = DreamMixtureVecEnv([SB3VecEnvAdapter(DreamWorldVectorEnv(32, bundle=a)),
                               SB3VecEnvAdapter(DreamWorldVectorEnv(32, bundle=b))])

Worlds ``0 .. n_0 - 1`` belong to the first dream, the next ``n_1`` to the second, and so on. ``seed(s)``
seeds dream ``k`` with ``s`` plus the index of its first world (SB3's convention of one seed per env),
so the dreams draw different contexts and noise. ``set_attr`` and ``env_method`` act on every world of
every dream (``indices=None``), as in :class:`~dreamgym.dream.sb3.SB3VecEnvAdapter`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices

from dreamgym.dream.inputs import check_all_indices, check_indices, check_seed


class DreamMixtureVecEnv(VecEnv):
    """The worlds of several SB3 ``VecEnv`` s (e.g. adapted ``DreamWorldVectorEnv`` s) side by side."""

    def __init__(self, venvs: Sequence[VecEnv]):
        venvs = list(venvs)
        if not venvs or not all(isinstance(venv, VecEnv) for venv in venvs):
            raise TypeError(f"DreamMixtureVecEnv needs a non-empty list of SB3 VecEnvs, got {venvs!r}.")
        first = venvs[0]
        for k, venv in enumerate(venvs[1:], start=1):
            if venv.observation_space != first.observation_space or venv.action_space != first.action_space:
                raise ValueError(
                    f"DreamMixtureVecEnv: dream {k} has observation space {venv.observation_space} and action space "
                    f"{venv.action_space}, dream 0 {first.observation_space} and {first.action_space}; expected dreams "
                    "of the same task, image size and actions."
                )
        self.venvs = venvs
        self._starts = np.cumsum([0] + [venv.num_envs for venv in venvs])
        self._actions: np.ndarray | None = None
        super().__init__(int(self._starts[-1]), first.observation_space, first.action_space)

    def _split(self, array: np.ndarray) -> list[np.ndarray]:
        return [array[start:end] for start, end in zip(self._starts[:-1], self._starts[1:])]

    def seed(self, seed: int | None = None) -> Sequence[int | None]:
        """Seed every dream's next reset (dream ``k`` with ``seed`` + its first world's index; ``None``: random)."""
        check_seed(seed, call=f"{type(self).__name__}.seed")
        return [s for start, venv in zip(self._starts, self.venvs) for s in venv.seed(None if seed is None else seed + int(start))]

    def reset(self) -> np.ndarray:
        observations = np.concatenate([venv.reset() for venv in self.venvs])
        self.reset_infos = [info for venv in self.venvs for info in venv.reset_infos]
        return observations

    def step_async(self, actions: np.ndarray) -> None:
        actions = np.asarray(actions)
        if actions.shape[:1] != (self.num_envs,):
            raise ValueError(f"DreamMixtureVecEnv.step_async got actions of shape {actions.shape}; expected ({self.num_envs}, ...): "
                             "one action per world of all dreams.")
        self._actions = actions

    def step_wait(self):
        if self._actions is None:
            raise RuntimeError("DreamMixtureVecEnv.step_wait called before step_async; call step(actions) instead.")
        for venv, actions in zip(self.venvs, self._split(self._actions)):
            venv.step_async(actions)
        results = [venv.step_wait() for venv in self.venvs]
        self._actions = None
        observations, rewards, dones, infos = zip(*results)
        return (np.concatenate(observations), np.concatenate(rewards), np.concatenate(dones),
                [info for per_dream in infos for info in per_dream])

    def close(self) -> None:
        for venv in self.venvs:
            venv.close()

    def get_images(self) -> Sequence[np.ndarray | None]:
        return [image for venv in self.venvs for image in venv.get_images()]

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        values = [value for venv in self.venvs for value in venv.get_attr(attr_name)]
        return [values[i] for i in check_indices(indices, self.num_envs)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        check_all_indices(indices, self.num_envs, f"set_attr({attr_name!r})")
        for venv in self.venvs:
            venv.set_attr(attr_name, value)

    def env_method(self, method_name: str, *method_args, indices: VecEnvIndices = None, **method_kwargs) -> list[Any]:
        check_all_indices(indices, self.num_envs, f"env_method({method_name!r})")
        return [result for venv in self.venvs for result in venv.env_method(method_name, *method_args, **method_kwargs)]

    def env_is_wrapped(self, wrapper_class, indices: VecEnvIndices = None) -> list[bool]:
        flags = [flag for venv in self.venvs for flag in venv.env_is_wrapped(wrapper_class)]
        return [flags[i] for i in check_indices(indices, self.num_envs)]
