"""``dreamgym train-bc``: behaviour cloning of a Gaussian image policy, written into an SB3 PPO model.

The actor of :func:`dreamgym.policy.model.new_ppo` (NatureCNN, linear mean head, state-independent
log-std) is fit by maximum likelihood to (frame, action) pairs of the expert demonstrations; the
critic keeps its initial weights (it has its own CNN). Frames are randomly shifted by a few pixels
during training. One episode in ``holdout_every`` is held out; the weights with the lowest held-out
NLL are tracked. What is saved as an SB3 zip (with a JSON summary next to it) is by default the mean of the
snapshots taken at every validation from ``average_from`` on (stochastic weight averaging; default: from half
the steps); ``keep="best-validated"`` saves the snapshot with the lowest held-out NLL instead.

Why averaging is the default: on coffee-pull, three seeds saved by the lowest held-out NLL (steps 750-1000 of
4000) reached 0.893 / 0.527 / 0.387 real success on 150 held-out layouts each; the same seeds averaged over steps
2000-4000 reached 0.940 / 0.760 / 0.993 (``benchmarks/policy/gpu-scale/``, session 12). Most of that gain
comes from using late weights at all: the last weights (step 4000) alone reached 0.913 / 0.733 / 0.993. The
held-out NLL (5 demonstrations) turns upward long before the policy stops improving in reality.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.tensorboard import SummaryWriter
from tqdm.auto import tqdm

from dreamgym.augment import random_shift
from dreamgym.data.episode import load_episodes, split_held_out
from dreamgym.data.windows import check_batch_size
from dreamgym.policy.model import WeightMean, actor_critic_parameters, new_ppo, save_model
from dreamgym.tasks import get_task

KEEP_CHOICES = ("averaged", "best-validated")
"""What ``dreamgym train-bc`` saves: the mean of the late validation snapshots, or the best-validated one."""


@dataclass
class BCConfig:
    """What ``dreamgym train-bc`` fits.

    :param task: task whose demonstrations to clone.
    :param data_dir: dataset root (``<data_dir>/<task>/<source>/*.npz``).
    :param out: the SB3 zip to write (a ``.json`` summary goes next to it).
    :param sources: episode sources to imitate (paper: the expert demonstrations only).
    :param steps: gradient steps.
    :param batch_size: (frame, action) pairs per step.
    :param learning_rate: Adam learning rate of the actor.
    :param shift_pixels: random-shift augmentation range in pixels (0 disables it).
    :param holdout_every: one episode in this many is held out for validation.
    :param eval_every: steps between validations.
    :param keep: which weights to save: ``"averaged"`` (the mean of the validation snapshots from
        ``average_from`` on) or ``"best-validated"`` (the snapshot with the lowest held-out NLL).
    :param average_from: first validation step averaged (``None``: half the steps); ``steps`` keeps the last weights.
    :param seed: seed of the initial weights, batches and augmentation.
    :param device: where to train.
    :param tensorboard: write TensorBoard logs to ``<out's folder>/tb``.
    """

    task: str = "coffee-pull"
    data_dir: Path = Path("data")
    out: Path = Path("runs/bc-coffee-pull/bc.zip")
    sources: tuple[str, ...] = ("expert",)
    steps: int = 3000
    batch_size: int = 64
    learning_rate: float = 3e-4
    shift_pixels: int = 4
    holdout_every: int = 10
    eval_every: int = 250
    keep: str = "averaged"
    average_from: int | None = None
    seed: int = 0
    device: str = "cpu"
    tensorboard: bool = True

    def __post_init__(self) -> None:
        self.task = get_task(self.task).name
        self.data_dir, self.out = Path(self.data_dir), Path(self.out)
        if self.out.suffix != ".zip":
            raise ValueError(f"out must be an SB3 .zip path, got {self.out}.")
        for name in ("steps", "batch_size", "holdout_every", "eval_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}.")
        check_batch_size(self.batch_size)
        if self.keep not in KEEP_CHOICES:
            raise ValueError(f"keep (--keep) must be one of {KEEP_CHOICES}, got {self.keep!r}.")
        if self.average_from is not None and not 1 <= self.average_from <= self.steps:
            raise ValueError(f"average_from (--average-from) must be a step in [1, steps={self.steps}], got {self.average_from}.")
        if self.average_from is not None and self.keep != "averaged":
            raise ValueError(f"average_from (--average-from) sets the averaged weights; keep is {self.keep!r}.")
        if self.shift_pixels < 0 or self.learning_rate <= 0:
            raise ValueError("shift_pixels must be >= 0 and learning_rate > 0.")

    @property
    def averaged_steps(self) -> list[int]:
        """Validation steps whose snapshots are averaged into the saved weights (empty: best-validated)."""
        if self.keep != "averaged":
            return []
        start = self.average_from if self.average_from is not None else max(1, self.steps // 2)
        steps = {*range(self.eval_every, self.steps + 1, self.eval_every), self.steps}
        return sorted(step for step in steps if step >= start)


def demonstration_pairs(episodes) -> tuple[torch.Tensor, torch.Tensor]:
    """``(frames uint8 (N, 3, H, W), actions float32 (N, 4))``: each frame with the action taken from it."""
    if not episodes:
        raise ValueError("No demonstration episodes to clone.")
    frames = np.concatenate([ep.frames[: len(ep.actions)] for ep in episodes])
    actions = np.concatenate([ep.actions for ep in episodes]).astype(np.float32)
    return torch.from_numpy(frames), torch.from_numpy(actions)


def load_demonstration_pairs(data_dir: Path, task: str, sources, needed_by: str) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`demonstration_pairs` of the recorded ``sources`` episodes under ``<data_dir>/<task>/``.

    :param needed_by: what reads them, for the error (e.g. ``"demo_nll_coef (--demo-nll)"``).
    :raises FileNotFoundError: no such episodes, naming the folder, the sources and how to record them.
    """
    root = Path(data_dir) / task
    sources = set(sources)
    episodes = load_episodes(root, keep=lambda meta: meta.get("source") in sources) if root.is_dir() else []
    if not episodes:
        raise FileNotFoundError(
            f"{needed_by} needs recorded demonstrations: No {sorted(sources)} episodes under {root}. Record them with "
            f"`dreamgym collect --task {task}` or point --data at the dataset."
        )
    return demonstration_pairs(episodes)


def action_nll(policy, frames: torch.Tensor, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean negative log-likelihood of ``actions`` under the policy and its mean-action MSE."""
    distribution = policy.get_distribution(frames.float().to(policy.device))
    actions = actions.to(policy.device)
    nll = -distribution.log_prob(actions).mean()
    mse = ((distribution.mode() - actions) ** 2).mean()
    return nll, mse


@dataclass
class DemonstrationSampler:
    """Random minibatches of demonstration (frame, action) pairs, the frames randomly shifted: what
    ``dreamgym train-bc`` fits and what ``dreamgym refine --demo-nll`` adds to PPO.

    One generator draws both the indices and the shifts, so a seeded sampler repeats its minibatches.
    """

    frames: torch.Tensor
    actions: torch.Tensor
    batch_size: int
    shift_pixels: int
    generator: torch.Generator

    def nll(self, policy) -> tuple[torch.Tensor, torch.Tensor]:
        """:func:`action_nll` (NLL and mean-action MSE) of the next minibatch."""
        index = torch.randint(0, len(self.frames), (self.batch_size,), generator=self.generator)
        return action_nll(policy, random_shift(self.frames[index], self.shift_pixels, self.generator), self.actions[index])


@torch.no_grad()
def _validate(policy, frames: torch.Tensor, actions: torch.Tensor, batch: int = 512) -> dict[str, float]:
    policy.set_training_mode(False)
    totals, count = np.zeros(2), 0
    for start in range(0, len(frames), batch):
        nll, mse = action_nll(policy, frames[start : start + batch], actions[start : start + batch])
        size = len(frames[start : start + batch])
        totals += np.array([nll.item(), mse.item()]) * size
        count += size
    return {"nll": float(totals[0] / count), "mse": float(totals[1] / count)}


def train_bc(config: BCConfig, progress: bool = True) -> dict:
    """Fit the actor by maximum likelihood and save the averaged (or best-validated) weights; returns the summary."""
    from dreamgym.runs import hardware_description

    torch.manual_seed(config.seed)
    root = config.data_dir / config.task
    if not root.is_dir():
        raise FileNotFoundError(
            f"No dataset folder {root}; expected the {config.task} episodes there (record demonstrations with "
            f"`dreamgym collect --task {config.task}`)."
        )
    episodes = load_episodes(root, keep=lambda meta: meta.get("source") in config.sources)
    if not episodes:
        raise FileNotFoundError(
            f"No {config.sources} episodes under {root}; expected at least one (record them with `dreamgym collect`)."
        )
    training, held_out = split_held_out(episodes, config.holdout_every)
    train_frames, train_actions = demonstration_pairs(training)
    val_frames, val_actions = demonstration_pairs(held_out) if held_out else demonstration_pairs(training[:1])
    image_size = int(train_frames.shape[-1])

    model = new_ppo(image_size=image_size, seed=config.seed, device=config.device)
    policy = model.policy
    actor, _ = actor_critic_parameters(policy)
    optimizer = torch.optim.Adam(actor, lr=config.learning_rate)
    sampler = DemonstrationSampler(train_frames, train_actions, config.batch_size, config.shift_pixels,
                                   torch.Generator().manual_seed(config.seed))
    writer = SummaryWriter(config.out.parent / "tb") if config.tensorboard else None

    best = {"nll": float("inf")}
    best_state = copy.deepcopy(policy.state_dict())
    averaged_steps: list[int] = []
    averaged_steps_planned = set(config.averaged_steps)
    weight_mean = WeightMean()
    history = []
    start_time = time.time()
    bar = tqdm(range(1, config.steps + 1), desc="behaviour cloning", unit="step", disable=not progress)
    for step in bar:
        policy.set_training_mode(True)
        nll, mse = sampler.nll(policy)
        if not torch.isfinite(nll):
            raise FloatingPointError(f"Behaviour-cloning loss became {nll.item()} at step {step}; lower --lr.")
        optimizer.zero_grad(set_to_none=True)
        nll.backward()
        optimizer.step()
        if writer:
            writer.add_scalar("bc/train_nll", nll.item(), step)
            writer.add_scalar("bc/train_mse", mse.item(), step)
        if step % config.eval_every == 0 or step == config.steps:
            metrics = _validate(policy, val_frames, val_actions)
            history.append({"step": step, "train_nll": nll.item(), **{f"val_{k}": v for k, v in metrics.items()}})
            if writer:
                writer.add_scalar("bc/val_nll", metrics["nll"], step)
                writer.add_scalar("bc/val_mse", metrics["mse"], step)
            if metrics["nll"] < best["nll"]:
                best = {"step": step, **metrics}
                best_state = copy.deepcopy(policy.state_dict())
            if step in averaged_steps_planned:
                weight_mean.add(policy.state_dict(), name=f"the snapshot of step {step}")
                averaged_steps.append(step)
            bar.set_postfix(val_nll=f"{metrics['nll']:.3f}", val_mse=f"{metrics['mse']:.4f}")
    if writer:
        writer.close()
    averaged = None
    if averaged_steps:
        policy.load_state_dict(weight_mean.mean())
        averaged = {"steps": averaged_steps, **_validate(policy, val_frames, val_actions)}
    else:
        policy.load_state_dict(best_state)
    save_model(model, config.out)
    summary = {
        "config": {**asdict(config), "data_dir": str(config.data_dir), "out": str(config.out)},
        "pairs": {"train": len(train_frames), "validation": len(val_frames)},
        "episodes": {"train": len(training), "validation": len(held_out)},
        "best": best,
        "saved": "averaged" if averaged else "best",
        "averaged": averaged,
        "log_std": policy.log_std.detach().cpu().tolist(),
        "history": history,
        "seconds": round(time.time() - start_time, 1),
        "hardware": hardware_description(torch.device(config.device)),
    }
    config.out.with_suffix(".json").write_text(json.dumps(summary, indent=2))
    return summary
