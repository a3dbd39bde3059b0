"""``dreamgym refine --method filtered-bc``: behaviour cloning of the dream's successes.

The BC policy acts in the learned simulator, sampling from its Gaussian, in ``rounds`` batches of
``num_envs`` imagined episodes that start from real 4-frame contexts of the bundle's stored trajectories, by default at
decisions 10-16 of them (``start_decisions``; the dream then imagines fewer decisions before the outcome), each for up
to the bundle's 50 decisions; by default every start is imagined ``group_size`` = 4 times per round. Which episodes
succeed is decided by ``success_signal``: by default the bundle's outcome model judges each episode at its real
episode's end from the start context's real state and the actions taken (:mod:`dreamgym.reward.outcome`);
``"classifier"`` instead pays a frame-classifier success only if the dream reproduces it (``success_confirmation``,
:mod:`dreamgym.dream.confirmation`: 4 re-imaginings of the last 20 transitions, the grasp included, a success on any of
their last 5 frames). Each success weighs the share of its start's group that failed (below), and behaviour cloning
continues from the BC weights on the kept episodes' (imagined frame, action) pairs, drawn in proportion to those
weights, mixed half and half with the recorded expert demonstrations (real frames, randomly shifted as in ``dreamgym
train-bc``), ``imitation_seeds`` = 4 times with their own batches. The imitated policy (``filtered.zip``) is the mean of
the weights every ``snapshot_every`` steps from ``average_from`` on, over all four clonings, and ``refined.zip`` is that
policy (``halfway_to_bc=True``: halfway between it and the BC policy,
the mean of both policies' weights). Neither the world model nor the classifier changes; no real-simulator step is taken.

The defaults are session 31's (outcome signal, groups of 4, the imitated policy itself) with session 33's soup of four
clonings: on the stored imagined episodes of eleven draws (three BC policies of 0.540 / 0.700 / 0.893 real success,
three or four draws each, 150 held-out layouts) one cloning moved them by +29.3 / +13.3 / -4.5 points on average, with
one draw of the strong policy at -20.0, and the soup of four by +29.3 / +16.3 / -0.0, its worst draw -4.7; three fresh
draws of the soup default gave +26.0 (0.540), +14.0 (0.700) and -4.7 (0.893) (``benchmarks/policy/outcome-signal/``). Without groups, halfway back to BC, the same signal gave +16.3 / +7.3 / +0.9.
Before session 31 the default was the classifier's confirmed successes, one weight per success, halfway back to BC.

Why not PPO: on coffee-pull, PPO with the same confirmed reward moved three BC policies' real success by
noise only (-0.5 points over nine runs, ``benchmarks/policy/gpu-scale/``, session 19), although that reward
pays replayed real successes about seven times as often as replayed real failures. Imitating the confirmed
successes uses the same signal with a low-variance update. Measured against a null that keeps as many
episodes drawn without looking at the outcome: ``benchmarks/policy/dream-filtered-bc/``.

Why late starts (and, before session 31, halfway): from the first frames of real episodes, the policy that BC already made good (0.90 real
success) lost 9-13 points by imitation, halfway back to BC 2-6; from decisions 10-16 it lost 4.0 and 0.0 (halfway 3.3
and 2.0), while the two weaker policies gained 22.7 / 6.7 and halfway 18.0 / 8.0 (one run each,
``benchmarks/policy/dream-filtered-bc/``, session 21).

``passes=2`` (or more) runs the whole of it again: pass 2 lets pass 1's imitated policy act in new imagined episodes
(``pass-2/``) and imitates their successes, continuing from that policy's weights; ``refined.zip`` is then the last
pass's policy (with ``halfway_to_bc``, halfway between BC and it). It is not the default: measured in sessions 22-23
with the classifier's confirmed successes, over two imagination seeds per BC policy of the benchmark, halfway after two
passes gained +0.7 / -4.0, +14.7 / +7.3 and +18.0 / +6.7 points in reality against one
pass's -3.3 / -2.0, +8.0 / +12.7 and +18.0 / +8.7 (means +7.2 and +7.0), at twice the imagining; the imitation's own
seed alone moves a policy's real success by 7-17 points (``benchmarks/policy/dream-filtered-bc/``, sessions 22-23).
Over six draws per policy (two imagination x three imitation seeds) the session-20 default's ``refined.zip`` gained -1.9 / +8.6 /
+10.8 points on BC policies of 0.900 / 0.667 / 0.613 real success (standard deviations 2.1 / 3.3 / 4.3).

``group_size=G`` (> 1; default 4) imagines every start G times per round (``num_envs / G`` starts) and weighs each kept
success by the share of its group that failed, its advantage over the group's mean outcome (as GRPO's group-relative
baseline): a start the policy always solves in the dream teaches nothing, a start it mostly fails teaches most, and the
imitation draws its imagined pairs in proportion to those weights. Without groups (1) every success weighs the same, so
most kept pairs repeat what the policy already does where it already succeeds.

Why a soup (``imitation_seeds=4``, session 33): the same imagined episodes, imitated once with other batches, land up
to 15 points apart in reality; one draw of the shipped BC lost 20 points (0.893 -> 0.693) with a single cloning and
4.7 as a soup of four on the very same episodes, and the soup did better than the single cloning in 8 of the
11 draws (mean of the per-policy mean gains +15.2 against +12.7). It costs four times the imitation (about 2.5 min
on a 2-core CPU instead of 40 s, next to about 8 min of imagining).

``success_threshold=P`` keeps only the imagined successes the outcome model gives at least P
(:func:`outcome_probabilities`; at 0.9, +13.6 against the single cloning's +15.6 on two draws per BC policy, session 32;
not the default). A second pass (``passes=2``) with the session-31 defaults came out 2.7
points below one pass on both draws tried.

A run folder holds ``config.json``, ``imagined_episodes.npz`` (written after every round: a rerun with the
same settings resumes there and refuses other settings), ``filtered.zip``, ``refined.zip`` and ``summary.json``;
``pass-<k>/`` the same for each later pass (without ``refined.zip``).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, replace
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from tqdm.auto import tqdm

from dreamgym.bundle import SUCCESS_SIGNALS
from dreamgym.dream.confirmation import SuccessConfirmation
from dreamgym.files import atomic_write, atomic_write_json
from dreamgym.tasks import get_task

if TYPE_CHECKING:
    from dreamgym.policy.model import WeightMean

IMITATION_CONFIRMATION = {"rerolls": 4, "horizon": 20, "window": 5}
"""Default pessimistic success of the filtered imitation (what the benchmark measured)."""
LATE_STARTS = (10, 16)
"""Default decisions of the stored real trajectories where imagined episodes start: from 10-16 the dream imagines about
10-15 decisions to the outcome instead of about 25, and more of the successes it confirms are real when their actions
are replayed in reality (47-53% against 32-42% from the first frames, three BC policies;
``benchmarks/policy/dream-filtered-bc/``)."""
PAIR_CHOICES = ("episode", "until-grasp")
"""Which decisions of a kept imagined episode are imitated: all of them, or those up to the grasp
(:func:`until_grasp`)."""
GRASP_MARGIN = 2
"""Decisions after the first closing command that ``pairs="until-grasp"`` still imitates (the gripper closes over several)."""
IMITATION_SEED_STEP = 1000
"""Behaviour cloning ``k`` (0-based) of a run with ``imitation_seeds`` > 1 draws its batches with ``seed +
IMITATION_SEED_STEP * k``: cloning 0 is exactly the single cloning of ``imitation_seeds=1``."""
PASS_SEED_STEP = 2
"""Pass ``k`` of a run imagines with ``seed + PASS_SEED_STEP * (k - 1)``: other noise than the pass before it, and the
benchmark's second rounds (imagination seed 2 after seed 0) are exactly what ``passes=2`` runs."""
EPISODES_FILE = "imagined_episodes.npz"


