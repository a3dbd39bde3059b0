"""``dreamgym train-reward``: fit the success classifier on per-frame labels of recorded episodes.

Success frames are rare in random and failed rollouts, so every batch is class-balanced (half
success, half failure frames). Frames get random shifts of up to ``shift`` pixels, which makes the
classifier less sensitive to the small misplacements of generated frames. One in ``holdout_every``
episodes (by index) is held out; the decision threshold that maximises F1 on the held-out real frames
is stored in the model's config, and precision/recall at that threshold are reported.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from dreamgym.data.episode import load_episodes
from dreamgym.reward.classifier import RewardClassifier, RewardClassifierConfig
from dreamgym.world_model.train import is_holdout


@dataclass
class RewardTrainConfig:
    """Settings of one reward-classifier training run (see the module docstring)."""

    data: Path
    out_dir: Path
    tasks: list[str] | None = None
    model: RewardClassifierConfig = field(default_factory=RewardClassifierConfig)
    steps: int = 2000
    batch_size: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    shift: int = 4
    holdout_every: int = 10
    seed: int = 0

    def __post_init__(self) -> None:
        self.data, self.out_dir = Path(self.data), Path(self.out_dir)
        if isinstance(self.model, dict):
            self.model = RewardClassifierConfig(**self.model)
        if self.steps < 1 or self.batch_size < 2:
            raise ValueError("steps must be >= 1 and batch_size >= 2.")


def labelled_frames(episodes) -> tuple[torch.Tensor, torch.Tensor]:
    """All frames of ``episodes`` and their success labels."""
    frames = np.concatenate([ep.frames for ep in episodes])
    labels = np.concatenate([ep.success for ep in episodes])
    return torch.from_numpy(frames), torch.from_numpy(labels)


def random_shift(frames: torch.Tensor, shift: int, generator: torch.Generator) -> torch.Tensor:
    """Shift each frame by up to ``shift`` pixels (edge-replicated padding, then a random crop)."""
    if shift == 0:
        return frames
    batch, _, height, width = frames.shape
    padded = torch.nn.functional.pad(frames.float(), (shift,) * 4, mode="replicate").to(torch.uint8)
    offsets = torch.randint(0, 2 * shift + 1, (batch, 2), generator=generator)
    return torch.stack([padded[i, :, y : y + height, x : x + width] for i, (y, x) in enumerate(offsets.tolist())])


def binary_metrics(probabilities: torch.Tensor, labels: torch.Tensor, threshold: float) -> dict[str, float]:
    """Precision, recall, F1 and accuracy of ``probabilities >= threshold`` against boolean ``labels``."""
    predicted = probabilities >= threshold
    labels = labels.bool()
    true_pos = (predicted & labels).sum().item()
    precision = true_pos / max(predicted.sum().item(), 1)
    recall = true_pos / max(labels.sum().item(), 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    accuracy = (predicted == labels).float().mean().item()
    return {"precision": precision, "recall": recall, "f1": f1, "accuracy": accuracy, "positives": int(labels.sum())}


def choose_threshold(probabilities: torch.Tensor, labels: torch.Tensor) -> float:
    """The threshold in 0.02..0.98 (steps of 0.02) that maximises F1 (ties: the one closest to 0.5).

    Balanced training batches shift probabilities up relative to the real, rarer success rate, so
    good thresholds are often high; the grid reaches 0.98 for that reason."""
    candidates = np.round(np.linspace(0.02, 0.98, 49), 2)
    scores = [(binary_metrics(probabilities, labels, t)["f1"], -abs(t - 0.5), t) for t in candidates]
    return float(max(scores)[2])


@torch.no_grad()
def predict_probabilities(model: RewardClassifier, frames: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    model.eval()
    return torch.cat([model.success_probability(frames[i : i + batch_size]) for i in range(0, len(frames), batch_size)])


def train_reward_classifier(config: RewardTrainConfig, progress: bool = True) -> dict:
    """Train, pick the threshold on held-out frames, save ``out_dir/reward_model``; return the metrics."""
    from torch.utils.tensorboard import SummaryWriter

    from dreamgym.bundle import save_reward_model

    episodes = load_episodes(config.data, tasks=config.tasks)
    train_episodes = [ep for ep in episodes if not is_holdout(ep.meta, config.holdout_every)]
    val_episodes = [ep for ep in episodes if is_holdout(ep.meta, config.holdout_every)]
    if not train_episodes or not val_episodes:
        raise ValueError(
            f"Need both training and held-out episodes under {config.data} for tasks={config.tasks} "
            f"(found {len(train_episodes)} and {len(val_episodes)}; 1 in {config.holdout_every} is held out by index)."
        )
    frames, labels = labelled_frames(train_episodes)
    val_frames, val_labels = labelled_frames(val_episodes)
    positives, negatives = labels.nonzero().flatten(), (~labels).nonzero().flatten()
    if len(positives) == 0 or len(negatives) == 0:
        raise ValueError(f"Training frames need both classes; found {len(positives)} success and {len(negatives)} failure frames.")
    torch.manual_seed(config.seed)
    model = RewardClassifier(config.model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(config.seed)
    writer = SummaryWriter(str(config.out_dir / "tensorboard"))
    half = config.batch_size // 2
    start = time.perf_counter()
    for step in tqdm(range(config.steps), desc="train reward classifier", unit="step", disable=not progress):
        model.train()
        index = torch.cat([
            positives[torch.randint(len(positives), (half,), generator=generator)],
            negatives[torch.randint(len(negatives), (config.batch_size - half,), generator=generator)],
        ])
        logits = model(random_shift(frames[index], config.shift, generator))
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels[index].float())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if (step + 1) % 50 == 0:
            writer.add_scalar("reward/train_loss", loss.item(), step + 1)
    probabilities = predict_probabilities(model, val_frames)
    model.config.threshold = choose_threshold(probabilities, val_labels)
    metrics = binary_metrics(probabilities, val_labels, model.config.threshold)
    for key, value in metrics.items():
        writer.add_scalar(f"reward/heldout_{key}", value, config.steps)
    writer.close()
    save_reward_model(config.out_dir / "reward_model", model)
    summary = {
        "threshold": model.config.threshold,
        "heldout_real_frames": {**metrics, "frames": len(val_labels)},
        "train_frames": len(labels),
        "train_success_frames": len(positives),
        "wall_time_s": round(time.perf_counter() - start, 1),
        "config": {**asdict(config), "data": str(config.data), "out_dir": str(config.out_dir)},
    }
    (config.out_dir / "reward_summary.json").write_text(json.dumps(summary, indent=2))
    return summary
