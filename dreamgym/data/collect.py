"""Record World4RL's data mix from real Meta-World: expert, BC-like and random-action episodes.

Each episode has a fixed seed derived from its source and index, so collection is reproducible and
resumable: a rerun skips the episode files that already exist (each file is written atomically, so a
killed run leaves only whole episodes behind).

The paper's "BC rollouts" are recorded as source ``bc`` from a behaviour-cloned SB3 policy
(``dreamgym train-bc``; actions sampled from its Gaussian, or, with ``bc_noise_std_range``, its mean action
plus Gaussian noise of a per-episode std, 0 being the deterministic policy) once one exists (``bc_policy``). Before
that, the scripted expert with Gaussian action noise stands in for them, stored under the source
label ``noisy_expert`` so it is never mistaken for real BC rollouts. Seeds of held-out evaluation episodes start at :data:`EVAL_SEED_BASE` and never
collide with collection seeds.

Source ``branch`` records counterfactual branches (:mod:`dreamgym.data.branches`): the expert (or,
when a BC policy is given, the expert or the BC policy, half each) acts up to a random decision,
then a random perturbation (stop, slow, weak grip, release, lift, lateral offset) changes its actions
for the rest of the episode. These episodes cover the states where success is decided, with outcomes
on both sides of the success boundary; the base, branch decision and perturbation are in ``meta``.
"""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from dreamgym.data.branches import ALL_PERTURBATIONS, PERTURBATIONS, Branch
from dreamgym.data.episode import Episode, episode_layout, episode_paths, load_episode, make_episode, save_episode
from dreamgym.tasks import CameraConfig, RenderingConfig, get_task

SOURCE_SEED_BASE = {"expert": 0, "noisy_expert": 100_000, "random": 200_000, "bc": 300_000, "branch": 400_000}
"""Episode ``i`` of a source is reset with seed ``SOURCE_SEED_BASE[source] + seed_offset + i``."""

TUNING_SEED_BASE = 500_000_000
"""First seed of episodes used to choose settings (cameras, action repeats); disjoint from both."""

EVAL_SEED_BASE = 1_000_000_000
"""First seed of held-out evaluation episodes; collection and tuning seeds stay below it."""