@dataclass
class DreamImitationConfig:
    """What ``dreamgym refine --method filtered-bc`` runs.

    :param bc_model: SB3 zip of the policy to improve (``dreamgym train-bc``'s output or a shipped ``bc.zip``).
    :param out_dir: run folder.
    :param task: task whose learned simulator to imagine in.
    :param bundle: a bundle folder instead of the shipped one.
    :param num_envs: imagined worlds per round; each plays exactly one episode per round.
    :param rounds: rounds of imagined episodes (``num_envs * rounds`` episodes per pass).
    :param passes: collect-and-imitate passes, each started from the policy the previous one imitated (its
        imagined episodes seeded ``seed + PASS_SEED_STEP * (pass - 1)``, its folder ``pass-<k>``; the default 1 was 2
        in session 22).
    :param success_confirmation: which imagined successes count (:class:`SuccessConfirmation` as a dict); with
        ``success_signal="classifier"`` only.
    :param success_signal: ``"outcome"`` (the default since session 31): the bundle's outcome model judges each imagined
        episode at its real episode's end (:mod:`dreamgym.reward.outcome`; no confirmation), or ``"classifier"``: the
        frame classifier's successes, confirmed by re-imagining.
    :param sampler: ``"distilled"`` or ``"teacher"`` world model (default: the bundle's).
    :param denoising_steps: Euler steps per imagined frame of the teacher sampler (default: the bundle's).
    :param steps: behaviour-cloning steps on the kept episodes and the demonstrations.
    :param imitation_seeds: independent behaviour clonings from the same start weights on the same kept episodes, each
        with its own batches and augmentation (seeds ``seed + IMITATION_SEED_STEP * k``); the imitated policy averages
        the snapshots of all of them (a uniform "model soup" of clonings that share their start; 1: one cloning, the
        default before session 33).
    :param batch_size: (frame, action) pairs per step, half imagined and half demonstrated.
    :param learning_rate: Adam learning rate of the actor (and log-std).
    :param average_from: the imitated policy averages the snapshots from this step on (``None``: half the steps).
    :param snapshot_every: steps between those snapshots (the last step is always one).
    :param shift_pixels: random-shift augmentation of every frame, in pixels.
    :param halfway_to_bc: ``refined.zip`` = the mean weights of the BC policy and the imitated one (the default before
        session 31; ``False``, now the default: the imitated one).
    :param start_decisions: ``(first, last)``: each imagined episode starts from a real context that begins at a decision
        drawn uniformly from ``first..last`` of a stored real trajectory of the bundle (``(0, 0)``: at its first frame).
        Later starts leave the world model fewer decisions to imagine before the outcome, where its drift decides
        which successes it confirms (``benchmarks/policy/dream-filtered-bc/``). ``None`` (the default):
        :data:`LATE_STARTS`, cut to the decisions the bundle's stored trajectories hold.
    :param pairs: ``"episode"``: imitate every decision of a kept episode; ``"until-grasp"``: only those up to
        :data:`GRASP_MARGIN` decisions after the first closing command (the dream's confirmed success speaks for
        the grasp; what follows it, the pull, is where the dream keeps a slipping mug in the gripper).
    :param demo_sources: episode sources under ``<data_dir>/<task>/`` mixed into every batch.
    :param data_dir: dataset root of the demonstrations (``dreamgym collect``'s ``--out``).
    :param success_threshold: with ``success_signal="outcome"``: an imagined episode counts as a success for the
        imitation only where the outcome model gives it at least this probability (recomputed from the stored start
        and actions, :func:`outcome_probabilities`); ``None`` (the default): the model's own threshold, the dream's
        verdict. Not a collection setting: a run folder's episodes can be re-imitated with another threshold.
    :param group_size: imagined episodes per start (each round imagines ``num_envs / group_size`` starts); above 1 a
        kept success weighs the share of its group that failed (see the module docstring).
    :param seed: seed of the imagined episodes (their starts, the dream's noise, the policy's actions) and of
        the behaviour cloning.
    :param device: where the policy and the learned simulator run.
    """

    bc_model: Path
    out_dir: Path
    task: str = "coffee-pull"
    bundle: Path | None = None
    num_envs: int = 64
    rounds: int = 8
    passes: int = 1
    success_confirmation: dict = field(default_factory=lambda: dict(IMITATION_CONFIRMATION))
    success_signal: str = "outcome"
    sampler: str | None = None
    denoising_steps: int | None = None
    steps: int = 1000
    imitation_seeds: int = 4
    batch_size: int = 64
    learning_rate: float = 1e-4
    average_from: int | None = None
    snapshot_every: int = 50
    shift_pixels: int = 4
    halfway_to_bc: bool = False
    pairs: str = "episode"
    start_decisions: tuple[int, int] | None = None
    demo_sources: tuple[str, ...] = ("expert",)
    data_dir: Path = Path("data")
    success_threshold: float | None = None
    group_size: int = 4
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        self.task = get_task(self.task).name
        self.bc_model, self.out_dir, self.data_dir = Path(self.bc_model), Path(self.out_dir), Path(self.data_dir)
        self.bundle = Path(self.bundle) if self.bundle is not None else None
        self.demo_sources = tuple(self.demo_sources)
        for name in ("num_envs", "rounds", "passes", "steps", "imitation_seeds", "snapshot_every", "group_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}.")
        if self.num_envs % self.group_size:
            raise ValueError(f"num_envs ({self.num_envs}) must be a multiple of group_size ({self.group_size}): every round "
                             "imagines whole groups of episodes from the same start.")
        if self.batch_size < 2 or self.batch_size % 2:
            raise ValueError(f"batch_size must be an even number >= 2 (half imagined, half demonstrated), got {self.batch_size}.")
        if self.average_from is None:
            self.average_from = max(1, self.steps // 2)
        if not 1 <= self.average_from <= self.steps:
            raise ValueError(f"average_from must be a step in [1, steps={self.steps}], got {self.average_from}.")
        if not (np.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be a finite number > 0, got {self.learning_rate}.")
        if self.shift_pixels < 0:
            raise ValueError(f"shift_pixels must be >= 0, got {self.shift_pixels}.")
        if not isinstance(self.halfway_to_bc, bool):
            raise ValueError(f"halfway_to_bc must be True or False, got {self.halfway_to_bc!r}.")
        if self.pairs not in PAIR_CHOICES:
            raise ValueError(f"pairs must be one of {PAIR_CHOICES}, got {self.pairs!r}.")
        starts = self.start_decisions
        if starts is not None and (
                not isinstance(starts, (tuple, list)) or len(starts) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in starts) or not 0 <= starts[0] <= starts[1]):
            raise ValueError(f"start_decisions must be two integers (first, last) with 0 <= first <= last, or None "
                             f"(decisions {LATE_STARTS[0]}-{LATE_STARTS[1]}), got {starts!r}.")
        self.start_decisions = None if starts is None else (int(starts[0]), int(starts[1]))
        if not self.demo_sources:
            raise ValueError("demo_sources must name at least one episode source (e.g. 'expert').")
        if self.success_signal not in SUCCESS_SIGNALS:
            raise ValueError(f"success_signal must be one of {list(SUCCESS_SIGNALS)}, got {self.success_signal!r}.")
        threshold = self.success_threshold
        if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, Real)
                                      or not 0 < threshold < 1):
            raise ValueError(f"success_threshold must be a probability strictly between 0 and 1, or None, got {threshold!r}.")
        if threshold is not None and self.success_signal != "outcome":
            raise ValueError("success_threshold applies to the outcome model's probabilities; expected success_signal="
                             f"'outcome', got {self.success_signal!r}.")
        if self.success_confirmation is None:
            raise ValueError("success_confirmation is required: unconfirmed imagined successes include the near misses "
                             "the dream draws as held (see dreamgym.dream.confirmation).")
        self.success_confirmation = SuccessConfirmation.from_dict(dict(self.success_confirmation)).to_dict()

    def to_dict(self) -> dict:
        return {key: str(value) if isinstance(value, Path) else value for key, value in asdict(self).items()}


