"""The image policy every stage shares: SB3 PPO's ``CnnPolicy`` with separate actor and critic CNNs.

Actor and critic do not share their feature extractor, so behaviour cloning can fit the actor while
leaving the critic untouched, and refinement can warm the critic up alone. Models are saved as
ordinary SB3 zips (``PPO.load`` reads them) through :func:`save_model`, which writes atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import DummyVecEnv

from dreamgym.files import atomic_write
from dreamgym.spaces import action_space, image_space

POLICY_KWARGS: dict[str, Any] = {"share_features_extractor": False, "log_std_init": -1.0}
"""Policy architecture of every dreamgym policy (NatureCNN actor and critic on 64x64 frames)."""


class _SpacesOnlyEnv(gym.Env):
    """Carries observation and action spaces so a PPO model can be built without a simulator."""

    def __init__(self, observation_space: gym.spaces.Space, action_space_: gym.spaces.Space):
        self.observation_space, self.action_space = observation_space, action_space_

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        return np.zeros(self.observation_space.shape, self.observation_space.dtype), {}

    def step(self, action):
        raise RuntimeError("This env only carries spaces; give the PPO model a real or dream env to step.")


def new_ppo(
    env: Any = None, image_size: int = 64, seed: int = 0, device: str | torch.device = "cpu", ppo_class=PPO, **kwargs
) -> PPO:
    """A fresh PPO model with dreamgym's policy architecture.

    :param env: the env (or SB3 ``VecEnv``) it will act in; ``None`` builds it on bare spaces
        (uint8 ``(3, image_size, image_size)`` frames, 4-D actions in [-1, 1]), e.g. for behaviour cloning.
    :param kwargs: further PPO arguments (``n_steps``, ``batch_size``, ...).
    """
    if env is None:
        spaces_env = _SpacesOnlyEnv(image_space(image_size, image_size), action_space())
        env = DummyVecEnv([lambda: spaces_env])
    return ppo_class("CnnPolicy", env, policy_kwargs=dict(POLICY_KWARGS), seed=seed, device=device, verbose=0, **kwargs)


def actor_critic_parameters(policy) -> tuple[list[torch.nn.Parameter], list[torch.nn.Parameter]]:
    """``(actor, critic)`` parameters of an ``ActorCriticPolicy`` whose feature extractors are not shared.

    Actor: its CNN, policy MLP, action head and ``log_std``. Critic: its CNN, value MLP and value head.
    """
    if getattr(policy, "share_features_extractor", True):
        raise ValueError("The policy shares one feature extractor between actor and critic; dreamgym needs them separate.")
    actor_modules = [policy.pi_features_extractor, policy.mlp_extractor.policy_net, policy.action_net]
    critic_modules = [policy.vf_features_extractor, policy.mlp_extractor.value_net, policy.value_net]
    actor = [p for m in actor_modules for p in m.parameters()] + [policy.log_std]
    critic = [p for m in critic_modules for p in m.parameters()]
    covered = {id(p) for p in actor + critic}
    missing = [name for name, p in policy.named_parameters() if id(p) not in covered]
    if missing or len(covered) != len(actor) + len(critic):
        raise ValueError(f"Cannot split the policy into actor and critic: unassigned or shared parameters {missing}.")
    return actor, critic


ROLLOUT_STATE = ("_last_obs", "_last_original_obs", "_last_episode_starts")
"""SB3 attributes of an algorithm in the middle of collecting rollouts, left out of saved zips."""


def save_model(model: PPO, path: str | Path) -> Path:
    """Save ``model`` as an SB3 zip that plain ``PPO.load`` reads, atomically (temp file + rename).

    The zip gets a fresh single-group optimizer state: training-only optimizers (per-part learning
    rates) stay out of the shipped file, so any SB3 installation loads it. The last rollout's
    observations (:data:`ROLLOUT_STATE`) stay out too: with 256 imagined worlds they made a 5 MB
    policy a 9 MB zip, and nothing that loads the zip reads them (a resumed refinement resets its envs).
    """
    path = Path(path)
    if path.suffix != ".zip":
        raise ValueError(f"SB3 models are saved as .zip files, got {path}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    policy = model.policy
    training_optimizer = policy.optimizer
    policy.optimizer = policy.optimizer_class(policy.parameters(), lr=model.lr_schedule(1), **policy.optimizer_kwargs)
    try:
        atomic_write(path, lambda temporary: model.save(temporary, exclude=list(ROLLOUT_STATE)))
    finally:
        policy.optimizer = training_optimizer
    return path


def load_policy(path: str | Path, device: str | torch.device = "cpu") -> PPO:
    """Load an SB3 PPO zip (e.g. ``envs/coffee-pull/policies/bc.zip``) for acting; a clear error if missing."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No SB3 model at {path}; expected a .zip written by `dreamgym train-bc` or `dreamgym refine`.")
    try:
        return PPO.load(path, device=device)
    except Exception as error:  # SB3 raises BadZipFile, KeyError, EOFError, ... for a file that is not its zip
        raise ValueError(
            f"{path} is not an SB3 policy zip written by `dreamgym train-bc` or `dreamgym refine` "
            f"({type(error).__name__}: {error}); expected such a .zip (PPO.load reads it)."
        ) from error


class WeightMean:
    """Running mean of state dicts of one architecture: floating-point tensors averaged, others kept from the latest.

    Shared by the weight-averaged BC (snapshots added during training, never all in memory) and by
    :func:`average_policies` (checkpoints of one refinement run).
    """

    def __init__(self) -> None:
        self.count = 0
        self._totals: dict[str, torch.Tensor] = {}
        self._shapes: dict[str, tuple[int, ...]] = {}

    def add(self, state: dict[str, torch.Tensor], name: str = "state") -> None:
        """Add one state dict; ``name`` (e.g. its path) appears in the error for a different architecture.

        :raises ValueError: ``state`` has other entries or shapes than the ones added before.
        """
        shapes = {key: tuple(value.shape) for key, value in state.items()}
        if self.count and shapes != self._shapes:
            raise ValueError(f"{name} is not a policy of the same architecture as the ones averaged before it; "
                             "expected weights of one policy architecture (e.g. checkpoints of one run).")
        for key, value in state.items():
            value = value.detach()
            if value.is_floating_point() and key in self._totals:
                self._totals[key] = self._totals[key] + value
            else:
                self._totals[key] = value.clone()
        self._shapes = shapes
        self.count += 1

    def mean(self) -> dict[str, torch.Tensor]:
        """The averaged state dict.

        :raises ValueError: nothing was added.
        """
        if not self.count:
            raise ValueError("No weights to average: add at least one state dict first.")
        return {key: total / self.count if total.is_floating_point() else total.clone()
                for key, total in self._totals.items()}


def average_policies(paths: list[str | Path], device: str | torch.device = "cpu") -> PPO:
    """One policy whose every floating-point weight is the mean over the SB3 zips ``paths``.

    Meant for checkpoints of one refinement run (all close to the same BC policy), where the mean keeps
    what they share and averages out what each iteration's batch pushed alone. The last zip provides
    everything else (settings, non-float buffers).

    :raises ValueError: no paths, or zips of different policy architectures.
    """
    if not paths:
        raise ValueError("average_policies needs at least one policy zip, got none.")
    weights = WeightMean()
    model = None
    for path in paths:
        model = load_policy(path, device)
        weights.add(model.policy.state_dict(), name=str(path))
    model.policy.load_state_dict(weights.mean())
    return model