@dataclass
class CollectConfig:
    """What ``dreamgym collect`` records for one task.

    :param task: task name, e.g. ``"coffee-pull"``.
    :param out_dir: dataset root; episodes go to ``out_dir/<task>/<source>/<source>-<index>.npz``.
    :param num_expert: scripted-expert episodes (paper: 50).
    :param num_noisy_expert: noisy-expert episodes, the stand-in for BC rollouts (paper: 150).
    :param num_random: uniformly random-action episodes (paper: 30).
    :param num_bc: rollouts of the BC policy ``bc_policy`` (paper: 150, in place of the noisy expert).
    :param bc_policy: SB3 zip of the BC policy (``dreamgym train-bc``); needed when ``num_bc > 0``,
        and used as a base of half the branches when given.
    :param num_branch: counterfactual-branch episodes (see the module docstring).
    :param branch_at_range: first and last decision (inclusive) at which a branch may start.
    :param branch_kinds: the perturbations branches draw from (default:
        :data:`dreamgym.data.branches.PERTURBATIONS`, every kind but the opt-in ``pull``).
    :param branch_duration_range: fewest and most decisions (inclusive) a branch's perturbation lasts;
        ``None`` (the default) keeps it to the end of the episode.
    :param episode_steps: decisions per episode (paper: 50).
    :param noise_std_range: per-episode Gaussian action-noise std for ``noisy_expert``, drawn uniformly.
    :param bc_noise_std_range: ``None`` (default): BC episodes and BC-based branches sample the policy's own
        Gaussian. Given ``(low, high)``: they take its mean action plus Gaussian noise whose std is drawn per
        episode uniformly from the range (``(0, 0)``: the deterministic policy), the way the decision-fidelity
        benchmark runs BC (deterministic and with noise 0.3).
    :param seed_offset: added to every episode seed, to record a second, disjoint dataset.
    :param workers: parallel processes (each renders with its own GL context).
    :param split: ``"train"`` (seeds from 0) or ``"eval"`` (held-out seeds from :data:`EVAL_SEED_BASE`,
        never used for training data).
    """

    task: str
    out_dir: Path
    num_expert: int = 50
    num_noisy_expert: int = 150
    num_random: int = 30
    num_bc: int = 0
    bc_policy: Path | None = None
    num_branch: int = 0
    branch_at_range: tuple[int, int] = (4, 30)
    branch_kinds: tuple[str, ...] = PERTURBATIONS
    branch_duration_range: tuple[int, int] | None = None
    episode_steps: int = 50
    width: int = 64
    height: int = 64
    noise_std_range: tuple[float, float] = (0.3, 1.0)
    bc_noise_std_range: tuple[float, float] | None = None
    seed_offset: int = 0
    workers: int = 1
    split: str = "train"

    def __post_init__(self) -> None:
        if self.split not in ("train", "eval"):
            raise ValueError(f"split must be 'train' or 'eval', got {self.split!r}.")
        self.task = get_task(self.task).name
        self.out_dir = Path(self.out_dir)
        if self.num_bc > 0 and self.bc_policy is None:
            raise ValueError(
                f"num_bc={self.num_bc} (--bc) needs bc_policy (--bc-policy), an SB3 zip from `dreamgym train-bc`; got None."
            )
        if self.bc_policy is not None:
            self.bc_policy = Path(self.bc_policy)
            if not self.bc_policy.is_file():
                raise ValueError(f"bc_policy {self.bc_policy} is not a file; expected an SB3 zip from `dreamgym train-bc`.")
        counts = ("num_expert", "num_noisy_expert", "num_random", "num_bc", "num_branch")
        for name in counts:
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}.")
        if not any(getattr(self, name) for name in counts):
            raise ValueError(
                f"Nothing to record: {', '.join(counts)} (--expert, --noisy-expert, --random, --bc, --branch) are all 0; "
                "expected at least one episode."
            )
        for name in ("episode_steps", "workers", "width", "height"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}.")
        if self.width != self.height:
            raise ValueError(f"frames must be square; got width {self.width} and height {self.height}.")
        first, last = self.branch_at_range
        if self.num_branch > 0 and not 0 <= first <= last < self.episode_steps:
            raise ValueError(
                f"branch_at_range (--branch-at) must satisfy 0 <= first <= last < episode_steps={self.episode_steps}, got {self.branch_at_range}."
            )
        if isinstance(self.branch_kinds, str):
            raise ValueError(
                f"branch_kinds must be a tuple of perturbation names, e.g. ('release',); got the string {self.branch_kinds!r}."
            )
        self.branch_kinds = tuple(self.branch_kinds)
        unknown = [kind for kind in self.branch_kinds if kind not in ALL_PERTURBATIONS]
        if not self.branch_kinds or unknown or len(set(self.branch_kinds)) != len(self.branch_kinds):
            raise ValueError(
                f"branch_kinds (--branch-kinds) must be distinct names from {ALL_PERTURBATIONS}, got {self.branch_kinds!r}."
            )
        if self.branch_duration_range is not None:
            shortest, longest = self.branch_duration_range
            if not 1 <= shortest <= longest:
                raise ValueError(
                    f"branch_duration_range (--branch-duration) must satisfy 1 <= fewest <= most decisions, got {self.branch_duration_range}."
                )
        low, high = self.noise_std_range
        if not 0 <= low <= high:
            raise ValueError(f"noise_std_range must satisfy 0 <= low <= high, got {self.noise_std_range}.")
        if self.bc_noise_std_range is not None:
            self.bc_noise_std_range = tuple(float(value) for value in self.bc_noise_std_range)
            low, high = self.bc_noise_std_range
            if not 0 <= low <= high:
                raise ValueError(f"bc_noise_std_range (--bc-noise) must satisfy 0 <= low <= high, got {self.bc_noise_std_range}.")
            if self.bc_policy is None:
                raise ValueError("bc_noise_std_range (--bc-noise) sets the BC policy's action noise; it needs bc_policy (--bc-policy).")
        if not 0 <= self.seed_offset < TUNING_SEED_BASE - 1_000_000:
            raise ValueError(f"seed_offset must be in [0, {TUNING_SEED_BASE - 1_000_000}), got {self.seed_offset}.")


@dataclass(frozen=True)
class EpisodeJob:
    """One episode to record: where its actions come from, its seed and its file."""

    task: str
    source: str
    index: int
    seed: int
    path: Path


@dataclass
class CollectReport:
    """What a collection run did."""

    task: str
    written: int = 0
    skipped: int = 0
    seconds: float = 0.0
    success_by_source: dict[str, list[bool]] = field(default_factory=dict)

    def success_rates(self) -> dict[str, float]:
        """Fraction of the episodes written in this run that reached success at least once, per source."""
        return {src: float(np.mean(flags)) for src, flags in self.success_by_source.items() if flags}


def plan_episodes(config: CollectConfig) -> list[EpisodeJob]:
    """Every episode of the configured mix, in a fixed order."""
    counts = {
        "expert": config.num_expert,
        "noisy_expert": config.num_noisy_expert,
        "random": config.num_random,
        "bc": config.num_bc,
        "branch": config.num_branch,
    }
    jobs = []
    for source, count in counts.items():
        for index in range(count):
            base = EVAL_SEED_BASE if config.split == "eval" else 0
            seed = base + SOURCE_SEED_BASE[source] + config.seed_offset + index
            path = config.out_dir / config.task / source / f"{source}-{index:05d}.npz"
            jobs.append(EpisodeJob(config.task, source, index, seed, path))
    return jobs


class EpisodeRecorder:
    """Owns one rendering env and records episodes with it (one per process)."""

    def __init__(self, config: CollectConfig):
        from dreamgym.real import MetaWorldPixelEnv, ScriptedExpert

        self.config = config
        self.env = MetaWorldPixelEnv(
            config.task, width=config.width, height=config.height, episode_steps=config.episode_steps
        )
        self.expert = ScriptedExpert(config.task)
        self.bc_policy = None
        if config.bc_policy is not None:
            from dreamgym.policy.model import load_policy

            self.bc_policy = load_policy(config.bc_policy)

    def record(self, job: EpisodeJob) -> Episode:
        """Run one episode of ``job.source`` from ``reset(seed=job.seed)`` and return it."""
        rng = np.random.default_rng(job.seed)
        noise_std = float(rng.uniform(*self.config.noise_std_range)) if job.source == "noisy_expert" else 0.0
        branch, base = None, job.source
        if job.source == "branch":
            base = "bc" if self.bc_policy is not None and rng.random() < 0.5 else "expert"
            branch = Branch.draw(
                rng, self.config.branch_at_range, self.config.branch_kinds, self.config.branch_duration_range
            )
        bc_mean = base == "bc" and self.config.bc_noise_std_range is not None
        if bc_mean:
            noise_std = float(rng.uniform(*self.config.bc_noise_std_range))
        elif base == "bc":
            torch.manual_seed(job.seed)  # the policy samples its actions with torch's generator
        frame, info = self.env.reset(seed=job.seed)
        frames, states, success = [frame], [info["state"]], [info["success"]]
        actions, rewards = [], []
        for decision in range(self.config.episode_steps):
            if base == "random":
                action = rng.uniform(-1.0, 1.0, size=4).astype(np.float32)
            elif base == "bc":
                action = np.clip(self.bc_policy.predict(frame, deterministic=bc_mean)[0], -1.0, 1.0).astype(np.float32)
                if noise_std > 0:
                    action = np.clip(action + rng.normal(0.0, noise_std, size=4), -1.0, 1.0).astype(np.float32)
            else:
                action = self.expert(info["state"])
                if noise_std > 0:
                    action = np.clip(action + rng.normal(0.0, noise_std, size=4), -1.0, 1.0).astype(np.float32)
            if branch is not None:
                action = branch.apply(action, decision)
            frame, reward, terminated, truncated, info = self.env.step(action)
            frames.append(frame)
            states.append(info["state"])
            success.append(info["success"])
            actions.append(action)
            rewards.append(reward)
            if terminated or truncated:
                break
        meta = {
            "task": job.task,
            "source": job.source,
            "seed": job.seed,
            "index": job.index,
            "noise_std": noise_std,
            "bc_actions": None if base != "bc" else ("mean" if bc_mean else "sampled"),
            "branch": {"base": base, **branch.to_dict()} if branch is not None else None,
            "camera": self.env.camera.to_dict(),
            "rendering": self.env.rendering.to_dict(),
            "action_repeat": self.env.action_repeat,
            "episode_steps": self.config.episode_steps,
            "width": self.config.width,
            "height": self.config.height,
            "simulator": "metaworld-v3",
        }
        return make_episode(np.stack(frames), np.stack(actions), rewards, success, meta, states=np.stack(states))

    def close(self) -> None:
        self.env.close()