# Settings that decide which imagined episodes a run folder holds: a resumed run must not change them.
_COLLECTION_SETTINGS = ("bc_model", "task", "bundle", "num_envs", "success_confirmation", "sampler", "denoising_steps", "seed",
                        "start_decisions", "success_signal", "group_size")
_IMITATION_SETTINGS = ("steps", "imitation_seeds", "success_threshold", "batch_size", "learning_rate", "average_from",
                       "snapshot_every", "shift_pixels", "pairs", "demo_sources", "data_dir")
"""Settings of the imitation that made a later pass's acting policy: its stored episodes came from that policy."""
_ADDED_LATER = {"start_decisions": [0, 0], "success_signal": "classifier", "group_size": 1, "imitation_seeds": 1,
                "success_threshold": None}
"""Settings newer than some run folders, with the value those folders were made with."""


def _refuse_other_collection(config: DreamImitationConfig, settings: tuple[str, ...] = _COLLECTION_SETTINGS) -> None:
    path = config.out_dir / "config.json"
    if not path.exists():
        return
    stored, current = json.loads(path.read_text()), json.loads(json.dumps(config.to_dict()))
    stored = {name: stored.get(name, _ADDED_LATER.get(name)) for name in settings}
    changed = [f"{name}: {stored[name]!r} -> {current[name]!r}" for name in settings if stored[name] != current[name]]
    if changed:
        raise ValueError(f"{config.out_dir} holds imagined episodes of other settings ({'; '.join(changed)}); "
                         "expected the same settings to resume, or a new --out folder.")


def until_grasp(actions: np.ndarray) -> int:
    """How many leading decisions of one episode's ``actions`` (``(T, 4)``, the 4th the gripper effort, positive
    closing) reach the grasp: up to :data:`GRASP_MARGIN` decisions after the first closing command, or all of them
    if the gripper never closes."""
    closing = np.flatnonzero(actions[:, 3] > 0)
    return len(actions) if not len(closing) else min(len(actions), int(closing[0]) + GRASP_MARGIN + 1)


def draw_starts(initial_states, count: int, history: int, start_decisions: tuple[int, int] | None,
                generator: torch.Generator, group_size: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``count`` (trajectory, first decision) pairs of the bundle's stored real trajectories to start imagined episodes from
    (``start_decisions=None``: :data:`LATE_STARTS`, cut to what the trajectories hold); with ``group_size`` > 1,
    ``count / group_size`` starts, each repeated ``group_size`` times in a row.

    :raises ValueError: if the stored trajectories are too short for a context of ``history`` frames from ``start_decisions[1]``.
    """
    stored, length = initial_states.frames.shape[:2]
    latest = length - history
    if start_decisions is None:  # the default: the late starts, as far as the stored trajectories reach
        start_decisions = (min(LATE_STARTS[0], latest), min(LATE_STARTS[1], latest))
    if start_decisions[1] > latest:
        raise ValueError(f"start_decisions {tuple(start_decisions)} reach past the bundle's stored trajectories: they hold "
                         f"{length} frames, so a {history}-frame context starts at decision {latest} at the latest.")
    groups = count // group_size
    trajectories = torch.randint(stored, (groups,), generator=generator)
    decisions = torch.randint(start_decisions[0], start_decisions[1] + 1, (groups,), generator=generator)
    return np.repeat(trajectories.numpy(), group_size), np.repeat(decisions.numpy(), group_size)


def success_weights(success: np.ndarray, group_size: int) -> np.ndarray:
    """How much each imagined episode weighs in the imitation: 0 for a failure; for a success 1 without groups
    (``group_size`` 1), else the share of its group (``group_size`` consecutive episodes from one start) that failed."""
    success = np.asarray(success, dtype=bool)
    if len(success) % group_size:
        raise ValueError(f"{len(success)} imagined episodes do not split into groups of {group_size}.")
    if group_size == 1:
        return success.astype(np.float64)
    failed_share = 1.0 - success.reshape(-1, group_size).mean(axis=1)
    return success * np.repeat(failed_share, group_size)


def play_round(model, env, seed: int, starts: tuple[np.ndarray, np.ndarray] | None = None) -> list[dict]:
    """One imagined episode per world of ``env`` (a :class:`~dreamgym.dream.vector_env.DreamWorldVectorEnv`),
    the policy sampling its actions: per world the frames it saw, its actions and whether the dream paid a success.

    ``starts``: per world the (trajectory, first decision) of the real context it starts from
    (:func:`draw_starts`); ``None``: the env draws its own. Worlds that finished are still stepped (the batch stays
    whole) but what follows their episode is dropped.
    """
    options = None
    if starts is not None:
        initial_states = env.simulator.initial_states
        frames, actions = initial_states.contexts(*starts, env.history)
        options = {"frames": frames.numpy(), "actions": actions.numpy().astype(np.float32)}
        if env.success_signal == "outcome":  # the outcome model starts from the real state at the context's last frame
            options["states"], options["decisions"] = initial_states.outcome_starts(*starts, env.history)
    observation, _ = env.reset(seed=seed, options=options)
    count = env.num_envs
    frames: list[list[np.ndarray]] = [[] for _ in range(count)]
    actions: list[list[np.ndarray]] = [[] for _ in range(count)]
    success = np.zeros(count, bool)
    running = np.ones(count, bool)
    while running.any():
        action, _ = model.predict(observation, deterministic=False)
        action = action.astype(np.float32)
        next_observation, reward, terminated, truncated, _ = env.step(action)
        for world in np.flatnonzero(running):
            frames[world].append(observation[world])
            actions[world].append(action[world])
            if terminated[world] or truncated[world]:
                success[world] = bool(reward[world] > 0)
                running[world] = False
        observation = next_observation
    return [{"frames": np.stack(f), "actions": np.stack(a), "success": bool(s)} for f, a, s in zip(frames, actions, success)]


def _save_npz(path: Path, arrays: dict) -> None:
    with open(path, "wb") as handle:  # a file handle: np.savez would append .npz to the temp file's name
        np.savez(handle, **arrays)


def collect_imagined_episodes(config: DreamImitationConfig, progress: bool = True) -> dict[str, np.ndarray]:
    """Play the rounds not yet stored in ``<out_dir>/imagined_episodes.npz`` and return all of them:
    ``frames`` uint8 and ``actions`` float32 of every decision (episodes one after another), per episode its
    ``lengths``, ``success`` and real start (``start_trajectory`` into the bundle's stored trajectories, ``start_decision``
    where its context begins), ``round_seconds`` and the number of ``rounds``."""
    from dreamgym.dream.vector_env import DreamWorldVectorEnv
    from dreamgym.policy.model import load_policy

    path = config.out_dir / EPISODES_FILE
    stored = dict(np.load(path)) if path.exists() else {}
    done = int(stored["rounds"]) if stored else 0
    if done >= config.rounds:
        return stored
    model = load_policy(config.bc_model, config.device)
    env = DreamWorldVectorEnv(
        num_envs=config.num_envs, task=config.task, bundle=config.bundle, device=config.device,
        sampler=config.sampler, denoising_steps=config.denoising_steps,
        success_confirmation=config.success_confirmation if config.success_signal == "classifier" else None,
        success_signal=config.success_signal,
    )
    torch.manual_seed(config.seed * 1000 + done)  # the policy's action noise (SB3 samples with torch's generator)
    bar = tqdm(range(done, config.rounds), desc="imagined rounds", unit="round", disable=not progress)
    for round_index in bar:
        started = time.time()
        starts = draw_starts(env.simulator.initial_states, config.num_envs, env.history, config.start_decisions,
                             torch.Generator().manual_seed(config.seed * 1000 + round_index), config.group_size)
        episodes = play_round(model, env, seed=config.seed * 1000 + round_index, starts=starts)
        new = {
            "start_trajectory": starts[0],
            "start_decision": starts[1],
            "frames": np.concatenate([e["frames"] for e in episodes]),
            "actions": np.concatenate([e["actions"] for e in episodes]),
            "lengths": np.array([len(e["actions"]) for e in episodes]),
            "success": np.array([e["success"] for e in episodes]),
            "round_seconds": np.array([time.time() - started]),
        }
        # (a folder imagined before starts were recorded has no start_* arrays: its later rounds do without them too)
        stored = {key: np.concatenate([stored[key], value]) if stored else value for key, value in new.items()
                  if not stored or key in stored}
        stored["rounds"] = np.array(round_index + 1)
        atomic_write(path, lambda temporary, arrays=stored: _save_npz(temporary, arrays))
        bar.set_postfix(confirmed=f"{int(stored['success'].sum())}/{len(stored['success'])}")
    env.close()
    return stored


def outcome_probabilities(config: DreamImitationConfig, episodes: dict[str, np.ndarray]) -> np.ndarray:
    """The outcome model's success probability for every stored imagined episode of ``episodes``
    (:func:`collect_imagined_episodes`' arrays), recomputed as the dream env judged it at the episode's end: from the
    real state at its start context's last frame (``start_trajectory``, ``start_decision``) and all its actions.

    :raises ValueError: if the episodes were not judged by an outcome model, hold no starts (collected before starts
        were recorded), or their stored verdicts disagree with the recomputed probabilities (another bundle's model).
    """
    from dreamgym.bundle import find_bundle
    from dreamgym.dream.simulator import LearnedSimulator
    from dreamgym.reward.outcome import padded_actions

    if config.success_signal != "outcome":
        raise ValueError(f"Only episodes judged by the outcome model have outcome probabilities; these were judged by the "
                         f"{config.success_signal!r} signal.")
    if "start_trajectory" not in episodes:
        raise ValueError(f"The imagined episodes in {config.out_dir} hold no starts (collected before they were recorded); "
                         "their outcome probabilities cannot be recomputed. Collect them again in a new --out folder.")
    simulator = LearnedSimulator.load(config.bundle or find_bundle(config.task))
    model = simulator.outcome_model
    lengths = np.asarray(episodes["lengths"])
    actions, taken = padded_actions(np.split(episodes["actions"], np.cumsum(lengths)[:-1]), model.config)
    states, decisions = simulator.initial_states.outcome_starts(episodes["start_trajectory"], episodes["start_decision"],
                                                                simulator.manifest.context_frames)
    with torch.no_grad():
        probability = model.success_probability(states, actions, taken, decisions)
    verdicts = probability >= model.config.threshold
    disagree = (verdicts != episodes["success"].astype(bool)) & (np.abs(probability - model.config.threshold) > 1e-4)
    if disagree.any():
        raise ValueError(f"{int(disagree.sum())} of {len(lengths)} stored verdicts in {config.out_dir} disagree with the outcome "
                         f"model of {config.bundle or 'the shipped bundle'}; expected the bundle the episodes were imagined in.")
    return probability


def _clone(config: DreamImitationConfig, policy, seed: int, dream_frames: torch.Tensor, dream_actions: torch.Tensor,
           demo_frames: torch.Tensor, demo_actions: torch.Tensor, pair_weights: torch.Tensor | None,
           snapshots: "WeightMean", progress: bool) -> list[dict]:
    """One behaviour cloning of ``policy`` in place (batches half imagined pairs, drawn in proportion to
    ``pair_weights`` or uniformly, half demonstrated), seeded by ``seed``; adds its snapshots from
    ``config.average_from`` on to ``snapshots`` and returns its loss history."""
    from dreamgym.augment import random_shift
    from dreamgym.policy.bc import action_nll
    from dreamgym.policy.model import actor_critic_parameters

    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(actor_critic_parameters(policy)[0], lr=config.learning_rate)
    half = config.batch_size // 2
    history = []
    for step in tqdm(range(1, config.steps + 1), desc="imitating confirmed successes", unit="step", disable=not progress):
        policy.set_training_mode(True)
        imagined = (torch.randint(0, len(dream_frames), (half,), generator=generator) if pair_weights is None
                    else torch.multinomial(pair_weights, half, replacement=True, generator=generator))
        demonstrated = torch.randint(0, len(demo_frames), (half,), generator=generator)
        frames = random_shift(torch.cat([dream_frames[imagined], demo_frames[demonstrated]]), config.shift_pixels, generator)
        nll, mse = action_nll(policy, frames, torch.cat([dream_actions[imagined], demo_actions[demonstrated]]))
        if not torch.isfinite(nll):
            raise FloatingPointError(f"The imitation loss became {nll.item()} at step {step}; lower the learning rate.")
        optimizer.zero_grad(set_to_none=True)
        nll.backward()
        optimizer.step()
        if step % config.snapshot_every == 0 or step == config.steps:
            history.append({"step": step, "nll": nll.item(), "mse": mse.item()})
            if step >= config.average_from:
                snapshots.add(policy.state_dict(), name=f"the snapshot of step {step} (seed {seed})")
    return history


def imitate(config: DreamImitationConfig, episodes: dict[str, np.ndarray], kept: np.ndarray, out: Path,
            progress: bool = True, weights: np.ndarray | None = None) -> dict:
    """Behaviour cloning continued from ``config.bc_model`` on the imagined episodes ``kept`` (indices into
    ``episodes``) and the demonstrations; saves the averaged weights to ``out`` and returns a summary. ``weights``
    (one per kept episode, > 0; ``None``: equal) set how often each kept episode's pairs are drawn."""
    from dreamgym.policy.bc import load_demonstration_pairs
    from dreamgym.policy.model import WeightMean, load_policy, save_model
    from dreamgym.runs import hardware_description

    kept = np.asarray(kept, dtype=np.int64)
    if not len(kept):
        raise ValueError(f"No imagined episode to imitate: the dream confirmed no success in {len(episodes['success'])} "
                           "episodes. Try more --rounds or --num-envs, or a weaker --confirm-rerolls.")
    starts = np.concatenate([[0], np.cumsum(episodes["lengths"])])
    ends = [starts[i + 1] if config.pairs == "episode" else starts[i] + until_grasp(episodes["actions"][starts[i]:starts[i + 1]])
            for i in kept]
    index = np.concatenate([np.arange(starts[i], end) for i, end in zip(kept, ends)])
    episode_weights = np.ones(len(kept)) if weights is None else np.asarray(weights, dtype=np.float64)
    if episode_weights.shape != kept.shape or not (episode_weights > 0).all():
        raise ValueError(f"weights must hold one number > 0 per kept episode ({len(kept)}), got {episode_weights.tolist()}.")
    pair_weights = torch.from_numpy(np.concatenate([np.full(end - starts[i], w) for i, end, w in zip(kept, ends, episode_weights)]))
    dream_frames, dream_actions = torch.from_numpy(episodes["frames"][index]), torch.from_numpy(episodes["actions"][index])
    demo_frames, demo_actions = load_demonstration_pairs(config.data_dir, config.task, config.demo_sources,
                                                         "filtered-bc (half of every batch)")

    snapshots = WeightMean()
    histories = []
    started = time.time()
    for cloning in range(config.imitation_seeds):
        seed = config.seed + IMITATION_SEED_STEP * cloning
        model = load_policy(config.bc_model, config.device)
        histories.append(_clone(config, model.policy, seed, dream_frames, dream_actions, demo_frames, demo_actions,
                                None if weights is None else pair_weights, snapshots, progress))
    policy = model.policy
    policy.load_state_dict(snapshots.mean())
    save_model(model, out)
    return {
        "imagined_episodes": int(len(episodes["success"])),
        "confirmed_successes": int(episodes["success"].sum()),
        "kept_episodes": int(len(kept)),
        "kept_confirmed_successes": int(episodes["success"][kept].sum()),
        "kept_pairs": int(len(index)),
        "demonstration_pairs": int(len(demo_frames)),
        "kept_weight": round(float(episode_weights.sum()), 3),
        "averaged_snapshots": snapshots.count,
        "log_std": policy.log_std.detach().cpu().tolist(),
        "history": histories[0],
        **({"imitation_seeds": config.imitation_seeds, "histories": histories} if config.imitation_seeds > 1 else {}),
        "collect_seconds": float(episodes["round_seconds"].sum()),
        "imitation_seconds": round(time.time() - started, 1),
        "hardware": hardware_description(torch.device(config.device)),
    }


def pass_config(config: DreamImitationConfig, number: int, policy: Path) -> DreamImitationConfig:
    """The settings of pass ``number`` (1-based) of a run, whose acting policy is ``policy``: pass 1 is ``config``
    itself; a later pass imagines with its own seed in ``<out_dir>/pass-<number>``."""
    if number == 1:
        return config
    return replace(config, bc_model=policy, out_dir=config.out_dir / f"pass-{number}",
                   seed=config.seed + PASS_SEED_STEP * (number - 1), passes=1)


def refine_by_imitation(config: DreamImitationConfig, progress: bool = True) -> dict:
    """Collect (or resume collecting) imagined episodes, imitate the confirmed successes (``passes`` times, each pass
    from the previous pass's policy), write ``refined.zip`` and ``summary.json`` into ``config.out_dir``; returns the
    summary (that of the last pass, with every pass's under ``passes``)."""
    from dreamgym.policy.model import average_policies, load_policy, save_model

    configs, policy = [], config.bc_model
    for number in range(1, config.passes + 1):  # every pass checked before any is run
        configs.append(pass_config(config, number, policy))
        _refuse_other_collection(configs[-1], _COLLECTION_SETTINGS + (_IMITATION_SETTINGS if number > 1 else ()))
        policy = configs[-1].out_dir / "filtered.zip"
    passes = []
    for number, current in enumerate(configs, start=1):
        current.out_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_json(current.out_dir / "config.json", current.to_dict())
        episodes = collect_imagined_episodes(current, progress)
        success, judged = episodes["success"].astype(bool), {}
        if current.success_threshold is not None:
            success = outcome_probabilities(current, episodes) >= current.success_threshold
            judged = {"success_threshold": current.success_threshold, "successes_at_threshold": int(success.sum())}
        weights = success_weights(success, current.group_size)
        kept = np.flatnonzero(weights > 0)
        if current.group_size > 1 and success.any() and not len(kept):
            raise ValueError(f"No imagined success to imitate in {current.out_dir}: every start's group of {current.group_size} "
                             "episodes either all succeeded or all failed, so no success has an advantage over its group. "
                             "Try more --rounds, or --group-size 1.")
        passes.append({"pass": number, "acting_policy": str(current.bc_model), "seed": current.seed, **judged,
                       **imitate(current, episodes, kept, current.out_dir / "filtered.zip", progress,
                                 weights=None if current.group_size == 1 else weights[kept])})
    # ``policy``: the last pass's filtered.zip, named when the passes were checked
    refined = average_policies([config.bc_model, policy], config.device) if config.halfway_to_bc else (
        load_policy(policy, config.device))
    save_model(refined, config.out_dir / "refined.zip")
    summary = {"method": "filtered-bc", "config": config.to_dict(), **{k: v for k, v in passes[-1].items() if k != "pass"},
               "passes": [{k: v for k, v in p.items() if k != "history"} for p in passes],
               "refined": f"halfway between BC and {policy.relative_to(config.out_dir)}" if config.halfway_to_bc
               else str(policy.relative_to(config.out_dir))}
    atomic_write_json(config.out_dir / "summary.json", summary)
    return summary
