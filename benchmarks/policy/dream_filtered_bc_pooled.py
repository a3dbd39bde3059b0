"""Experiment (issue 10): filtered-bc on the confirmed successes of several passes pooled, imitated from BC once.

``dreamgym refine`` (two passes since session 22) continues each pass from the policy the previous pass imitated, so
a second pass drifts further from BC on half as much evidence as the two passes hold together. This script imitates,
from the BC weights, the confirmed imagined successes of every run folder given (``dream_filtered_bc.py`` or
``dreamgym refine`` pass folders, each holding ``imagined_episodes.npz``), mixed half and half with the expert
demonstrations as the library's imitation does. No real-simulator step is taken.

Two more selections (session 24): ``--start-sources`` keeps only the imagined episodes that started from a recorded
episode of the named ``dreamgym collect`` sources (found by matching the bundle's start contexts to ``--data``), and
``--subsample N`` keeps N of the selected episodes drawn without looking, the count control for the first.
``--judged-by`` (session 25) keeps only the confirmed successes a second dream also confirmed: one
``dream_episode_rescore.py --judge-bundle`` report per run, in the order of ``--runs``.

    python benchmarks/policy/dream_filtered_bc_pooled.py --bc-model runs/bc-seed2/bc.zip \
        --runs runs/dream-filtered-bc/bv2s18-s0-late runs/dream-filtered-bc/bv2s18-s0-late-round2 \
        --out runs/dream-filtered-bc/bv2s18-s0-late-pooled --seed 2

writes ``<out>/policy.zip`` and ``<out>/summary.json`` (its ``config``: the imitation's settings; the summaries of
session 23, written before that, also hold the collection defaults of ``DreamImitationConfig``, which do not describe
the pooled runs: their own ``config.json`` does). Evaluate with
``dreamgym evaluate --model <out>/policy.zip --seeds 0 1 2 --episodes 50 --real-only``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

import numpy as np

from dreamgym.policy.dream_imitation import EPISODES_FILE, DreamImitationConfig, imitate

_spec = importlib.util.spec_from_file_location("dream_filtered_bc", Path(__file__).with_name("dream_filtered_bc.py"))
_filtered_bc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_filtered_bc)
select_episodes = _filtered_bc.select_episodes
_replay_spec = importlib.util.spec_from_file_location("dream_episode_replay", Path(__file__).with_name("dream_episode_replay.py"))
_replay = importlib.util.module_from_spec(_replay_spec)
_replay_spec.loader.exec_module(_replay)

SOURCES = ("expert", "noisy_expert", "branch", "bc", "random")
"""The sources of ``dreamgym collect`` a bundle's start contexts are taken from."""

POOLED_KEYS = ("frames", "actions", "lengths", "success", "round_seconds", "start_trajectory")
"""The arrays of ``imagined_episodes.npz`` the imitation reads, concatenated over the pooled runs."""
IMITATION_KEYS = ("bc_model", "seed", "steps", "batch_size", "learning_rate", "average_from", "snapshot_every",
                  "shift_pixels", "pairs", "demo_sources", "data_dir")
"""The settings of the imitation recorded in ``summary.json`` (the pooled runs' own ``config.json`` hold how they were
imagined)."""


def pooled_episodes(runs: list[Path]) -> dict[str, np.ndarray]:
    """The imagined episodes of every run folder, one after another."""
    missing = [str(run / EPISODES_FILE) for run in runs if not (run / EPISODES_FILE).is_file()]
    if missing:
        raise FileNotFoundError(f"No imagined episodes at {', '.join(missing)}; expected folders written by "
                                "dream_filtered_bc.py or `dreamgym refine` (one per pass).")
    loaded = [np.load(run / EPISODES_FILE) for run in runs]
    return {key: np.concatenate([episodes[key] for episodes in loaded]) for key in POOLED_KEYS
            if all(key in episodes for episodes in loaded)}


def start_sources(start_trajectory: np.ndarray, data_dir: Path, task: str) -> np.ndarray:
    """The ``dreamgym collect`` source of the recorded episode each imagined episode started from: the bundle's start
    contexts matched to the recorded episodes under ``data_dir`` by their frames."""
    from dreamgym.bundle import find_bundle, read_manifest
    from dreamgym.dream.initial_states import InitialStates

    bundle = find_bundle(task)
    context = read_manifest(bundle).context_frames
    initial = InitialStates.load(bundle / "initial_states")
    recorded = _replay.recorded_starts(data_dir, task, context)
    keys = [_replay.frame_key(initial.frames[index, :context].numpy()) for index in range(initial.frames.shape[0])]
    missing = sum(key not in recorded for key in keys)
    if missing:
        raise FileNotFoundError(f"{missing} of the bundle's {len(keys)} start contexts match no recorded episode under "
                                f"{data_dir}/{task}; --start-sources needs the dataset the bundle was exported from.")
    return np.array([recorded[key]["source"] for key in keys])[start_trajectory]


def select_from_sources(episodes: dict[str, np.ndarray], selection: str, seed: int, sources: np.ndarray | None,
                        allowed: list[str] | None) -> np.ndarray:
    """``select_episodes`` among the imagined episodes that started from one of the ``allowed`` sources (all if None)."""
    if allowed is None:
        return select_episodes(episodes["success"], selection, seed)
    among = np.flatnonzero(np.isin(sources, allowed))
    return among[select_episodes(episodes["success"][among], selection, seed)]


def judge_verdicts(reports: list[Path], runs: list[Path], lengths: np.ndarray) -> np.ndarray:
    """Per pooled imagined episode, whether the second dream of ``reports`` (one ``dream_episode_rescore.py`` report per
    run, same order) reproduced its success in every re-imagining; False for episodes it did not re-imagine.

    :raises ValueError: if the reports do not match the runs one to one or their episode counts differ.
    """
    if len(reports) != len(runs):
        raise ValueError(f"--judged-by got {len(reports)} reports for {len(runs)} runs; expected one per run, in order.")
    verdicts = []
    for report, run in zip(reports, runs):
        rescore = json.loads(Path(report).read_text())
        if not {"run", "fired"} <= rescore.keys():
            raise ValueError(f"--judged-by {report} is not a dream_episode_rescore.py report (it needs 'run' and 'fired').")
        if Path(rescore["run"]) != Path(run):
            raise ValueError(f"--judged-by {report} re-imagined {rescore['run']}, not {run}; give the reports in the "
                             f"order of --runs.")
        fired = np.array(rescore["fired"])
        verdicts.append((fired == 1).all(axis=1))
    verdict = np.concatenate(verdicts)
    if len(verdict) != len(lengths):
        raise ValueError(f"--judged-by reports cover {len(verdict)} episodes; the runs hold {len(lengths)}.")
    return verdict


def subsample(kept: np.ndarray, count: int | None, seed: int) -> np.ndarray:
    """``count`` of the ``kept`` episode indices drawn without looking (all of them if ``count`` is None)."""
    if count is None:
        return kept
    if not 0 < count <= len(kept):
        raise ValueError(f"--subsample {count}: the selection kept {len(kept)} episodes; expected 1 to {len(kept)}.")
    return np.sort(np.random.default_rng(seed).choice(kept, size=count, replace=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bc-model", type=Path, required=True, help="the policy to imitate from (BC)")
    parser.add_argument("--runs", type=Path, nargs="+", required=True, help="run folders whose confirmed successes to pool")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0, help="seed of the behaviour cloning (and of the null's draw)")
    parser.add_argument("--selection", choices=("success", "random"), default="success",
                        help="imitate the confirmed successes, or as many episodes drawn without looking (the null of "
                             "dream_filtered_bc.py)")
    parser.add_argument("--start-sources", nargs="+", choices=SOURCES, default=None,
                        help="keep only imagined episodes that started from recorded episodes of these sources (runs "
                             "with start_decisions record their start; matched to --data); default: all")
    parser.add_argument("--subsample", type=int, default=None,
                        help="keep only this many of the selected episodes, drawn without looking (a control for how "
                             "many episodes --start-sources keeps); default: all")
    parser.add_argument("--judged-by", type=Path, nargs="+", default=None,
                        help="dream_episode_rescore.py reports of a second dream, one per run in the order of --runs: "
                             "keep only the episodes it also confirmed (applied before --subsample)")
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    if not args.bc_model.is_file():
        parser.error(f"--bc-model {args.bc_model} does not exist; expected an SB3 zip from `dreamgym train-bc`.")
    try:
        episodes = pooled_episodes(args.runs)
    except FileNotFoundError as error:
        parser.error(str(error))
    sources = None
    if args.start_sources is not None:
        if "start_trajectory" not in episodes:
            parser.error("--start-sources needs runs that record each episode's start (start_trajectory: runs made "
                         "with --start-decisions); some of --runs do not.")
        try:
            sources = start_sources(episodes["start_trajectory"], args.data, "coffee-pull")
        except FileNotFoundError as error:
            parser.error(str(error))
    try:
        kept = select_from_sources(episodes, args.selection, args.seed, sources, args.start_sources)
        if args.judged_by is not None:
            kept = kept[judge_verdicts(args.judged_by, args.runs, episodes["lengths"])[kept]]
        kept = subsample(kept, args.subsample, args.seed)
    except (ValueError, FileNotFoundError) as error:
        parser.error(str(error))
    config = DreamImitationConfig(bc_model=args.bc_model, out_dir=args.out, steps=args.steps, seed=args.seed,
                                  data_dir=args.data, imitation_seeds=1)  # one cloning, as this benchmark measured
    summary = {"runs": [str(run) for run in args.runs], "config": {k: config.to_dict()[k] for k in IMITATION_KEYS},
               "selection": args.selection, "start_sources": args.start_sources, "subsample": args.subsample,
               "judged_by": None if args.judged_by is None else [str(report) for report in args.judged_by],
               **imitate(config, episodes, kept, args.out / "policy.zip", progress=not args.no_progress)}
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps({k: summary[k] for k in ("imagined_episodes", "kept_episodes", "kept_pairs")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
