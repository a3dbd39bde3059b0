"""Diagnostic (issue 10): how often the dream's confirmed successes are real, by where the imagined episode started.

Every imagined episode of ``dreamgym refine --method filtered-bc`` starts from a real 4-frame context of a recorded
episode. ``dream_episode_replay.py`` replays each one's actions open loop in real Meta-World and records, per episode,
the dream's verdict, the real one and the seed of the recorded episode it started from. The seed says the recorded
episode's source (``dreamgym.data.collect.SOURCE_SEED_BASE``: expert, noisy_expert, random, bc, branch). This script
tabulates, per source and over all replay files given: imagined episodes, confirmed successes, precision (confirmed
ones that are real) and recall (real ones the dream confirmed).

    python benchmarks/policy/dream_start_sources.py benchmarks/policy/dream-filtered-bc/replay-*-s0-late.json \
        --out benchmarks/policy/dream-filtered-bc/start-sources-precision.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from dreamgym.data.collect import SOURCE_SEED_BASE
from dreamgym.files import atomic_write_json


def source_of_seed(seed: int) -> str:
    """The ``dreamgym collect`` source whose seed range holds ``seed``."""
    bases = sorted(SOURCE_SEED_BASE.items(), key=lambda item: item[1])
    below = [source for source, base in bases if base <= seed]
    if not below or seed >= bases[-1][1] + (bases[1][1] - bases[0][1]):
        raise ValueError(f"Seed {seed} lies in no source's range of {SOURCE_SEED_BASE}; is it a collection seed?")
    return below[-1]


def counts(dream: np.ndarray, real: np.ndarray) -> dict:
    """Episodes, confirmed successes, real successes, precision and recall of the dream's verdict."""
    confirmed_real = int((dream & real).sum())
    return {"episodes": int(dream.size), "confirmed": int(dream.sum()), "real": int(real.sum()),
            "confirmed_and_real": confirmed_real,
            "precision": round(confirmed_real / dream.sum(), 3) if dream.any() else None,
            "recall": round(confirmed_real / real.sum(), 3) if real.any() else None}


def by_source(replay: dict) -> dict[str, dict]:
    """``counts`` per start source of one replay file, and over all its episodes (``all``)."""
    dream = np.array(replay["dream_success"], bool)
    real = np.array(replay["real_success"], bool)
    sources = np.array([source_of_seed(int(seed)) for seed in replay["start_seed"]])
    table = {source: counts(dream[sources == source], real[sources == source]) for source in SOURCE_SEED_BASE}
    table["all"] = counts(dream, real)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("replays", type=Path, nargs="+", help="real_replay.json files of dream_episode_replay.py")
    parser.add_argument("--out", type=Path, default=None, help="JSON to write (default: print only)")
    args = parser.parse_args(argv)
    missing = [str(path) for path in args.replays if not path.is_file()]
    if missing:
        parser.error(f"No replay file at {', '.join(missing)}; expected JSON written by dream_episode_replay.py.")
    result = {}
    for path in args.replays:
        replay = json.loads(path.read_text())
        if "start_seed" not in replay:
            parser.error(f"{path} has no start_seed; rerun dream_episode_replay.py (it records each start's seed).")
        result[path.name] = by_source(replay)
    for name, table in result.items():
        print(name)
        for source, row in table.items():
            print(f"  {source:13s} {row['episodes']:4d} episodes, {row['confirmed']:4d} confirmed, precision {row['precision']}, "
                  f"recall {row['recall']}")
    if args.out is not None:
        atomic_write_json(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
