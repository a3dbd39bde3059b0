"""``dreamgym train-outcome``: fit the action-grounded success model (:mod:`dreamgym.reward.outcome`) on recorded episodes.

Every recorded episode (with states; ``dreamgym collect`` records them) gives, for each decision ``s`` from
``first_start`` to ``last_start`` at which the task is not yet solved, two open-loop stretches starting at
``s``: all the actions to the episode's end (label: solved at some later step) and only the first ``k`` of them
for a random ``k`` (label: solved within those ``k``), so the model also judges episodes cut short. One in
``holdout_every`` episodes (by index, as for the world model) is held out; the model is trained on the rest
(AdamW, binary cross-entropy; with a distance head also ``distance_weight`` times the Huber loss of its closeness
estimate, :func:`dreamgym.reward.outcome.closeness_target`) and
reported on the held-out episodes' stretches: AUC, accuracy, false successes and misses at the threshold.

Writes ``<out>/outcome_model/`` (``config.json`` + ``model.safetensors``), ``<out>/outcome_summary.json`` and
TensorBoard logs under ``<out>/tensorboard``. Minutes on a CPU (one thread). Each finished member is kept in
``<out>/members/``: a run that is interrupted and started again with the same settings trains only the members
still missing (other settings are refused).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from tqdm.auto import tqdm

from dreamgym.data.episode import Episode, load_episodes, split_held_out
from dreamgym.reward.outcome import OutcomeModel, OutcomeModelConfig, closeness_target, outcome_features


@dataclass
class OutcomeTrainConfig:
    """Settings of one outcome-model training run (see the module docstring). ``distance_weight`` weighs the distance
    head's loss against the success loss (read only when ``model.distance_head`` is on)."""

    data: list[Path]
    out_dir: Path
    tasks: list[str] | None = None
    model: OutcomeModelConfig = field(default_factory=OutcomeModelConfig)
    epochs: int = 30
    batch_size: int = 256
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    last_start: int = 45
    holdout_every: int = 10
    seed: int = 0
    distance_weight: float = 1.0

    def __post_init__(self) -> None:
        self.data = [Path(folder) for folder in ([self.data] if isinstance(self.data, (str, Path)) else self.data)]
        self.out_dir = Path(self.out_dir)
        if isinstance(self.model, dict):
            self.model = OutcomeModelConfig(**self.model)
        for name in ("epochs", "batch_size", "holdout_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}.")
        if not self.model.first_start <= self.last_start < self.model.episode_decisions:
            raise ValueError(
                f"last_start must lie in [{self.model.first_start}, {self.model.episode_decisions - 1}] "
                f"(first_start .. episode_decisions - 1), got {self.last_start}."
            )
        weight = self.distance_weight
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not np.isfinite(weight) or weight < 0:
            raise ValueError(f"distance_weight must be a finite number >= 0, got {weight!r}.")


def unsolved_starts(episode: Episode, model: OutcomeModelConfig, last_start: int):
    """Each decision ``start`` from ``model.first_start`` to ``last_start`` before the episode is solved, with the actions
    from it (zero-padded to ``model.max_actions``) and how many of them the episode has: ``(start, window, left)``."""
    steps = episode.num_steps
    padded = np.zeros((steps + model.max_actions, model.action_dim), dtype=np.float32)
    padded[:steps] = episode.actions
    for start in range(model.first_start, min(last_start, steps - 1) + 1):
        if episode.success[: start + 1].any():
            return
        yield start, padded[start : start + model.max_actions], steps - start


class Stretches(NamedTuple):
    """The open-loop stretches of some episodes: model inputs, success labels and closeness targets."""

    features: np.ndarray
    labels: np.ndarray
    closeness: np.ndarray


