"""``dreamgym refine --method ppo``: PPO on the BC policy entirely inside the learned simulator (World4RL stage 2).

``dreamgym refine``'s default method is no longer PPO but behaviour cloning of the dream's confirmed
successes (``--method filtered-bc``, :mod:`dreamgym.policy.dream_imitation`): on coffee-pull it gained
where PPO with the same confirmed reward moved real success by noise only (``benchmarks/policy/dream-filtered-bc/``).

The world model and the success classifier stay frozen; the agent sees only imagined frames and the
classifier's sparse reward (``DreamWorld-<Task>-v0``, natively batched through
:class:`~dreamgym.dream.sb3.SB3VecEnvAdapter`). What differs from plain SB3 PPO (:class:`DreamPPO`):

* **std clipping**: after every optimizer step the policy's log-std is clamped to ``<= log_std_max``
  (default 0, i.e. std <= 1, the paper's choice; ``None`` switches clipping off for the ablation);
* **fine-tuning learning rates**: actor and critic have their own (small) learning rates;
* **critic warm-up**: the first ``critic_warmup_iterations`` PPO iterations update the critic only,
  so the untrained value function does not drive the first actor updates;
* **exploration regime**: the log-std can start elsewhere than BC's (``initial_log_std``) and has
  its own learning rate (``log_std_learning_rate``), so that with an entropy bonus the std really
  grows toward the clip (with the actor's small learning rate it never moves);
* **behaviour anchor** (``anchor_kl_coef``): ``coef * KL(pi_BC || pi)`` on the imagined states of
  each PPO minibatch is added to the PPO loss's gradient, keeping the policy near the BC policy where
  the dream is least trustworthy (like DAPG's BC term, but on the states PPO visits); the KL to BC is
  logged in every run (``train/kl_to_bc``), anchored or not;
* **demonstration term** (``demo_nll_coef``, DAPG's behaviour-cloning term): the gradient of ``coef *`` the
  negative log-likelihood of the recorded demonstrations' actions (real frames of all ``demo_sources``
  episodes in ``data_dir``, randomly shifted as in ``dreamgym train-bc``) on one minibatch is added at
  every PPO optimizer step, like the anchor's after SB3's gradient clipping (``max_grad_norm``), so it is
  not clipped with the PPO gradient. The demonstrations are recorded data (the ones BC is fit to, with
  its held-out episodes): no real step is taken.

Exploitation guards in the dream itself (:func:`make_dream_vec_env`): pessimistic success
(``success_confirmation``, :mod:`dreamgym.dream.confirmation`) and shorter imagined episodes that start
from real mid-episode contexts (``reset_mode="random"`` with a smaller ``max_episode_steps``; SB3
bootstraps truncated episodes with the critic). Options measured on the CPU, off by default
(``benchmarks/policy/gpu-scale/README.md``): a second bundle as the judge of each imagined success
(``success_confirmation={"judge": ...}``), a mixture of dreams (``mixture_bundles``: the worlds shared
between bundles trained apart, :mod:`dreamgym.dream.mixture`), ``refined.zip`` as the mean weights
of the last checkpoints (``average_checkpoints``), and with the starting BC policy's weights in that mean
(``average_with_start``: with one checkpoint, the policy halfway back to BC).

Defaults (:class:`RefineConfig`): a weak anchor (0.1) with 256 imagined worlds per update (batch 1024,
35 iterations, about 287,000 imagined transitions), pessimistic success and 20-decision horizons. On
one H100 (about 9 s per iteration with four runs sharing it) this raised the real success of three BC
seeds by 2, 19 and 6 points (+8.9 on 450 held-out layouts; anchor 1.0 at the same scale: +0.0), see
``benchmarks/policy/gpu-scale/``. On the 2-core CPU 64 worlds take about 22 s per iteration
(``recipes/coffee_pull_refine_cheap_cpu.sh``): ``num_envs=64, batch_size=512, iterations=24`` (about
9 minutes) gained +6.2 points over the same seeds; the defaults' 256 worlds are for a GPU
(``device="cuda"``). The policy benchmark's variants use 16 worlds and batch 128.

Runs write ``checkpoints/iter_XXXX.zip`` (plain SB3 zips) every ``checkpoint_every`` iterations,
``resume.pt`` (optimizer state and counters; a rerun with the same ``out_dir`` resumes, and refuses
settings other than its ``config.json`` except :data:`RESUMABLE_CHANGES`, and bundles whose files differ
from the sha256 its ``dreams.json`` recorded), TensorBoard logs, ``history.json`` (dream success per iteration) and finally ``refined.zip`` (the final policy,
or with ``average_checkpoints=K`` the mean weights of the last K checkpoints, and of iteration 0's with
``average_with_start``). Training never
touches the real simulator. For monitoring only, ``monitor_real_episodes > 0`` evaluates each
checkpoint in real Meta-World on tuning layouts (never the evaluation ones) and logs the success
rate to ``monitor_real.json`` and TensorBoard (``monitor_real/success_rate``); nothing of it reaches
the PPO update (:func:`monitor_in_real`).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from tqdm.auto import tqdm

from dreamgym.bundle import file_checksums, find_bundle, read_manifest
from dreamgym.dream.confirmation import SuccessConfirmation
from dreamgym.dream.initial_states import RESET_MODES
from dreamgym.files import atomic_write_json
from dreamgym.policy.model import actor_critic_parameters, average_policies, load_policy, new_ppo, save_model
from dreamgym.runs import atomic_torch_save, hardware_description, settings_changed_since
from dreamgym.tasks import get_task

DEFAULT_CONFIRMATION = {"rerolls": 2, "horizon": 8}
"""Default pessimistic success of ``dreamgym refine`` (:class:`~dreamgym.dream.confirmation.SuccessConfirmation`)."""

ANCHOR_FILE = "bc_anchor.zip"
"""The starting (BC) policy, kept in the run folder: the behaviour anchor and ``kl_to_bc`` refer to it."""


@dataclass
class RefineConfig:
    """What ``dreamgym refine`` runs.

    :param bc_model: SB3 zip to start from (``dreamgym train-bc``'s output or a shipped ``bc.zip``).
    :param out_dir: run folder (checkpoints, TensorBoard, history, ``refined.zip``).
    :param task: task whose learned simulator to refine in.
    :param bundle: a bundle folder instead of the shipped one.
    :param mixture_bundles: further bundles (world models trained apart, same task and frames) whose dreams
        take an equal share of the ``num_envs`` imagined worlds next to ``bundle``'s (a mixture of dreams).
    :param iterations: PPO iterations (each collects ``num_envs * n_steps`` imagined transitions).
    :param num_envs: imagined worlds stepped together.
    :param n_steps: steps per world per iteration.
    :param batch_size: PPO minibatch size.
    :param n_epochs: PPO epochs per iteration.
    :param actor_learning_rate: Adam learning rate of the actor (small: fine-tuning).
    :param critic_learning_rate: Adam learning rate of the critic.
    :param critic_warmup_iterations: iterations at the start that update only the critic.
    :param log_std_max: upper bound of the log-std (paper: 0); ``None`` disables the clipping.
    :param initial_log_std: log-std to start from (``None``: the BC policy's own).
    :param log_std_learning_rate: Adam learning rate of the log-std (``None``: the actor's).
    :param anchor_kl_coef: weight of ``KL(pi_BC || pi)`` on imagined states (0: no behaviour anchor).
    :param demo_nll_coef: weight of the demonstrations' action NLL next to the PPO loss (0: off; DAPG).
    :param demo_sources: episode sources under ``<data_dir>/<task>/`` that the demonstration term imitates.
    :param demo_batch_size: (frame, action) pairs of the demonstration term per PPO minibatch.
    :param data_dir: dataset root of the demonstrations (``dreamgym collect``'s ``--out``).
    :param gamma: discount; the sparse success reward makes earlier success worth more.
    :param gae_lambda: GAE lambda.
    :param clip_range: PPO ratio clipping.
    :param target_kl: trust region of each iteration: its PPO epochs stop once the approximate KL between
        the rollout policy and the updated one exceeds ``1.5 * target_kl`` (SB3's rule); ``None``: off.
    :param ent_coef: entropy bonus.
    :param max_episode_steps: imagined decisions before truncation (default: the bundle's, 50).
    :param reset_mode: where imagined episodes start: ``"episode_start"`` (real first frames) or
        ``"random"`` (any stored real context, also mid-episode).
    :param success_confirmation: pessimistic success, e.g. ``{"rerolls": 2, "horizon": 8}`` or, judged by a
        second bundle, ``{"rerolls": 1, "horizon": 20, "judge": "runs/other-bundle"}``
        (:class:`~dreamgym.dream.confirmation.SuccessConfirmation`); ``None``: off.
    :param denoising_steps: Euler steps per imagined frame of the teacher sampler (default: the bundle's).
    :param sampler: ``"distilled"`` or ``"teacher"`` world model (default: the bundle's ``default_sampler``).
    :param checkpoint_every: iterations between checkpoints.
    :param average_checkpoints: ``refined.zip`` is the mean of the weights of this many last checkpoints
        (the final one included; 1: the final policy itself, also kept as ``final.zip`` when averaging).
    :param average_with_start: put iteration 0's checkpoint (the starting BC policy) into that mean too; with
        ``average_checkpoints=1``, ``refined.zip`` lies halfway between BC and the final policy. Fixed before
        the run, it needs no real episode: a guard against PPO's drift, which a shuffled-reward null shows
        costs BC points by itself (``recipes/coffee_pull_halfway_to_bc_cpu.sh``).
    :param monitor_real_episodes: real Meta-World episodes per checkpoint for monitoring (0: off).
    :param seed: seed of PPO and of the dream.
    :param device: where the policy and the learned simulator run.
    """

    bc_model: Path
    out_dir: Path
    task: str = "coffee-pull"
    bundle: Path | None = None
    mixture_bundles: list[Path] = field(default_factory=list)
    iterations: int = 35
    num_envs: int = 256
    n_steps: int = 32
    batch_size: int = 1024
    n_epochs: int = 4
    actor_learning_rate: float = 1e-4
    critic_learning_rate: float = 3e-4
    critic_warmup_iterations: int = 2
    log_std_max: float | None = 0.0
    initial_log_std: float | None = None
    log_std_learning_rate: float | None = None
    anchor_kl_coef: float = 0.1
    demo_nll_coef: float = 0.0
    demo_sources: tuple[str, ...] = ("expert",)
    demo_batch_size: int = 64
    data_dir: Path = Path("data")
    gamma: float = 0.99
    gae_lambda: float = 0.95
    clip_range: float = 0.2
    target_kl: float | None = None
    ent_coef: float = 0.0
    max_episode_steps: int | None = 20
    reset_mode: str = "random"
    success_confirmation: dict | None = field(default_factory=lambda: dict(DEFAULT_CONFIRMATION))
    denoising_steps: int | None = None
    sampler: str | None = None
    checkpoint_every: int = 5
    average_checkpoints: int = 1
    average_with_start: bool = False
    monitor_real_episodes: int = 0
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        self.task = get_task(self.task).name
        self.bc_model, self.out_dir = Path(self.bc_model), Path(self.out_dir)
        self.bundle = Path(self.bundle) if self.bundle is not None else None
        self.data_dir = Path(self.data_dir)
        self.demo_sources = tuple(self.demo_sources)
        self.mixture_bundles = [Path(bundle) for bundle in self.mixture_bundles]
        if self.num_envs % (1 + len(self.mixture_bundles)):
            raise ValueError(
                f"num_envs ({self.num_envs}) must be a multiple of the number of dreams ({1 + len(self.mixture_bundles)}: "
                "bundle and mixture_bundles), which share the imagined worlds equally."
            )
        for name in ("iterations", "num_envs", "n_steps", "batch_size", "n_epochs", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}.")
        if (self.num_envs * self.n_steps) % self.batch_size:
            raise ValueError(
                f"batch_size ({self.batch_size}) must divide num_envs * n_steps ({self.num_envs * self.n_steps})."
            )
        checkpoints = len(self.checkpoint_iterations)
        if not 1 <= self.average_checkpoints <= checkpoints:
            raise ValueError(
                f"average_checkpoints (--average-checkpoints) must be in [1, {checkpoints}], the checkpoints after iteration 0 "
                f"that {self.iterations} iterations with checkpoint_every={self.checkpoint_every} write; got {self.average_checkpoints}."
            )
        if not isinstance(self.average_with_start, bool):
            raise ValueError(
                f"average_with_start (--average-with-start) must be True or False, got {self.average_with_start!r}."
            )
        if self.monitor_real_episodes < 0:
            raise ValueError(f"monitor_real_episodes must be >= 0, got {self.monitor_real_episodes}.")
        if self.actor_learning_rate < 0 or self.critic_learning_rate <= 0:
            raise ValueError("actor_learning_rate must be >= 0 and critic_learning_rate > 0.")
        if self.critic_warmup_iterations < 0 or self.critic_warmup_iterations >= self.iterations:
            raise ValueError(
                f"critic_warmup_iterations (--critic-warmup) must be in [0, iterations), where iterations (--iterations) "
                f"is {self.iterations}; got {self.critic_warmup_iterations}."
            )
        if self.log_std_learning_rate is not None and self.log_std_learning_rate < 0:
            raise ValueError(f"log_std_learning_rate must be >= 0 or None, got {self.log_std_learning_rate}.")
        if not np.isfinite(self.anchor_kl_coef) or self.anchor_kl_coef < 0:
            raise ValueError(f"anchor_kl_coef must be a finite number >= 0, got {self.anchor_kl_coef}.")
        if not np.isfinite(self.demo_nll_coef) or self.demo_nll_coef < 0:
            raise ValueError(f"demo_nll_coef (--demo-nll) must be a finite number >= 0, got {self.demo_nll_coef}.")
        if self.demo_batch_size < 1:
            raise ValueError(f"demo_batch_size must be >= 1, got {self.demo_batch_size}.")
        if self.demo_nll_coef > 0 and not self.demo_sources:
            raise ValueError("demo_sources must name at least one episode source when demo_nll_coef > 0.")
        if self.target_kl is not None and not (np.isfinite(self.target_kl) and self.target_kl > 0):
            raise ValueError(f"target_kl must be a finite number > 0 or None, got {self.target_kl}.")
        if self.initial_log_std is not None and not np.isfinite(self.initial_log_std):
            raise ValueError(f"initial_log_std must be finite or None, got {self.initial_log_std}.")
        if self.max_episode_steps is not None and self.max_episode_steps < 1:
            raise ValueError(f"max_episode_steps must be >= 1 or None, got {self.max_episode_steps}.")
        if self.reset_mode not in RESET_MODES:
            raise ValueError(f"reset_mode must be one of {RESET_MODES}, got {self.reset_mode!r}.")
        if self.success_confirmation is not None:
            self.success_confirmation = SuccessConfirmation.from_dict(dict(self.success_confirmation)).to_dict()

    @property
    def checkpoint_iterations(self) -> list[int]:
        """Iterations a full run checkpoints after iteration 0: every ``checkpoint_every``, and the last."""
        return sorted({*range(self.checkpoint_every, self.iterations, self.checkpoint_every), self.iterations})

    @property
    def transitions_per_iteration(self) -> int:
        return self.num_envs * self.n_steps

    def to_dict(self) -> dict:
        data = asdict(self)
        data["mixture_bundles"] = [str(bundle) for bundle in self.mixture_bundles]
        return {k: str(v) if isinstance(v, Path) else v for k, v in data.items()}


class DreamPPO(PPO):
    """SB3 PPO with std clipping, separate actor/critic learning rates and critic warm-up (see module doc).

    It saves ordinary PPO zips through :func:`dreamgym.policy.model.save_model`.
    """

    def __init__(
        self,
        *args,
        actor_learning_rate: float = 1e-4,
        critic_learning_rate: float = 3e-4,
        critic_warmup_iterations: int = 0,
        log_std_max: float | None = 0.0,
        log_std_learning_rate: float | None = None,
        anchor_kl_coef: float = 0.0,
        demo_nll_coef: float = 0.0,
        **kwargs,
    ):
        self.actor_learning_rate = actor_learning_rate
        self.critic_learning_rate = critic_learning_rate
        self.critic_warmup_iterations = critic_warmup_iterations
        self.log_std_max = log_std_max
        self.log_std_learning_rate = actor_learning_rate if log_std_learning_rate is None else log_std_learning_rate
        self.anchor_kl_coef = anchor_kl_coef
        self.anchor_policy = None
        self.demo_nll_coef = demo_nll_coef
        self._demonstrations = None  # a dreamgym.policy.bc.DemonstrationSampler once set
        self._demo_nll: list[float] = []
        self.last_demo_nll: float | None = None
        self._minibatch_observations = None
        self._kl_to_bc: list[float] = []
        self.last_kl_to_bc: float | None = None
        super().__init__(*args, learning_rate=critic_learning_rate, **kwargs)

    def _setup_model(self) -> None:
        super()._setup_model()
        actor, critic = actor_critic_parameters(self.policy)
        actor = [p for p in actor if p is not self.policy.log_std]
        self.policy.optimizer = torch.optim.Adam(
            [{"params": actor, "name": "actor"}, {"params": [self.policy.log_std], "name": "log_std"},
             {"params": critic, "name": "critic"}],
            lr=self.critic_learning_rate, eps=1e-5,
        )
        self._watch_minibatches()
        self.policy.optimizer.register_step_pre_hook(lambda optimizer, args, kwargs: self._add_regularizer_gradients())
        if self.log_std_max is not None:
            self.policy.optimizer.register_step_post_hook(lambda optimizer, args, kwargs: self.clip_log_std())
            self.clip_log_std()

    def set_anchor(self, policy) -> None:
        """The (frozen) BC policy that ``anchor_kl_coef`` and the ``kl_to_bc`` diagnostic refer to."""
        self.anchor_policy = policy.to(self.device).eval()
        for parameter in self.anchor_policy.parameters():
            parameter.requires_grad_(False)

    def set_demonstrations(self, frames: torch.Tensor, actions: torch.Tensor, batch_size: int, seed: int,
                           shift_pixels: int = 4) -> None:
        """Recorded (frame, action) pairs for the demonstration term (``demo_nll_coef``).

        :param frames: uint8 frames ``(N, 3, H, W)`` as the policy observes them.
        :param actions: the actions taken from them, ``(N, action_dim)``.
        """
        if len(frames) == 0 or len(frames) != len(actions):
            raise ValueError(f"Need as many demonstration frames as actions (>= 1); got {len(frames)} and {len(actions)}.")
        expected = tuple(self.observation_space.shape)
        if tuple(frames.shape[1:]) != expected:
            raise ValueError(f"Demonstration frames are {tuple(frames.shape[1:])}; the policy observes {expected}.")
        from dreamgym.policy.bc import DemonstrationSampler

        self._demonstrations = DemonstrationSampler(frames, actions, batch_size, shift_pixels,
                                                    torch.Generator().manual_seed(seed))

    def demo_generator_state(self) -> torch.Tensor | None:
        """State of the generator drawing demonstration minibatches (kept in ``resume.pt``), or ``None``."""
        return None if self._demonstrations is None else self._demonstrations.generator.get_state()

    def set_demo_generator_state(self, state: torch.Tensor | None) -> None:
        """Continue the demonstration minibatches of a resumed run where they stopped."""
        if state is not None and self._demonstrations is not None:
            self._demonstrations.generator.set_state(state)

    def _add_regularizer_gradients(self) -> None:
        """Runs just before each optimizer step of PPO: the anchor's and the demonstrations' gradients."""
        self._add_anchor_gradient()
        self._add_demonstration_gradient()

    def _add_demonstration_gradient(self) -> None:
        """Adds ``demo_nll_coef * grad NLL`` of a minibatch of demonstrations (skipped in the critic warm-up)."""
        if self._demonstrations is None or self.demo_nll_coef == 0 or self.in_critic_warmup():
            return
        nll, _ = self._demonstrations.nll(self.policy)
        (self.demo_nll_coef * nll).backward()
        self._demo_nll.append(float(nll.detach()))

    def _watch_minibatches(self) -> None:
        """Remember the observations of the minibatch PPO is evaluating, for the anchor term."""
        evaluate_actions = self.policy.evaluate_actions

        def watched(observations, actions):
            self._minibatch_observations = observations
            return evaluate_actions(observations, actions)

        self.policy.evaluate_actions = watched

    def _add_anchor_gradient(self) -> None:
        """Runs just before each optimizer step of PPO: adds ``coef * grad KL(pi_BC || pi)`` on the minibatch."""
        observations = self._minibatch_observations
        if self.anchor_policy is None or observations is None:
            return
        with torch.no_grad():
            reference = self.anchor_policy.get_distribution(observations).distribution
        anchored = self.anchor_kl_coef > 0 and not self.in_critic_warmup()
        with torch.set_grad_enabled(anchored):
            current = self.policy.get_distribution(observations).distribution
            kl = torch.distributions.kl_divergence(reference, current).sum(-1).mean()
            if anchored:
                (self.anchor_kl_coef * kl).backward()
        self._kl_to_bc.append(float(kl.detach()))
        self._minibatch_observations = None

    def train(self) -> None:
        super().train()
        if self._kl_to_bc:
            self.last_kl_to_bc = float(np.mean(self._kl_to_bc))
            self.logger.record("train/kl_to_bc", self.last_kl_to_bc)
            self._kl_to_bc = []
        if self._demo_nll:
            self.last_demo_nll = float(np.mean(self._demo_nll))
            self.logger.record("train/demo_nll", self.last_demo_nll)
            self._demo_nll = []

    def clip_log_std(self) -> None:
        """Clamp the policy's log-std to ``<= log_std_max`` (no-op when clipping is off)."""
        if self.log_std_max is not None:
            with torch.no_grad():
                self.policy.log_std.clamp_(max=self.log_std_max)

    @property
    def iteration(self) -> int:
        """PPO iterations whose rollouts have been collected so far."""
        return self.num_timesteps // (self.n_steps * self.n_envs)

    def in_critic_warmup(self) -> bool:
        return self.iteration <= self.critic_warmup_iterations

    def _update_learning_rate(self, optimizers) -> None:
        actor_lr = 0.0 if self.in_critic_warmup() else self.actor_learning_rate
        rates = {"actor": actor_lr, "log_std": 0.0 if self.in_critic_warmup() else self.log_std_learning_rate,
                 "critic": self.critic_learning_rate}
        for group in self.policy.optimizer.param_groups:
            group["lr"] = rates[group["name"]]
        self.logger.record("train/actor_learning_rate", actor_lr)
        self.logger.record("train/log_std_learning_rate", rates["log_std"])
        self.logger.record("train/critic_learning_rate", self.critic_learning_rate)

    def _excluded_save_params(self) -> list[str]:
        return [*super()._excluded_save_params(), "actor_learning_rate", "critic_learning_rate",
                "critic_warmup_iterations", "log_std_max", "log_std_learning_rate", "anchor_kl_coef", "anchor_policy",
                "_minibatch_observations", "_kl_to_bc", "last_kl_to_bc", "demo_nll_coef", "_demonstrations",
                "_demo_nll", "last_demo_nll"]


class _DreamProgress(BaseCallback):
    """Per-iteration dream success, log-std, checkpoints and a progress bar."""

    def __init__(self, history: list[dict], start_time: float, bar: tqdm):
        super().__init__()
        self.history, self.start_time, self.bar = history, start_time, bar
        self._episodes = self._successes = self._confirmed = 0
        self._lengths: list[int] = []

    def _on_step(self) -> bool:
        for done, info in zip(self.locals["dones"], self.locals["infos"]):
            if done:
                self._episodes += 1
                predicted = not info.get("TimeLimit.truncated", False)  # ended by a success the classifier called
                self._successes += int(predicted)
                self._confirmed += int(predicted and not info.get("unconfirmed_success", False))
                if "episode" in info:
                    self._lengths.append(int(info["episode"]["l"]))
        return True

    def _on_rollout_end(self) -> None:
        model: DreamPPO = self.model
        rate = self._successes / self._episodes if self._episodes else float("nan")
        confirmed = self._confirmed / self._episodes if self._episodes else float("nan")
        log_std = model.policy.log_std.detach().cpu().numpy()
        record = {
            "iteration": model.iteration,
            "timesteps": model.num_timesteps,
            "dream_episodes": self._episodes,
            "dream_success_rate": rate,  # predicted: the classifier fired (confirmed or not)
            "dream_confirmed_success_rate": confirmed,  # rewarded: without confirmation, the same
            "mean_episode_length": float(np.mean(self._lengths)) if self._lengths else None,
            "log_std": log_std.tolist(),
            "kl_to_bc_last_update": model.last_kl_to_bc,
            "demo_nll_last_update": model.last_demo_nll,
            "critic_warmup": model.in_critic_warmup(),
            "seconds": round(time.time() - self.start_time, 1),
        }
        self.history.append(record)
        self.logger.record("dream/success_rate", rate)
        self.logger.record("dream/confirmed_success_rate", confirmed)
        self.logger.record("dream/episodes", self._episodes)
        self.logger.record("policy/log_std_max", float(log_std.max()))
        self._episodes = self._successes = self._confirmed = 0
        self._lengths = []
        self.bar.update(model.iteration - self.bar.n)
        self.bar.set_postfix(dream_success=f"{rate:.2f}", log_std=f"{log_std.max():.2f}")


def _checkpoint_name(iteration: int) -> str:
    """File name of the checkpoint written after ``iteration`` PPO iterations."""
    return f"iter_{iteration:04d}.zip"


def _averaged_checkpoints(config: RefineConfig) -> list[str]:
    """Names of the checkpoints whose mean is ``refined.zip`` (oldest first): the last ``config.average_checkpoints``,
    after iteration 0's if ``config.average_with_start``."""
    iterations = config.checkpoint_iterations[-config.average_checkpoints :]
    return [_checkpoint_name(i) for i in ([0] if config.average_with_start else []) + iterations]


def _checkpoints_averaged(config: RefineConfig) -> PPO | None:
    """The mean policy of :func:`_averaged_checkpoints`, or ``None`` when that is the final checkpoint alone."""
    names = _averaged_checkpoints(config)
    if len(names) == 1:
        return None
    return average_policies([config.out_dir / "checkpoints" / name for name in names], config.device)


RESUMABLE_CHANGES = (
    "iterations", "average_checkpoints", "average_with_start", "monitor_real_episodes", "device", "bc_model",
)
"""Settings a resumed refinement may change: how long it runs, which checkpoints make ``refined.zip``, the
real-world monitoring, where it computes and where the starting policy lies (a resumed run anchors to its own
copy, ``bc_anchor.zip``). A moved or renamed run folder resumes too (:data:`dreamgym.runs.RUN_FOLDER_SETTING`).
Anything else would continue one run with another's recipe."""


def _refuse_other_settings(config: RefineConfig) -> None:
    """Before resuming ``config.out_dir``: refuse settings that differ from its ``config.json``, naming each."""
    saved_path = config.out_dir / "config.json"
    if not saved_path.exists():
        return  # a run interrupted before it wrote its settings has nothing to continue but its checkpoint
    changed = settings_changed_since(json.loads(saved_path.read_text()), config, RESUMABLE_CHANGES)
    if changed:
        raise ValueError(
            f"{config.out_dir} was refined with other settings than this run asks for ({'; '.join(changed)}). "
            f"Resume with the settings of its config.json, or refine into a new --out folder. Only "
            f"{', '.join(RESUMABLE_CHANGES)} may change on resume."
        )


DREAMS_FILE = "dreams.json"
"""What a run's dreams were made of: the sha256 of every component file of each bundle it imagines with."""


def dream_bundles(config: RefineConfig) -> dict[str, Path]:
    """Every bundle folder the run's dreams use, by role: ``"bundle"`` (the shipped one when not given),
    ``"mixture_bundles[i]"`` and ``"judge"`` (of ``success_confirmation``)."""
    bundles = {"bundle": config.bundle if config.bundle is not None else find_bundle(config.task)}
    bundles.update({f"mixture_bundles[{i}]": Path(folder) for i, folder in enumerate(config.mixture_bundles)})
    judge = (config.success_confirmation or {}).get("judge")
    if judge:
        bundles["judge"] = Path(judge)
    return bundles


def dream_identity(config: RefineConfig) -> dict[str, dict]:
    """``{role: {"folder", "files"}}`` for :func:`dream_bundles`; ``files`` maps each component file to its
    sha256 (the manifest's record, or computed when the bundle has none)."""
    identity = {}
    for role, folder in dream_bundles(config).items():
        manifest = read_manifest(folder)
        identity[role] = {"folder": str(folder), "files": manifest.files or file_checksums(folder, manifest)}
    return identity


def _refuse_other_dreams(config: RefineConfig) -> None:
    """Before resuming ``config.out_dir``: refuse bundles whose files differ from those its ``dreams.json``
    recorded (a folder re-exported, or another shipped simulator after an upgrade). Runs older than that
    file are not checked."""
    saved_path = config.out_dir / DREAMS_FILE
    if not saved_path.exists():
        return
    saved = json.loads(saved_path.read_text())
    current = dream_identity(config)
    changed = [
        f"{role}: {saved[role]['folder'] if role in saved else 'none'} -> {current[role]['folder'] if role in current else 'none'}"
        for role in sorted(set(saved) | set(current))
        if role not in saved or role not in current or saved[role]["files"] != current[role]["files"]
    ]
    if changed:
        raise ValueError(
            f"{config.out_dir} was refined in other dreams than this run would build ({'; '.join(changed)}): the "
            f"bundle files differ from the sha256 recorded in {saved_path}. Resume with the bundles it was refined "
            "in, or refine into a new --out folder."
        )


def _save_checkpoint(model: DreamPPO, config: RefineConfig, history: list[dict]) -> Path:
    """``checkpoints/iter_XXXX.zip`` (plain SB3) plus ``resume.pt`` with what a resumed run needs."""
    path = save_model(model, config.out_dir / "checkpoints" / _checkpoint_name(model.iteration))
    state = {
        "checkpoint": path.name,
        "num_timesteps": model.num_timesteps,
        "optimizer": model.policy.optimizer.state_dict(),
        "history": history,
        "demo_generator": model.demo_generator_state(),
    }
    atomic_torch_save(state, config.out_dir / "resume.pt")
    return path


def monitor_in_real(model: PPO, config: RefineConfig, monitor: list[dict]) -> None:
    """Monitoring only: the current policy's success in real Meta-World on tuning layouts.

    Runs after a checkpoint is written, with deterministic actions; the result goes to
    ``monitor_real.json`` and TensorBoard and is never used by the PPO update.
    """
    from dreamgym.data.collect import TUNING_SEED_BASE
    from dreamgym.policy.evaluate import evaluate_real

    report = evaluate_real(model, config.task, seeds=[0], episodes=config.monitor_real_episodes,
                           seed_base=TUNING_SEED_BASE, progress=False)
    monitor.append({"iteration": model.iteration, "real_success_rate": report["mean"],
                    "episodes": config.monitor_real_episodes, "layouts": "tuning"})
    model.logger.record("monitor_real/success_rate", report["mean"])
    model.logger.dump(model.num_timesteps)
    (config.out_dir / "monitor_real.json").write_text(json.dumps(monitor, indent=2))


def load_demonstrations(config: RefineConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """The (frame, action) pairs of ``config.demo_sources`` under ``<data_dir>/<task>/`` for the demonstration term."""
    from dreamgym.policy.bc import load_demonstration_pairs

    return load_demonstration_pairs(config.data_dir, config.task, config.demo_sources, "demo_nll_coef (--demo-nll)")


def make_dream_vec_env(config: RefineConfig):
    """The SB3 view of ``config.num_envs`` imagined worlds (with episode statistics); with
    ``config.mixture_bundles`` the worlds are shared equally between the dreams (:mod:`dreamgym.dream.mixture`)."""
    from stable_baselines3.common.vec_env import VecMonitor

    from dreamgym.dream.mixture import DreamMixtureVecEnv
    from dreamgym.dream.sb3 import SB3VecEnvAdapter
    from dreamgym.dream.vector_env import DreamWorldVectorEnv

    bundles = [config.bundle, *config.mixture_bundles]
    dreams = [
        SB3VecEnvAdapter(DreamWorldVectorEnv(
            num_envs=config.num_envs // len(bundles),
            task=config.task,
            bundle=bundle,
            device=config.device,
            denoising_steps=config.denoising_steps,
            sampler=config.sampler,
            max_episode_steps=config.max_episode_steps,
            reset_mode=config.reset_mode,
            success_confirmation=config.success_confirmation,
        ))
        for bundle in bundles
    ]
    venv = VecMonitor(dreams[0] if len(dreams) == 1 else DreamMixtureVecEnv(dreams))
    venv.seed(config.seed)
    return venv


def refine(config: RefineConfig, progress: bool = True) -> dict:
    """Run (or resume) PPO refinement in the dream; returns a summary (also in ``summary.json``)."""
    from stable_baselines3.common.logger import configure

    config.out_dir.mkdir(parents=True, exist_ok=True)
    if (config.out_dir / "resume.pt").exists():
        _refuse_other_settings(config)  # before any dream is built
        _refuse_other_dreams(config)
    venv = make_dream_vec_env(config)
    model = new_ppo(
        venv,
        seed=config.seed,
        device=config.device,
        ppo_class=DreamPPO,
        n_steps=config.n_steps,
        batch_size=config.batch_size,
        n_epochs=config.n_epochs,
        gamma=config.gamma,
        gae_lambda=config.gae_lambda,
        clip_range=config.clip_range,
        target_kl=config.target_kl,
        ent_coef=config.ent_coef,
        actor_learning_rate=config.actor_learning_rate,
        critic_learning_rate=config.critic_learning_rate,
        critic_warmup_iterations=config.critic_warmup_iterations,
        log_std_max=config.log_std_max,
        log_std_learning_rate=config.log_std_learning_rate,
        anchor_kl_coef=config.anchor_kl_coef,
        demo_nll_coef=config.demo_nll_coef,
    )
    if config.demo_nll_coef > 0:
        model.set_demonstrations(*load_demonstrations(config), batch_size=config.demo_batch_size, seed=config.seed)
    history: list[dict] = []
    resume_path = config.out_dir / "resume.pt"
    if resume_path.exists():
        state = torch.load(resume_path, map_location=config.device, weights_only=False)
        checkpoint = load_policy(config.out_dir / "checkpoints" / state["checkpoint"], config.device)
        model.policy.load_state_dict(checkpoint.policy.state_dict())
        model.policy.optimizer.load_state_dict(state["optimizer"])
        model.num_timesteps = int(state["num_timesteps"])
        model.set_anchor(load_policy(config.out_dir / ANCHOR_FILE, config.device).policy)
        model.set_demo_generator_state(state.get("demo_generator"))
        history = list(state["history"])
        print(f"resuming {config.out_dir} at iteration {model.iteration}")
    else:
        start = load_policy(config.bc_model, config.device)
        save_model(start, config.out_dir / ANCHOR_FILE)  # a resumed run anchors to the same BC policy
        model.set_anchor(start.policy)
        model.policy.load_state_dict(start.policy.state_dict())
        if config.initial_log_std is not None:
            with torch.no_grad():
                model.policy.log_std.fill_(config.initial_log_std)
        model.clip_log_std()
        (config.out_dir / "config.json").write_text(json.dumps(config.to_dict(), indent=2))
        atomic_write_json(config.out_dir / DREAMS_FILE, dream_identity(config))
        _save_checkpoint(model, config, history)  # iteration 0: the starting policy
    model.set_logger(configure(str(config.out_dir / "tb"), ["tensorboard"]))

    monitor_path = config.out_dir / "monitor_real.json"
    monitor: list[dict] = json.loads(monitor_path.read_text()) if monitor_path.exists() else []
    if config.monitor_real_episodes and not monitor:
        monitor_in_real(model, config, monitor)  # the starting policy
    start_time = time.time() - (history[-1]["seconds"] if history else 0.0)
    bar = tqdm(total=config.iterations, initial=model.iteration, desc="PPO in the dream", unit="iter", disable=not progress)
    progress_callback = _DreamProgress(history, start_time, bar)
    while model.iteration < config.iterations:
        chunk = min(config.checkpoint_every - model.iteration % config.checkpoint_every, config.iterations - model.iteration)
        model.learn(chunk * config.transitions_per_iteration, callback=progress_callback, reset_num_timesteps=False)
        _save_checkpoint(model, config, history)
        (config.out_dir / "history.json").write_text(json.dumps(history, indent=2))
        if config.monitor_real_episodes:
            monitor_in_real(model, config, monitor)
    bar.close()
    venv.close()
    averaged = _checkpoints_averaged(config)
    if averaged is None:
        save_model(model, config.out_dir / "refined.zip")
    else:
        save_model(model, config.out_dir / "final.zip")
        save_model(averaged, config.out_dir / "refined.zip")
    summary = {
        "config": config.to_dict(),
        "iterations": model.iteration,
        "imagined_transitions": model.num_timesteps,
        "seconds": history[-1]["seconds"] if history else 0.0,
        "hardware": hardware_description(torch.device(config.device)),
        "final_log_std": model.policy.log_std.detach().cpu().tolist(),
        "final_dream_success_rate": history[-1]["dream_success_rate"] if history else None,
        "refined_is_average_of": _averaged_checkpoints(config) if averaged is not None else None,
        "monitor_real": monitor,
    }
    (config.out_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary
