"""Would a state-grounded outcome probe make refine's filter precise? Scored on imagined episodes, no training.

``dreamgym refine`` imitates the imagined episodes whose success the dream confirms; replayed in reality only
about half of them succeed (``dream_episode_replay.py``), and that precision is what limits the gain (issue 10).
``benchmarks/decision_fidelity/state_outcome_probe.py`` trains a probe on the recorded episodes that reads
Meta-World's true state at a start and the actions after it, and it judges the decision-fidelity benchmark's
trials far better than the dream does. Every imagined episode starts from a recorded context whose state is
stored with the data, so the probe can judge imagined episodes too, from their start state and the actions
the policy took in the dream. The start states are read from ``real_replay.json``, where the replay reached them
with the bundle's stored actions (the recorded state; the data on this machine were recorded again, and a BC
policy's episodes differ in the last digits between machines). This script scores the episodes of a filtered-bc run folder (its
``imagined_episodes.npz``) and compares, against their open-loop real replays (``real_replay.json``), the
precision of the dream's confirmed successes with and without the probe's agreement.

Diagnostic only: the real outcomes come from replays that refinement never sees.

    python benchmarks/policy/state_outcome_filter.py runs/dream-filtered-bc/bv0s18-s0-late \\
        --probe runs/state-outcome-probe/slipmix.safetensors \\
        --out benchmarks/policy/dream-filtered-bc/state-outcome-filter-bv0s18-s0-late.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
THRESHOLDS = (0.3, 0.5, 0.7, 0.9)


def train_with_replays(probe_module, recorded: tuple[np.ndarray, np.ndarray], rows: np.ndarray, real: np.ndarray, args):
    """A probe trained on the recorded samples and the replayed imagined episodes ``rows`` (labels ``real``), each
    replay counted ``args.replay_weight`` times."""
    x = np.concatenate([recorded[0], np.repeat(rows, args.replay_weight, axis=0)])
    y = np.concatenate([recorded[1], np.repeat(real, args.replay_weight)])
    return probe_module.train_probe(x, y, args.epochs, args.seed)


def cross_validated_scores(probe_module, recorded: tuple[np.ndarray, np.ndarray], rows: np.ndarray, real: np.ndarray,
                           start_trajectory: np.ndarray, args) -> np.ndarray:
    """Each imagined episode scored by a probe trained on the recorded episodes *and* the real replays of the other
    folds' imagined episodes (folds by start trajectory, so no start is on both sides). Asks whether replays of the
    policy's imagined actions, as pre-training data, would teach the probe the outcomes the recorded episodes do not."""
    trajectories = np.unique(start_trajectory)
    fold_of = dict(zip(trajectories, np.random.default_rng(args.seed).permutation(len(trajectories)) % args.cross_validate))
    folds = np.array([fold_of[t] for t in start_trajectory])
    scores = np.zeros(len(rows))
    for fold in range(args.cross_validate):
        train = folds != fold
        probe = train_with_replays(probe_module, recorded, rows[train], real[train], args)
        scores[~train] = probe_module.predict(probe, rows[~train])
    return scores


def precision(kept: np.ndarray, real: np.ndarray) -> dict:
    return {"kept": int(kept.sum()), "really_successful": int((kept & real).sum()),
            "precision": round(float((kept & real).sum() / kept.sum()), 4) if kept.any() else None}


def replay_rows(run: Path, probe_module, context: int) -> dict:
    """The probe's inputs for every imagined episode of ``run`` (recorded start state, the actions taken in the dream),
    with its real outcome (open-loop replay), the dream's confirmed success and its start trajectory."""
    for path in (run / "imagined_episodes.npz", run / "real_replay.json"):
        if not path.is_file():
            raise SystemExit(f"{path} does not exist (run dream_filtered_bc.py and dream_episode_replay.py first).")
    episodes = dict(np.load(run / "imagined_episodes.npz"))
    replay = json.loads((run / "real_replay.json").read_text())
    if "start_state" not in replay:
        raise SystemExit(f"{run / 'real_replay.json'} has no start states; run dream_episode_replay.py again.")
    bounds = np.concatenate([[0], np.cumsum(episodes["lengths"])])
    rows = []
    for index, state in enumerate(np.array(replay["start_state"])):
        start = int(episodes["start_decision"][index]) + context - 1
        actions = np.zeros((probe_module.EPISODE_DECISIONS, 4), dtype=np.float32)
        imagined = episodes["actions"][bounds[index]:bounds[index + 1]][: probe_module.EPISODE_DECISIONS - start]
        actions[start:start + len(imagined)] = imagined
        rows.append(probe_module.features(state, actions, start, len(imagined)))
    return {"rows": np.stack(rows), "real": np.array(replay["real_success"], dtype=bool),
            "dream": episodes["success"].astype(bool), "start_trajectory": episodes["start_trajectory"]}