def stretch_samples(episodes: list[Episode], config: OutcomeTrainConfig, rng: np.random.Generator) -> Stretches:
    """Every open-loop stretch of ``episodes`` (see the module docstring)."""
    model = config.model
    states, actions, taken, starts, labels, closeness = [], [], [], [], [], []
    for episode in episodes:
        if episode.states is None:
            raise ValueError(
                f"Episode {episode.meta.get('path', episode.meta.get('seed', '?'))} has no states; the outcome model learns from the "
                "simulator state at each start (record with `dreamgym collect`, which stores states)."
            )
        if episode.states.shape[1] != model.state_dim:
            raise ValueError(f"Episode states have {episode.states.shape[1]} values per step; the outcome model expects {model.state_dim}.")
        steps = episode.num_steps
        if steps > model.episode_decisions:
            raise ValueError(f"An episode has {steps} decisions; the outcome model knows episodes of at most "
                             f"{model.episode_decisions} (OutcomeModelConfig.episode_decisions).")
        for start, window, left in unsolved_starts(episode, model, config.last_start):
            for length in (left, int(rng.integers(1, left))) if left > 1 else (left,):  # a random cut needs 2+ actions
                states.append(episode.states[start])
                actions.append(window)
                taken.append(length)
                starts.append(start)
                labels.append(bool(episode.success[start + 1 : start + length + 1].any()))
                closeness.append(closeness_target(episode.states[start + 1 : start + length + 1], model))
    if not labels:
        raise ValueError(f"No open-loop stretch in {len(episodes)} episodes (every one solved before decision {model.first_start}, or too short).")
    features = outcome_features(np.stack(states), np.stack(actions), np.array(taken), np.array(starts), model)
    return Stretches(features, np.array(labels), np.array(closeness, dtype=np.float32))


def auc(scores: np.ndarray, labels: np.ndarray) -> float | None:
    """Area under the ROC curve: the chance that a success scores above a failure (ties count half);
    ``None`` when only one class is present."""
    labels = np.asarray(labels, dtype=bool)
    scores = np.asarray(scores, dtype=np.float64)
    positive, negative = scores[labels], scores[~labels]
    if not len(positive) or not len(negative):
        return None
    wins = sum(float((p > negative).sum() + 0.5 * (p == negative).sum()) for p in positive)  # one row at a time: little memory
    return wins / (len(positive) * len(negative))


def evaluate(model: OutcomeModel, features: np.ndarray, labels: np.ndarray) -> dict:
    """AUC, accuracy, false successes and misses of ``model`` at its threshold on ``features``."""
    with torch.no_grad():
        probability = torch.sigmoid(model(torch.from_numpy(features))).numpy()
    predicted = probability >= model.config.threshold
    return {
        "stretches": int(len(labels)),
        "successes": int(labels.sum()),
        "auc": None if (value := auc(probability, labels)) is None else round(value, 4),
        "accuracy": round(float((predicted == labels).mean()), 4),
        "false_successes": int((predicted & ~labels).sum()),
        "missed_successes": int((~predicted & labels).sum()),
    }