_worker_recorder: EpisodeRecorder | None = None


def _init_worker(config: CollectConfig) -> None:
    global _worker_recorder
    if config.workers > 1:
        torch.set_num_threads(1)  # several workers share the cores; a BC policy must not oversubscribe them
    _worker_recorder = EpisodeRecorder(config)


def _record_and_save(job: EpisodeJob) -> tuple[str, bool]:
    if _worker_recorder is None:
        raise RuntimeError("collection worker was not initialised")
    episode = _worker_recorder.record(job)
    save_episode(episode, job.path)
    return job.source, bool(episode.success.any())


def collect(config: CollectConfig, progress: bool = True) -> CollectReport:
    """Record every missing episode of ``config``; existing episode files are kept (resume)."""
    jobs = plan_episodes(config)
    _remove_partial_files(config.out_dir / config.task)
    _check_existing_layout(config)
    todo = [job for job in jobs if not job.path.exists()]
    report = CollectReport(task=config.task, skipped=len(jobs) - len(todo))
    start = time.perf_counter()
    bar = tqdm(total=len(jobs), initial=report.skipped, desc=f"collect {config.task}", unit="ep", disable=not progress)
    if config.workers == 1 or len(todo) <= 1:
        _init_worker(config)
        try:
            results = map(_record_and_save, todo)
            _consume(results, report, bar)
        finally:
            _worker_recorder.close()
    else:
        context = multiprocessing.get_context("spawn")  # fresh processes: no GL context is inherited
        with context.Pool(config.workers, initializer=_init_worker, initargs=(config,)) as pool:
            _consume(pool.imap_unordered(_record_and_save, todo), report, bar)
    bar.close()
    report.seconds = time.perf_counter() - start
    return report


def _check_existing_layout(config: CollectConfig) -> None:
    """Refuse to add episodes to a task folder whose episodes have another frame size, length, camera
    or rendering (a world model trained on the mix would imitate two kinds of frame)."""
    folder = config.out_dir / config.task
    existing = episode_paths(folder) if folder.is_dir() else []
    if not existing:
        return
    episode = load_episode(existing[0], with_states=False)
    recorded = (episode.frames.shape[-1], episode.meta.get("episode_steps", episode.num_steps))
    if recorded != (config.width, config.episode_steps):
        raise ValueError(
            f"{existing[0]} has {episode_layout(episode)}, but this collection records {config.height}x{config.width} "
            f"frames and {config.episode_steps} steps; one dataset folder holds one frame size and length "
            "(collect into another --out)."
        )
    spec = get_task(config.task)
    rendering = RenderingConfig.from_dict(episode.meta.get("rendering"))  # absent: Meta-World's own drawing
    if rendering != spec.rendering:
        raise ValueError(
            f"{existing[0]} was rendered with {rendering.describe()}, but dreamgym now renders {config.task!r} with "
            f"{spec.rendering.describe()}; one dataset folder holds one rendering (collect into another --out)."
        )
    camera = episode.meta.get("camera")
    camera = CameraConfig.from_dict(camera) if camera is not None else spec.camera
    if camera != spec.camera:
        raise ValueError(
            f"{existing[0]} was recorded with camera {camera.to_dict()}, but dreamgym now films {config.task!r} with "
            f"{spec.camera.to_dict()}; one dataset folder holds one camera (collect into another --out)."
        )


def _remove_partial_files(folder: Path) -> None:
    """Delete temp files a killed run left behind (finished episodes are never temp files)."""
    if folder.exists():
        for partial in folder.rglob(".*.tmp"):
            partial.unlink(missing_ok=True)


def _consume(results, report: CollectReport, bar) -> None:
    for source, succeeded in results:
        report.success_by_source.setdefault(source, []).append(succeeded)
        report.written += 1
        bar.update(1)


def config_summary(config: CollectConfig) -> dict:
    """The config as JSON-friendly values."""
    summary = asdict(config)
    summary["out_dir"] = str(config.out_dir)
    summary["bc_policy"] = str(config.bc_policy) if config.bc_policy is not None else None
    return summary