def scored(probe_module, scores: np.ndarray, real: np.ndarray, dream: np.ndarray) -> dict:
    return {
        "probe_auc_all": probe_module.auc(scores, real),
        "probe_auc_among_confirmed": probe_module.auc(scores[dream], real[dream]),
        "probe_alone": {str(t): precision(scores >= t, real) for t in THRESHOLDS},
        "confirmed_and_probe": {str(t): precision(dream & (scores >= t), real) for t in THRESHOLDS},
        "probe_probability": [round(float(s), 4) for s in scores],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path, help="filtered-bc run folder with imagined_episodes.npz and real_replay.json")
    parser.add_argument("--probe", type=Path, help="weights from state_outcome_probe.py --save")
    parser.add_argument("--train-replays", type=Path, nargs="+", metavar="RUN",
                        help="instead of --probe: train the probe on --data plus the real replays of these other runs' "
                             "imagined episodes (pre-training data from another policy's refinement)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cross-validate", type=int, default=0, metavar="K",
                        help="also score each episode with a probe trained on --data plus the other K-1 folds' real replays")
    parser.add_argument("--data", type=Path, nargs="+", default=[Path("data-slipmix")],
                        help="recorded episodes (with --cross-validate or --train-replays)")
    parser.add_argument("--replay-weight", type=int, default=20, help="copies of each replay in the probe's training data")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.cross_validate == 1 or args.cross_validate < 0 or args.replay_weight < 1:
        parser.error("--cross-validate needs K >= 2 folds (0: off) and --replay-weight >= 1")
    if (args.probe is None) == (args.train_replays is None):
        parser.error("give either --probe (trained weights) or --train-replays (runs whose replays it learns from)")
    if args.probe is not None and not args.probe.is_file():
        parser.error(f"--probe {args.probe} does not exist; run state_outcome_probe.py --save first.")
    sys.path.insert(0, str(HERE.parent / "decision_fidelity"))  # the probe and the scripts it imports
    import state_outcome_probe as probe_module

    from dreamgym.bundle import find_bundle, read_manifest

    context = read_manifest(find_bundle("coffee-pull")).context_frames
    mine = replay_rows(args.run, probe_module, context)
    rows, real, dream = mine["rows"], mine["real"], mine["dream"]
    recorded = None
    if args.train_replays or args.cross_validate:  # the recorded samples, read once
        recorded = probe_module.training_samples(args.data, "coffee-pull", args.seed)[:2]
    if args.probe is not None:
        probe = probe_module.load_probe(args.probe)
    else:
        others = [replay_rows(run, probe_module, context) for run in args.train_replays]
        probe = train_with_replays(probe_module, recorded, np.concatenate([o["rows"] for o in others]),
                                   np.concatenate([o["real"] for o in others]), args)
    result = {
        "run": str(args.run),
        "probe": str(args.probe) if args.probe is not None else {
            "data": [str(d) for d in args.data], "replays_of": [str(r) for r in args.train_replays],
            "replay_weight": args.replay_weight, "epochs": args.epochs, "seed": args.seed},
        "episodes": int(len(real)),
        "real_success_rate": round(float(real.mean()), 4),
        "dream_confirmed": precision(dream, real),
        **scored(probe_module, probe_module.predict(probe, rows), real, dream),
    }
    if args.cross_validate:
        held_scores = cross_validated_scores(probe_module, recorded, rows, real, mine["start_trajectory"], args)
        result["cross_validated"] = {"folds": args.cross_validate, "data": [str(d) for d in args.data],
                                     "replay_weight": args.replay_weight, **scored(probe_module, held_scores, real, dream)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    brief = {k: v for k, v in result.items() if k != "probe_probability"}
    if "cross_validated" in brief:
        brief["cross_validated"] = {k: v for k, v in brief["cross_validated"].items() if k != "probe_probability"}
    print(json.dumps(brief, indent=1))


if __name__ == "__main__":
    main()
