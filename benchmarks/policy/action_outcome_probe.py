"""Does the recorded data say which imagined action sequences succeed? A discriminative probe, no world model.

``dreamgym refine`` imitates the imagined episodes whose success the dream confirms, and about half of those
fail when their actions are replayed in reality (``dream_episode_replay.py``). This probe asks whether a model
that never draws a frame can tell them apart: a small network reads 4 real context frames and the actions that
follow them and predicts whether reality succeeds within those actions. It is trained on the recorded dataset
only (every episode, every start decision 0-30 not yet successful, a random number of the following actions;
counterfactual branches give it the same start under other actions), with every 7th layout held out. It is then
read on imagined episodes: their real start context (the bundle's stored trajectories) and the actions the policy
took in the dream, against the real outcome of those actions from ``<run>/real_replay.json``.

Diagnostic only (the real outcomes come from a replay that refinement never sees). Writes one JSON:
held-out AUC on the data, and per run the AUC over all imagined episodes and over the dream-confirmed ones, and the
precision of the dream-confirmed episodes kept when only the best-scored 30 / 60 / 90 of them are kept.

    python benchmarks/policy/action_outcome_probe.py runs/dream-filtered-bc/bv{0,1,2}s18-s0-late \
        --out benchmarks/policy/dream-filtered-bc/action-outcome-probe.json
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from dreamgym.bundle import find_bundle
from dreamgym.data.episode import load_episodes
from dreamgym.dream.initial_states import InitialStates
from dreamgym.files import atomic_write_json
from dreamgym.runs import hardware_description

sys.path.insert(0, str(Path(__file__).parent))
from dream_start_sources import source_of_seed  # noqa: E402

_probe_spec = importlib.util.spec_from_file_location(
    "outcome_probe", Path(__file__).parents[1] / "decision_fidelity" / "outcome_probe.py")
_frame_probe = importlib.util.module_from_spec(_probe_spec)
_probe_spec.loader.exec_module(_frame_probe)

CONTEXT = 4
MAX_ACTIONS = 40
LATEST_START = 30
HELD_OUT_EVERY = 7
EXPERT_LIKE = ("expert", "noisy_expert", "branch")


def load_recorded(data_dir: Path, task: str) -> dict[str, np.ndarray]:
    """Frames, actions, per-frame success and layout seed of every recorded episode of ``task``."""
    episodes = load_episodes(data_dir, tasks=[task])
    if not episodes:
        raise FileNotFoundError(f"No recorded {task} episodes under {data_dir}; expected the .npz files "
                                f"`dreamgym collect` writes.")
    return {"frames": np.stack([episode.frames for episode in episodes]),
            "actions": np.stack([episode.actions for episode in episodes]).astype(np.float32),
            "success": np.stack([episode.success for episode in episodes]).astype(bool),
            "seed": np.array([int(episode.meta["seed"]) for episode in episodes])}


def training_pairs(success: np.ndarray) -> np.ndarray:
    """(episode, start decision) pairs whose context (frames ``start .. start+3``) is not yet successful."""
    return np.array([(episode, start) for episode in range(len(success)) for start in range(LATEST_START + 1)
                     if not success[episode, :start + CONTEXT].any()])


def action_input(actions: torch.Tensor, length: torch.Tensor) -> torch.Tensor:
    """``(B, MAX_ACTIONS, 5)``: the first ``length`` actions of each row, zero after them, and a 0/1 mask column."""
    mask = (torch.arange(MAX_ACTIONS)[None] < length[:, None]).float()
    return torch.cat([actions * mask[..., None], mask[..., None]], dim=-1)


def recorded_batch(recorded: dict[str, torch.Tensor], pairs: np.ndarray, generator: torch.Generator):
    """Context frames, action input and real outcome for ``pairs``, each with a random number (3 up to all that the
    episode holds, at most ``MAX_ACTIONS``) of the actions after its context."""
    episode, start = torch.from_numpy(pairs[:, 0]), torch.from_numpy(pairs[:, 1])
    steps = recorded["actions"].shape[1]
    available = (steps - (start + CONTEXT - 1)).clamp(max=MAX_ACTIONS)
    length = 3 + (torch.rand(len(pairs), generator=generator) * (available - 2)).long()
    frames = recorded["frames"][episode[:, None], start[:, None] + torch.arange(CONTEXT)[None]]
    offsets = torch.arange(MAX_ACTIONS)[None]
    actions = recorded["actions"][episode[:, None], (start[:, None] + CONTEXT - 1 + offsets).clamp(max=steps - 1)]
    reached = recorded["success"][episode[:, None], (start[:, None] + CONTEXT + offsets).clamp(max=steps)]
    outcome = (reached & (offsets < length[:, None])).any(dim=1).float()
    return frames.flatten(1, 2).float() / 255.0, action_input(actions, length), outcome


class OutcomeProbe(nn.Module):
    """Logit of real success from 4 stacked RGB context frames (64x64) and up to ``MAX_ACTIONS`` following actions."""

    def __init__(self, action_dim: int = 4) -> None:
        super().__init__()
        self.frames = nn.Sequential(
            nn.Conv2d(3 * CONTEXT, 32, 4, 2, 1), nn.SiLU(), nn.Conv2d(32, 64, 4, 2, 1), nn.SiLU(),
            nn.Conv2d(64, 128, 4, 2, 1), nn.SiLU(), nn.Conv2d(128, 128, 4, 2, 1), nn.SiLU(),
            nn.Flatten(), nn.Linear(128 * 4 * 4, 256), nn.SiLU())
        self.actions = nn.Sequential(
            nn.Conv1d(action_dim + 1, 64, 3, 1, 1), nn.SiLU(), nn.Conv1d(64, 64, 3, 1, 1), nn.SiLU(),
            nn.Flatten(), nn.Linear(64 * MAX_ACTIONS, 256), nn.SiLU())
        self.head = nn.Sequential(nn.Linear(512, 256), nn.SiLU(), nn.Dropout(0.2), nn.Linear(256, 1))

    def forward(self, frames: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        return self.head(torch.cat([self.frames(frames), self.actions(actions.transpose(1, 2))], dim=-1)).squeeze(-1)


def auc(scores: np.ndarray, labels: np.ndarray) -> float | None:
    """Area under the ROC curve of ``scores`` for the binary ``labels`` (ties count half); ``None`` if only one class
    is present. The pairwise statistic of ``decision_fidelity/outcome_probe.py``."""
    labels = np.asarray(labels, bool)
    scores = np.asarray(scores)
    return _frame_probe.auc(scores[labels].tolist(), scores[~labels].tolist())


def train_probe(recorded: dict[str, np.ndarray], epochs: int, seed: int, progress: bool) -> tuple[OutcomeProbe, list]:
    """Train on all layouts but every ``HELD_OUT_EVERY``-th; per epoch the held-out AUC."""
    torch.manual_seed(seed)
    tensors = {"frames": torch.from_numpy(recorded["frames"]), "actions": torch.from_numpy(recorded["actions"]),
               "success": torch.from_numpy(recorded["success"])}
    pairs = training_pairs(recorded["success"])
    held_out = (recorded["seed"][pairs[:, 0]] % 100000) % HELD_OUT_EVERY == 3
    train, valid = pairs[~held_out], pairs[held_out]
    probe = OutcomeProbe(recorded["actions"].shape[-1])
    optimizer = torch.optim.AdamW(probe.parameters(), lr=3e-4, weight_decay=1e-4)
    generator = torch.Generator().manual_seed(seed)
    history = []
    for epoch in tqdm(range(epochs), desc="outcome probe", unit="epoch", disable=not progress):
        probe.train()
        order = np.random.default_rng(seed * 1000 + epoch).permutation(len(train))
        losses = []
        for first in range(0, len(order), 128):
            frames, actions, outcome = recorded_batch(tensors, train[order[first:first + 128]], generator)
            loss = F.binary_cross_entropy_with_logits(probe(frames, actions), outcome)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        probe.eval()
        scores, labels = [], []
        with torch.no_grad():
            fixed = torch.Generator().manual_seed(seed + 1)
            for first in range(0, len(valid), 256):
                frames, actions, outcome = recorded_batch(tensors, valid[first:first + 256], fixed)
                scores.append(torch.sigmoid(probe(frames, actions)))
                labels.append(outcome)
        history.append({"epoch": epoch + 1, "train_loss": round(float(np.mean(losses)), 4),
                        "held_out_auc": auc(torch.cat(scores).numpy(), torch.cat(labels).numpy().astype(bool)),
                        "held_out_pairs": len(valid), "train_pairs": len(train)})
    return probe, history


def score_imagined(probe: OutcomeProbe, run: Path, initial: InitialStates) -> np.ndarray:
    """The probe's success probability for every imagined episode of ``run`` (its real start context, its actions)."""
    episodes = np.load(run / "imagined_episodes.npz")
    if "start_trajectory" not in episodes.files:
        raise ValueError(f"{run} records no start contexts (imagined before starts were recorded); nothing to score.")
    first = np.concatenate([[0], np.cumsum(episodes["lengths"])[:-1]])
    scores = []
    with torch.no_grad():
        for block in np.array_split(np.arange(len(first)), max(1, len(first) // 128)):
            frames = torch.stack([initial.frames[episodes["start_trajectory"][i],
                                                 episodes["start_decision"][i]:episodes["start_decision"][i] + CONTEXT]
                                  for i in block]).flatten(1, 2).float() / 255.0
            actions = torch.zeros(len(block), MAX_ACTIONS, episodes["actions"].shape[-1])
            length = torch.tensor([min(int(episodes["lengths"][i]), MAX_ACTIONS) for i in block])
            for row, i in enumerate(block):
                actions[row, :length[row]] = torch.from_numpy(episodes["actions"][first[i]:first[i] + length[row]])
            scores.append(torch.sigmoid(probe(frames, action_input(actions, length))))
    return torch.cat(scores).numpy()


def top_precision(scores: np.ndarray, real: np.ndarray, counts: tuple[int, ...] = (30, 60, 90)) -> dict[str, float]:
    order = np.argsort(-scores, kind="stable")
    return {str(count): round(float(real[order[:count]].mean()), 3) for count in counts if count <= len(scores)}


def read_on_run(probe: OutcomeProbe, run: Path, initial: InitialStates) -> dict:
    replay = json.loads((run / "real_replay.json").read_text())
    dream = np.array(replay["dream_success"], bool)
    real = np.array(replay["real_success"], bool)
    scores = score_imagined(probe, run, initial)
    expert_like = np.isin([source_of_seed(int(seed)) for seed in replay["start_seed"]], EXPERT_LIKE)
    confirmed_expert_like = dream & expert_like
    return {
        "episodes": int(dream.size), "real_success_rate": round(float(real.mean()), 3),
        "auc_all": auc(scores, real), "auc_confirmed": auc(scores[dream], real[dream]),
        "confirmed": int(dream.sum()), "precision_confirmed": round(float(real[dream].mean()), 3),
        "precision_best_scored_confirmed": top_precision(scores[dream], real[dream]),
        "precision_best_scored_all": top_precision(scores, real, (50, 100, 150)),
        "confirmed_expert_like_starts": int(confirmed_expert_like.sum()),
        "precision_confirmed_expert_like": round(float(real[confirmed_expert_like].mean()), 3),
        "precision_best_scored_confirmed_expert_like": top_precision(scores[confirmed_expert_like],
                                                                      real[confirmed_expert_like], (30, 50, 70)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run folders with imagined_episodes.npz and real_replay.json")
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--task", default="coffee-pull")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    missing = [str(run) for run in args.runs if not (run / "real_replay.json").exists()]
    if missing:
        parser.error(f"no real_replay.json in {', '.join(missing)}: run dream_episode_replay.py on them first.")
    started = time.time()
    recorded = load_recorded(args.data, args.task)
    probe, history = train_probe(recorded, args.epochs, args.seed, not args.no_progress)
    initial = InitialStates.load(find_bundle(args.task) / "initial_states")
    result = {
        "data": str(args.data), "task": args.task, "recorded_episodes": len(recorded["seed"]), "epochs": args.epochs,
        "seed": args.seed, "training": history,
        "runs": {str(run): read_on_run(probe, run, initial) for run in args.runs},
        "hardware": hardware_description(torch.device("cpu")), "seconds": round(time.time() - started, 1),
    }
    atomic_write_json(args.out, result)
    for run, row in result["runs"].items():
        print(run, json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