def train_outcome_model(config: OutcomeTrainConfig) -> dict:
    """Train, evaluate on held-out episodes and save; returns the summary also written to ``outcome_summary.json``."""
    from safetensors.torch import load_file, save_file
    from torch.utils.tensorboard import SummaryWriter

    from dreamgym.bundle import save_component
    from dreamgym.files import atomic_write, atomic_write_json
    from dreamgym.runs import hardware_description

    started = time.time()
    episodes = [ep for folder in config.data for ep in load_episodes(folder, config.tasks, with_states=True, progress=True)]
    if not episodes:
        raise ValueError(f"No recorded episodes under {[str(folder) for folder in config.data]} (tasks {config.tasks or 'all'}).")
    training, held_out = split_held_out(episodes, config.holdout_every)
    if not training:
        raise ValueError(f"All {len(episodes)} episodes are held out (holdout_every={config.holdout_every}); record more episodes.")
    rng = np.random.default_rng(config.seed)
    train_x, train_y, train_closeness = stretch_samples(training, config, rng)
    check_x, check_y, _ = stretch_samples(held_out, config, rng) if held_out else (None, None, None)

    torch.manual_seed(config.seed)
    model = OutcomeModel(config.model)
    model.set_standardisation(train_x)
    x, y = torch.from_numpy(train_x), torch.from_numpy(train_y.astype(np.float32))
    closeness = torch.from_numpy(train_closeness)
    distance_weight = config.distance_weight if config.model.distance_head else 0.0
    members_dir = finished_members_folder(config, len(train_y))
    writer = SummaryWriter(str(config.out_dir / "tensorboard"))
    members, epochs = config.model.members, config.epochs
    losses: list[float] = []
    try:
        with tqdm(total=members * epochs, desc="outcome model", unit="epoch") as progress:
            for member in range(members):  # each member: its own initialisation (drawn above) and batch order
                finished = members_dir / f"member-{member}.safetensors"
                if finished.is_file():  # trained before an interruption
                    model.members[member].load_state_dict(load_file(str(finished)))
                    progress.update(epochs)
                    continue
                optimizer = torch.optim.AdamW(model.members[member].parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
                generator = torch.Generator().manual_seed(config.seed * 1000 + member)
                for epoch in range(epochs):
                    model.train()
                    losses = []
                    for batch in torch.randperm(len(x), generator=generator).split(config.batch_size):
                        outputs = model.member_outputs(x[batch], member)
                        loss = torch.nn.functional.binary_cross_entropy_with_logits(outputs[:, 0], y[batch])
                        if distance_weight:
                            loss = loss + distance_weight * torch.nn.functional.smooth_l1_loss(outputs[:, 1], closeness[batch])
                        optimizer.zero_grad()
                        loss.backward()
                        optimizer.step()
                        losses.append(loss.item())
                    model.eval()
                    writer.add_scalar(f"member{member}/train_loss", float(np.mean(losses)), epoch)
                    progress.update(1)
                state = {name: tensor.contiguous() for name, tensor in model.members[member].state_dict().items()}
                atomic_write(finished, lambda temporary, state=state: save_file(state, temporary))
        model.eval()
        heldout = evaluate(model, check_x, check_y) if check_x is not None else None
        if heldout is not None:
            writer.add_scalar("heldout/accuracy", heldout["accuracy"], epochs)
            if heldout["auc"] is not None:
                writer.add_scalar("heldout/auc", heldout["auc"], epochs)
    finally:
        writer.close()
    save_component(config.out_dir / "outcome_model", model, config.model.to_dict(), "outcome_model")
    summary = {
        "config": {**asdict(config), "data": [str(d) for d in config.data], "out_dir": str(config.out_dir)},
        "episodes": {"training": len(training), "held_out": len(held_out)},
        "training_stretches": int(len(train_y)),
        "training_success_share": round(float(train_y.mean()), 4),
        "heldout": heldout,
        "final_train_loss_last_member": round(float(np.mean(losses)), 5) if losses else None,
        "hardware": hardware_description(torch.device("cpu")),
        "torch_threads": torch.get_num_threads(),
        "wall_time_s": round(time.time() - started, 1),
    }
    atomic_write_json(config.out_dir / "outcome_summary.json", summary)
    return summary


def finished_members_folder(config: OutcomeTrainConfig, stretches: int) -> Path:
    """``<out>/members/``, where finished members are kept, with the settings they were trained with and the number
    of training stretches (``settings.json``; a dataset that grew in place gives another number).

    :raises ValueError: if it holds members trained with other settings (start a new ``out_dir``).
    """
    from dreamgym.files import atomic_write_json

    folder = config.out_dir / "members"
    settings = json.loads(json.dumps({**asdict(config), "out_dir": None, "training_stretches": stretches}, default=str))
    path = folder / "settings.json"
    if path.is_file():
        stored = json.loads(path.read_text())
        changed = sorted(key for key in set(stored) | set(settings) if stored.get(key) != settings.get(key))
        if changed:
            raise ValueError(f"{config.out_dir} holds outcome-model members trained with other settings ({', '.join(changed)}); "
                             "expected the same settings to resume, or a new --out folder.")
    else:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_json(path, settings)
    return folder


def summary_line(summary: dict) -> str:
    """One line for the console."""
    held = summary["heldout"]
    tail = "no held-out episodes" if held is None else (
        f"held-out stretches {held['stretches']}: AUC {held['auc']}, accuracy {held['accuracy']}, "
        f"{held['false_successes']} false successes, {held['missed_successes']} missed"
    )
    return f"outcome model: {summary['training_stretches']} training stretches of {summary['episodes']['training']} episodes; {tail}; {summary['wall_time_s']} s"
