"""Is a trial's outcome predictable from the true state and the actions? A ceiling for the dream's data.

The dream judges an open-loop trial from 4 real frames and the actions that follow. Every world model trained on
the recorded data misjudges about a third of the noisy BC policy's failures (see ``vote.py``). Is that the
pixels (a few pixels decide whether a grasp holds) or the data (too few recorded grasps like these)? This
probe takes pixels out: a small network reads Meta-World's *true* state at the trial's start (hand, gripper,
mug pose, goal) and the actions that follow, and predicts whether the episode succeeds. It is trained on the
states of the recorded episodes (``--data``; their layouts are not the benchmark's) and judged on the real
trials of ``run.py`` (replayed in Meta-World up to their start to read the state; no frame is used), with
the benchmark's own metrics. If it judges the trials well, the recorded data hold the answer and the world
model's pixels lose it; if not, more or other data are needed before any world model can.

It measures; it changes no simulator. Output: ``state-outcome-probe-<label>.json``.

    python benchmarks/decision_fidelity/state_outcome_probe.py --data data-slipmix --label slipmix
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from outcome_probe import auc as pairwise_auc  # siblings: this script's folder is on sys.path when it runs
from tqdm.auto import tqdm
from vote import trial_key

HERE = Path(__file__).resolve().parent
EPISODE_DECISIONS = 50
FIRST_START, LAST_START = 3, 45


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, nargs="+", required=True, help="recorded dataset folders (with states)")
    parser.add_argument("--task", default="coffee-pull")
    parser.add_argument("--results", type=Path, nargs="+",
                        default=[HERE / "results-shipped-session27.json", HERE / "results-shipped-session27-layouts5000.json"],
                        help="run.py reports whose trials are judged (their real trials are replayed from the cache)")
    parser.add_argument("--real-cache", type=Path, default=Path("runs/decision-fidelity-real"))
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--state-noise-cm", type=float, nargs="*", default=[0.5, 1.0, 2.0],
                        help="also judge the trials with this much Gaussian noise on the start's hand and mug positions")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", type=Path, help="write the probe's weights here (safetensors), e.g. for "
                        "benchmarks/policy/state_outcome_filter.py")
    parser.add_argument("--actions-only", action="store_true",
                        help="zero the state in every input: how much of the outcome do the actions alone tell?")
    parser.add_argument("--label", required=True)
    parser.add_argument("--out-dir", type=Path, default=HERE)
    args = parser.parse_args()
    if args.epochs < 1:
        parser.error("--epochs must be >= 1")
    return args


ACTIONS_ONLY = False
"""Set by ``--actions-only``: every input's state entries are zeros, so the probe reads the actions alone."""


def features(state: np.ndarray, actions: np.ndarray, start: int, length: int | None = None) -> np.ndarray:
    """One input vector: the state at ``start`` and the ``length`` actions from ``start`` (default: to the episode's
    end), as the shipped outcome model reads them (:func:`dreamgym.reward.outcome.outcome_features`, which grew out of
    this probe: the same layout)."""
    from dreamgym.reward.outcome import OutcomeModelConfig, outcome_features

    if ACTIONS_ONLY:
        state = np.zeros_like(state)
    config = OutcomeModelConfig(episode_decisions=EPISODE_DECISIONS, first_start=FIRST_START)
    end = EPISODE_DECISIONS if length is None else min(EPISODE_DECISIONS, start + length)
    given = np.asarray(actions, dtype=np.float32)[start:end][: config.max_actions]
    return outcome_features(np.asarray(state, dtype=np.float64)[None], given[None], np.array([len(given)]),
                            np.array([start]), config)[0]


def training_samples(folders: list[Path], task: str, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs, labels and episode ids: for every start 3..45 of every recorded episode whose outcome is not yet
    decided there, the actions to the episode's end (label: success after the start) and, as a second sample, only
    the first k of them for a random k (label: success within those k), so the probe also judges episodes that stop
    early (imagined episodes end at their first confirmed success)."""
    rng = np.random.default_rng(seed)
    inputs, labels, episodes = [], [], []
    files = sorted(p for folder in folders for p in (folder / task).rglob("*.npz"))
    if not files:
        raise SystemExit(f"No recorded episodes (*.npz) under {[str(f / task) for f in folders]}.")
    for index, path in enumerate(tqdm(files, desc="recorded episodes", unit="ep")):
        with np.load(path) as episode:
            states, actions, success = episode["states"], episode["actions"], episode["success"]
        for start in range(FIRST_START, min(LAST_START, len(actions) - 1) + 1):
            if success[: start + 1].any():
                break
            left = len(actions) - start
            for length in (left, int(rng.integers(1, left))):
                inputs.append(features(states[start], actions, start, length))
                labels.append(bool(success[start + 1 : start + length + 1].any()))
                episodes.append(index)
    return np.stack(inputs), np.array(labels), np.array(episodes)


def train_probe(inputs: np.ndarray, labels: np.ndarray, epochs: int, seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    model = build_probe(inputs.mean(0), inputs.std(0) + 1e-6)
    x, y = torch.from_numpy(inputs), torch.from_numpy(labels.astype(np.float32))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    generator = torch.Generator().manual_seed(seed)
    for _ in tqdm(range(epochs), desc="probe training", unit="epoch"):
        for batch in torch.randperm(len(x), generator=generator).split(256):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x[batch]).squeeze(1), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()


def build_probe(mean: np.ndarray, std: np.ndarray) -> torch.nn.Module:
    """Standardised inputs, then a 2x256 ReLU MLP giving one success logit."""
    width = len(mean)
    net = torch.nn.Sequential(torch.nn.Linear(width, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
                              torch.nn.ReLU(), torch.nn.Linear(256, 1))
    return torch.nn.Sequential(Standardize(mean.astype(np.float32), std.astype(np.float32)), net)


class Standardize(torch.nn.Module):
    def __init__(self, mean: np.ndarray, std: np.ndarray):
        super().__init__()
        self.register_buffer("mean", torch.from_numpy(mean))
        self.register_buffer("std", torch.from_numpy(std))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


def blur_positions(state: np.ndarray, noise_cm: float, rng: np.random.Generator) -> np.ndarray:
    """``state`` with Gaussian noise of ``noise_cm`` (per axis) on the hand and mug positions: how precisely must the
    start be known? (At 64x64 one pixel spans about 1-1.5 cm of the table.)"""
    blurred = np.array(state, dtype=np.float64, copy=True)
    for part in (slice(0, 3), slice(4, 7)):
        blurred[part] += rng.normal(0.0, noise_cm / 100.0, size=3)
    return blurred


def fit_probe(folders: list[Path], task: str, epochs: int, seed: int) -> tuple[torch.nn.Module, dict]:
    """The probe trained on every recorded episode, and what it was trained on: sample and episode counts,
    the share of successes, and the AUC of a probe trained the same way without a tenth of the episodes on
    the starts of those episodes."""
    inputs, labels, episodes = training_samples(folders, task, seed)
    rng = np.random.default_rng(seed)
    count = int(episodes.max() + 1)
    held_out = np.isin(episodes, rng.choice(count, size=count // 10, replace=False))
    check = train_probe(inputs[~held_out], labels[~held_out], epochs, seed)
    probe = train_probe(inputs, labels, epochs, seed)
    return probe, {
        "training_samples": int(len(labels)), "training_episodes": count,
        "training_success_share": round(float(labels.mean()), 4),
        "held_out_episode_auc": auc(predict(check, inputs[held_out]), labels[held_out]),
    }


def predict(probe: torch.nn.Module, inputs: np.ndarray) -> np.ndarray:
    """Success probabilities of :func:`features` rows."""
    with torch.no_grad():
        return torch.sigmoid(probe(torch.from_numpy(np.asarray(inputs, dtype=np.float32)))).squeeze(1).numpy()


def save_probe(probe: torch.nn.Module, path: Path) -> None:
    """The probe's weights (standardisation included) as safetensors."""
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in probe.state_dict().items()}, str(path))


def load_probe(path: Path) -> torch.nn.Module:
    """A probe written by :func:`save_probe`."""
    from safetensors.torch import load_file

    state = load_file(str(path))
    width = state["0.mean"].shape[0]
    probe = build_probe(np.zeros(width, np.float32), np.ones(width, np.float32))
    probe.load_state_dict(state)
    return probe.eval()


def auc(scores: np.ndarray, labels: np.ndarray) -> float | None:
    """Area under the ROC curve of ``scores`` for the boolean ``labels`` (``outcome_probe.py``'s pairwise statistic)."""
    labels = np.asarray(labels, bool)
    scores = np.asarray(scores)
    return pairwise_auc(scores[labels].tolist(), scores[~labels].tolist())


def find_cache(report: dict, cache_root: Path) -> Path:
    """The cached real trials of ``report``: the folder its report names, else the one under ``cache_root`` that
    holds exactly its trials (reports written before run.py named the cache)."""
    named = report.get("real_trials_cache")
    candidates = [cache_root / named] if named else sorted(p for p in cache_root.glob("*") if (p / "trials.json").is_file())
    wanted = {trial_key(t) for t in report["trials"]}
    for folder in candidates:
        if named or wanted <= {trial_key(t) for t in json.loads((folder / "trials.json").read_text())}:
            return folder
    raise SystemExit(f"{report['label']}: no cached real trials under {cache_root} hold its trials (run run.py first).")


def trial_states(report: dict, cache_root: Path) -> list[tuple[dict, np.ndarray, np.ndarray]]:
    """(record, state at the trial's start, actions) for every trial of ``report``: the states ``run.py`` keeps with its
    cached real trials (recovered once by replaying the cached actions in Meta-World where the cache has none)."""
    from run import attach_states, load_cached_trials  # the benchmark's own cache (this script's folder is on sys.path)

    from dreamgym.bundle import find_bundle, read_manifest

    cache = find_cache(report, cache_root)
    trials = load_cached_trials(cache)
    attach_states(trials, read_manifest(report.get("bundle") or find_bundle("coffee-pull")), cache)
    by_key = {trial_key(vars(trial)): (trial.states[trial.start], trial.actions) for trial in trials}
    return [(record, *by_key[trial_key(record)]) for record in report["trials"]]


def main() -> None:
    args = parse_args()
    from dreamgym.decision_fidelity import group_summaries
    from dreamgym.runs import hardware_description

    global ACTIONS_ONLY
    ACTIONS_ONLY = args.actions_only
    torch.set_num_threads(1)
    started = time.time()
    probe, training = fit_probe(args.data, args.task, args.epochs, args.seed)
    if args.save is not None:
        save_probe(probe, args.save)
    runs = []
    for path in args.results:
        report = json.loads(Path(path).read_text())
        rows = trial_states(report, args.real_cache)
        x = np.stack([features(state, actions, record["start"]) for record, state, actions in rows])
        scores = predict(probe, x)
        probe_records = [{**record, "dream_success": bool(score >= 0.5)} for (record, _, _), score in zip(rows, scores)]
        summary = group_summaries(probe_records)
        real = np.array([r["real_success"] for r, _, _ in rows])
        groups = np.array([r["group"] for r, _, _ in rows])
        blurred = {}
        for noise_cm in args.state_noise_cm:
            noisy_rows = [(record, blur_positions(state, noise_cm, np.random.default_rng([args.seed, i])), actions)
                          for i, (record, state, actions) in enumerate(rows)]
            noisy_scores = predict(probe, np.stack([features(s, a, r["start"]) for r, s, a in noisy_rows]))
            noisy_summary = group_summaries([{**r, "dream_success": bool(v >= 0.5)} for (r, _, _), v in zip(rows, noisy_scores)])
            blurred[f"{noise_cm:g}"] = {g: noisy_summary[g] for g in ("policy", "policy_noise", "branches")}
        runs.append({
            "results": report["label"],
            "probe_with_position_noise_cm": blurred,
            "layout_seeds_from": report["layout_seeds_from"],
            "probe": {g: summary[g] for g in ("policy", "policy_noise", "random", "branches")},
            "probe_branches_by_kind": {k: v["agreement"] for k, v in summary["branches_by_kind"].items()},
            "probe_auc": {g: auc(scores[groups == g], real[groups == g]) for g in ("policy", "policy_noise", "branch")},
            "dream": {g: report["summary"][g] for g in ("policy", "policy_noise", "random", "branches")},
            "trials": [{"group": r["group"], "kind": r["kind"], "base": r["base"], "reset_seed": r["reset_seed"],
                        "branch": r["branch"], "real_success": r["real_success"], "dream_success": r["dream_success"],
                        "probe_probability": round(float(s), 4)} for (r, _, _), s in zip(rows, scores)],
        })
    result = {
        "label": args.label,
        "actions_only": args.actions_only,
        "data": [str(d) for d in args.data],
        **training,
        "epochs": args.epochs,
        "seed": args.seed,
        "runs": runs,
        "hardware": hardware_description(torch.device("cpu")),
        "seconds": round(time.time() - started, 1),
    }
    args.out_dir.mkdir(parents=True, exist_ok=True)
    out = args.out_dir / f"state-outcome-probe-{args.label}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    for run in runs:
        p, n, b = run["probe"]["policy"], run["probe"]["policy_noise"], run["probe"]["branches"]
        dp, dn, db = run["dream"]["policy"], run["dream"]["policy_noise"], run["dream"]["branches"]
        print(f"{run['results']}: probe BC {p['hallucinated']}/{p['real_failures']} h, {p['missed']}/{p['real_successes']} m; "
              f"noisy {n['hallucinated']}/{n['real_failures']} h, {n['missed']}/{n['real_successes']} m; branches {b['agreement']:.2f} | "
              f"dream BC {dp['hallucinated']}/{dp['real_failures']}, {dp['missed']}/{dp['real_successes']}; "
              f"noisy {dn['hallucinated']}/{dn['real_failures']}, {dn['missed']}/{dn['real_successes']}; branches {db['agreement']:.2f}")
        for noise_cm, g in run["probe_with_position_noise_cm"].items():
            print(f"  start positions +- {noise_cm} cm: noisy {g['policy_noise']['hallucinated']}/{g['policy_noise']['real_failures']} h, "
                  f"{g['policy_noise']['missed']}/{g['policy_noise']['real_successes']} m; branches {g['branches']['agreement']:.2f}")
    print(f"held-out recorded episodes: AUC {result['held_out_episode_auc']:.3f}; wrote {out}")


if __name__ == "__main__":
    main()
