"""``dreamgym train-reward``: fit the success classifier on per-frame labels of recorded episodes.

Success frames are rare in random and failed rollouts, so every batch is class-balanced (half
success, half failure frames). Frames get random shifts of up to ``shift`` pixels, which makes the
classifier less sensitive to the small misplacements of generated frames. One in ``holdout_every``
episodes (by index) is held out. The imagined environment ends an episode with reward 1 at the first
frame whose success probability reaches the threshold, so the threshold is chosen on held-out
*sequences*: the one under which "fires on some frame" agrees with "succeeds at some step" on the most
held-out episodes; ties go to the best F1 on held-out frames. It is stored in the model's config, and
frame-level precision/recall and episode-level false fires/misses at that threshold are reported.

With ``world_model`` set, the classifier also learns from *imagined* frames: from real contexts every
``imagined_stride`` steps of each episode, the world model imagines up to ``imagined_horizon`` frames
under the real actions, and each imagined frame gets the real success label of its time step. Short
horizons keep those labels trustworthy (little drift) while teaching the classifier what the dream's
frames look like; the threshold is then chosen on held-out real episodes *and* imagined sequences
(each counted as one sequence), since the imagined environment applies it to imagined frames.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from dreamgym.augment import random_shift  # noqa: F401  (re-exported: part of this module's API)
from dreamgym.data.episode import load_episodes, split_held_out
from dreamgym.data.windows import check_batch_size
from dreamgym.reward.classifier import RewardClassifier, RewardClassifierConfig


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
    world_model: Path | None = None
    imagined_horizon: int = 8
    imagined_stride: int = 8

    def __post_init__(self) -> None:
        self.data, self.out_dir = Path(self.data), Path(self.out_dir)
        self.world_model = Path(self.world_model) if self.world_model else None
        if self.imagined_horizon < 1 or self.imagined_stride < 1:
            raise ValueError("imagined_horizon and imagined_stride must be >= 1.")
        if isinstance(self.model, dict):
            self.model = RewardClassifierConfig(**self.model)
        if self.steps < 1:
            raise ValueError(f"steps must be >= 1, got {self.steps}.")
        check_batch_size(self.batch_size, minimum=2)  # two classes per batch


def labelled_frames(episodes) -> tuple[torch.Tensor, torch.Tensor]:
    """All frames of ``episodes`` and their success labels."""
    frames = np.concatenate([ep.frames for ep in episodes])
    labels = np.concatenate([ep.success for ep in episodes])
    return torch.from_numpy(frames), torch.from_numpy(labels)


def sequence_ids(lengths) -> torch.Tensor:
    """``(sum(lengths),)`` index of the sequence each frame belongs to, for sequences of ``lengths`` frames."""
    return torch.repeat_interleave(torch.arange(len(lengths)), torch.as_tensor(list(lengths), dtype=torch.long))


@torch.no_grad()
def imagined_labelled_frames(
    denoiser, episodes, horizon: int, stride: int, seed: int, batch_size: int = 256, progress: bool = True
):
    """Frames the world model imagines from real contexts under real actions, with the real labels."""
    from dreamgym.world_model.evaluation import autoregressive_rollout
    from dreamgym.world_model.sampler import SamplerConfig

    history = denoiser.config.context_frames
    starts, actions, labels = [], [], []
    for ep in episodes:
        for t0 in range(0, ep.num_steps - history - horizon + 2, stride):
            starts.append(ep.frames[t0 : t0 + history])
            actions.append(ep.actions[t0 : t0 + history - 1 + horizon])
            labels.append(ep.success[t0 + history : t0 + history + horizon])
    if not starts:
        raise ValueError(f"No episode is long enough for {history} context frames and {horizon} imagined steps.")
    generator = torch.Generator().manual_seed(seed)
    frames = []
    batches = range(0, len(starts), batch_size)
    for i in tqdm(batches, desc="imagine frames for the classifier", unit="batch", disable=not progress):
        frames.append(
            autoregressive_rollout(
                denoiser,
                torch.from_numpy(np.stack(starts[i : i + batch_size])),
                torch.from_numpy(np.stack(actions[i : i + batch_size])),
                SamplerConfig(),
                generator,
            ).flatten(0, 1)
        )
    return torch.cat(frames), torch.from_numpy(np.concatenate(labels))


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


def sequence_metrics(probabilities: torch.Tensor, labels: torch.Tensor, sequences: torch.Tensor, threshold: float) -> dict:
    """Outcomes per sequence (episode): the classifier fires on some frame vs. some frame is a success.

    :param sequences: ``(N,)`` sequence index of each frame (see :func:`sequence_ids`).
    :returns: counts of ``sequences``, ``successes``, ``false_fires`` (fires on a failed sequence),
        ``missed`` (never fires on a successful one) and ``agreement`` (fraction of sequences right).
    """
    if not (probabilities.shape == labels.shape == sequences.shape) or probabilities.ndim != 1:
        raise ValueError(
            f"probabilities, labels and sequences must be 1-D of one length, got shapes "
            f"{tuple(probabilities.shape)}, {tuple(labels.shape)} and {tuple(sequences.shape)}."
        )
    count = int(sequences.max()) + 1 if len(sequences) else 0
    fired = torch.zeros(count, dtype=torch.bool).index_put_((sequences,), probabilities >= threshold, accumulate=True)
    succeeded = torch.zeros(count, dtype=torch.bool).index_put_((sequences,), labels.bool(), accumulate=True)
    return {
        "sequences": count,
        "successes": int(succeeded.sum()),
        "false_fires": int((fired & ~succeeded).sum()),
        "missed": int((succeeded & ~fired).sum()),
        "agreement": int((fired == succeeded).sum()) / count if count else float("nan"),
    }


def choose_threshold(probabilities: torch.Tensor, labels: torch.Tensor, sequences: torch.Tensor | None = None) -> float:
    """The threshold in 0.02..0.98 (steps of 0.02) that decides the most held-out sequences right.

    With ``sequences`` (the sequence index of each frame) a threshold is scored first by how many
    sequences it decides right (fires on some frame exactly where some frame is a success: the
    imagined environment's termination rule), then by F1 over frames, then by closeness to 0.5.
    Without it, by F1 over frames alone. Balanced training batches shift probabilities up relative
    to the real, rarer success rate, so good thresholds are often high; the grid reaches 0.98."""
    candidates = np.round(np.linspace(0.02, 0.98, 49), 2)

    def score(t: float) -> tuple:
        right = sequence_metrics(probabilities, labels, sequences, t)["agreement"] if sequences is not None else 0.0
        return (right, binary_metrics(probabilities, labels, t)["f1"], -abs(t - 0.5), t)

    return float(max(score(t) for t in candidates)[-1])


@torch.no_grad()
def predict_probabilities(model: RewardClassifier, frames: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    model.eval()
    return torch.cat([model.success_probability(frames[i : i + batch_size]) for i in range(0, len(frames), batch_size)])


def train_reward_classifier(config: RewardTrainConfig, progress: bool = True) -> dict:
    """Train, pick the threshold on held-out frames, save ``out_dir/reward_model``; return the metrics."""
    from torch.utils.tensorboard import SummaryWriter

    from dreamgym.bundle import save_reward_model

    episodes = load_episodes(config.data, tasks=config.tasks)
    train_episodes, val_episodes = split_held_out(episodes, config.holdout_every)
    if not train_episodes or not val_episodes:
        raise ValueError(
            f"Need both training and held-out episodes under {config.data} for tasks={config.tasks} "
            f"(found {len(train_episodes)} and {len(val_episodes)}; 1 in {config.holdout_every} is held out by index)."
        )
    start = time.perf_counter()
    frames, labels = labelled_frames(train_episodes)
    val_frames, val_labels = labelled_frames(val_episodes)
    val_sequences = sequence_ids([len(ep.frames) for ep in val_episodes])
    real_count = len(val_labels)  # held-out real frames come first; imagined ones (if any) follow
    imagined_counts = {}
    if config.world_model is not None:
        from dreamgym.bundle import load_world_model
        from dreamgym.world_model.train import world_model_folder

        denoiser = load_world_model(world_model_folder(config.world_model))  # a bundle or its world_model/ folder
        horizon, stride = config.imagined_horizon, config.imagined_stride
        extra_frames, extra_labels = imagined_labelled_frames(denoiser, train_episodes, horizon, stride, config.seed, progress=progress)
        val_extra_frames, val_extra_labels = imagined_labelled_frames(
            denoiser, val_episodes, horizon, stride, config.seed + 1, progress=progress
        )
        frames, labels = torch.cat([frames, extra_frames]), torch.cat([labels, extra_labels])
        val_frames, val_labels = torch.cat([val_frames, val_extra_frames]), torch.cat([val_labels, val_extra_labels])
        imagined_sequences = sequence_ids([horizon] * (len(val_extra_labels) // horizon)) + len(val_episodes)
        val_sequences = torch.cat([val_sequences, imagined_sequences])
        imagined_counts = {"train_imagined_frame_count": len(extra_labels), "heldout_imagined_frame_count": len(val_extra_labels)}
    positives, negatives = labels.nonzero().flatten(), (~labels).nonzero().flatten()
    if len(positives) == 0 or len(negatives) == 0:
        raise ValueError(f"Training frames need both classes; found {len(positives)} success and {len(negatives)} failure frames.")
    torch.manual_seed(config.seed)
    model = RewardClassifier(config.model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(config.seed)
    writer = SummaryWriter(str(config.out_dir / "tensorboard"))
    half = config.batch_size // 2
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
    model.config.threshold = choose_threshold(probabilities, val_labels, val_sequences)
    metrics = binary_metrics(probabilities[:real_count], val_labels[:real_count], model.config.threshold)
    episode_metrics = sequence_metrics(
        probabilities[:real_count], val_labels[:real_count], val_sequences[:real_count], model.config.threshold
    )
    imagined_metrics = (
        binary_metrics(probabilities[real_count:], val_labels[real_count:], model.config.threshold) if imagined_counts else None
    )
    for key, value in metrics.items():
        writer.add_scalar(f"reward/heldout_{key}", value, config.steps)
    writer.close()
    save_reward_model(config.out_dir / "reward_model", model)
    summary = {
        "threshold": model.config.threshold,
        "heldout_real_frames": {**metrics, "frames": real_count},
        "heldout_real_episodes": episode_metrics,
        "heldout_imagined_frames": imagined_metrics,
        **imagined_counts,
        "train_frames": len(labels),
        "train_success_frames": len(positives),
        "wall_time_s": round(time.perf_counter() - start, 1),
        "config": {
            **asdict(config), "data": str(config.data), "out_dir": str(config.out_dir),
            "world_model": str(config.world_model) if config.world_model else None,
        },
    }
    (config.out_dir / "reward_summary.json").write_text(json.dumps(summary, indent=2))
    return summary
