"""Experiment (issue 10): success-filtered behaviour cloning in the dream, with a random-selection null.

PPO in the dream has moved the three BC policies' real success by noise only (``gpu-scale/README.md``,
sessions 17-19), although the confirmed dream reward (4 re-imaginings of the last 20 transitions) pays
real successes about seven times as often as real failures when it replays real grasps
(``../decision_fidelity/README.md``, "What refine's pessimism pays": 0.38 against 0.05). This script
uses that signal with a lower-variance update than PPO's: it lets the BC policy act (sampling from its
Gaussian) in ``--rounds`` batches of ``--num-envs`` imagined episodes from real episode starts, keeps the
episodes the dream calls a *confirmed* success, and continues behaviour cloning from the BC weights on
their (imagined frame, action) pairs mixed half and half with the expert demonstrations.

Real success of these policies moves by 10-30 points under small weight changes alone (see
``continued_bc.py``), so every selection is paired with a **null** from the same imagined episodes:
``--selection random`` keeps as many episodes as the success filter did, drawn uniformly without looking
at the outcome, and fine-tunes identically. Only the difference between the two arms is evidence that the
dream's outcome taught the policy something. No real-simulator step is taken here.

    python benchmarks/policy/dream_filtered_bc.py --bc-model runs/bc-seed2/bc.zip --out runs/dream-filtered-bc/bv2s18

writes ``<out>/imagined_episodes.npz`` (resumable by round), ``<out>/<selection>/policy.zip`` and
``<out>/<selection>/summary.json`` per selection. The collection and the imitation are the library's
(:mod:`dreamgym.policy.dream_imitation`, what ``dreamgym refine --method filtered-bc`` runs); this script adds
the null. The first results (BC labels ``*-s0``, ``*-s1``) came from this script as of commit 8828a63, which
wrote ``dream_episodes.npz`` and left the policy's action noise to the generator seeded when SB3 loads the zip. Evaluate with
``dreamgym evaluate --model <out>/<selection>/policy.zip --seeds 0 1 2 --episodes 50 --real-only``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from dreamgym.policy.dream_imitation import PAIR_CHOICES, DreamImitationConfig, collect_imagined_episodes, imitate

SELECTIONS = ("success", "random", "real", "success-and-real", "success-and-probe")
"""``real`` and ``success-and-real`` are diagnostic oracles, not refinement: they read ``<out>/real_replay.json``
(``dream_episode_replay.py``: each imagined episode's actions replayed open loop in real Meta-World) and keep the
episodes whose actions really succeed (and, for the second, that the dream also confirmed). They measure how much a
perfect filter would be worth. ``success-and-probe`` keeps the confirmed successes that a state-grounded outcome probe
also calls successes (``--probe-scores``: the JSON of ``state_outcome_filter.py``, which reads the recorded start
state of every imagined episode and the actions taken in the dream; no real step)."""


def select_episodes(success: np.ndarray, selection: str, seed: int, real_success: np.ndarray | None = None,
                    probe_success: np.ndarray | None = None) -> np.ndarray:
    """Indices of the kept episodes: the confirmed successes, as many drawn without looking (the null), those the
    outcome probe also calls successes, or (oracles) those whose actions succeed when replayed in reality."""
    successes = np.flatnonzero(success)
    if selection == "success":
        return successes
    if selection == "success-and-probe":
        if probe_success is None:
            raise ValueError("--selection success-and-probe needs --probe-scores (state_outcome_filter.py's JSON).")
        return np.flatnonzero(success & probe_success)
    if selection in ("real", "success-and-real"):
        if real_success is None:
            raise ValueError(f"--selection {selection} needs <out>/real_replay.json; run dream_episode_replay.py first.")
        return np.flatnonzero(real_success & success) if selection == "success-and-real" else np.flatnonzero(real_success)
    return np.sort(np.random.default_rng(seed).choice(len(success), size=len(successes), replace=False))


def run(config: DreamImitationConfig, selections: tuple[str, ...], progress: bool = True,
        probe_success: np.ndarray | None = None) -> list[dict]:
    """Collect the imagined episodes once, then one imitation per selection; returns their summaries."""
    unknown = [s for s in selections if s not in SELECTIONS]
    if unknown or not selections:
        raise ValueError(f"--selection must name one or more of {SELECTIONS}, got {list(selections)}.")
    episodes = collect_imagined_episodes(config, progress)
    replay = config.out_dir / "real_replay.json"
    real_success = np.array(json.loads(replay.read_text())["real_success"], bool) if replay.exists() else None
    summaries = []
    for selection in selections:
        out = config.out_dir / (selection if config.pairs == "episode" else f"{selection}-{config.pairs}")
        summary = {"selection": selection, "config": config.to_dict(),
                   **imitate(config, episodes, select_episodes(episodes["success"], selection, config.seed, real_success, probe_success),
                             out / "policy.zip", progress)}
        (out / "summary.json").write_text(json.dumps(summary, indent=2))
        summaries.append(summary)
    return summaries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bc-model", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--bundle", type=Path)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--num-envs", type=int, default=64)
    parser.add_argument("--confirm", default="4,20,5", help="rerolls,horizon,window of the success confirmation")
    parser.add_argument("--selection", nargs="+", default=["success", "random"], choices=SELECTIONS)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--pairs", choices=PAIR_CHOICES, default="episode",
                        help="imitate whole kept episodes or their decisions up to the grasp (arm folders <selection>-until-grasp)")
    parser.add_argument("--start-decisions", type=int, nargs=2, default=[0, 0], metavar=("FIRST", "LAST"),
                        help="imagined episodes start from real contexts beginning at a decision in FIRST..LAST of the "
                             "bundle's stored trajectories (default 0 0: their first frames)")
    parser.add_argument("--probe-scores", type=Path, help="state_outcome_filter.py's JSON for --selection success-and-probe")
    parser.add_argument("--probe-threshold", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    try:
        rerolls, horizon, window = (int(part) for part in args.confirm.split(","))
    except ValueError:
        parser.error(f"--confirm must be three integers rerolls,horizon,window (e.g. 4,20,5), got {args.confirm!r}")
    if not args.bc_model.is_file():
        parser.error(f"--bc-model {args.bc_model} does not exist; expected an SB3 zip from `dreamgym train-bc`.")
    config = DreamImitationConfig(
        bc_model=args.bc_model, out_dir=args.out, bundle=args.bundle, rounds=args.rounds, num_envs=args.num_envs,
        success_confirmation={"rerolls": rerolls, "horizon": horizon, "window": window}, steps=args.steps,
        seed=args.seed, data_dir=args.data, pairs=args.pairs, start_decisions=tuple(args.start_decisions),
        success_signal="classifier", group_size=1, imitation_seeds=1,  # this benchmark's settings (refine's defaults
        # before session 31)
    )
    probe_success = None
    if args.probe_scores is not None:
        if not args.probe_scores.is_file():
            parser.error(f"--probe-scores {args.probe_scores} does not exist; run benchmarks/policy/state_outcome_filter.py first.")
        probe_success = np.array(json.loads(args.probe_scores.read_text())["probe_probability"]) >= args.probe_threshold
    for summary in run(config, tuple(args.selection), progress=not args.no_progress, probe_success=probe_success):
        print(json.dumps({k: summary[k] for k in ("selection", "kept_episodes", "kept_confirmed_successes", "kept_pairs")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
