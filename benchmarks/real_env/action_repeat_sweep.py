"""Choose each task's action repeat: scripted-expert success within 50 decisions for repeats 1-4.

Seeds come from the tuning range (dreamgym.data.collect.TUNING_SEED_BASE), disjoint from the seeds
used to collect data and from held-out evaluation seeds.

    python benchmarks/real_env/action_repeat_sweep.py --episodes 50
writes benchmarks/real_env/action_repeat_sweep.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from dreamgym.data.collect import TUNING_SEED_BASE
from dreamgym.real.experts import expert_first_success
from dreamgym.tasks import WORLD4RL_TASKS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=50)
    parser.add_argument("--repeats", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("action_repeat_sweep.json"))
    args = parser.parse_args()
    results = {"episodes": args.episodes, "seeds_from": TUNING_SEED_BASE, "machine": platform.processor() or platform.machine(), "tasks": {}}
    for task in WORLD4RL_TASKS:
        results["tasks"][task] = {}
        for repeat in args.repeats:
            start = time.perf_counter()
            first_success = expert_first_success(task, range(TUNING_SEED_BASE, TUNING_SEED_BASE + args.episodes), repeat)
            solved = [step for step in first_success if step is not None]
            rate = len(solved) / len(first_success)
            median = float(np.median(solved)) if solved else None
            results["tasks"][task][str(repeat)] = {
                "success_rate": rate,
                "median_first_success_decision": median,
                "first_success_decision": first_success,
            }
            print(
                f"{task:12s} repeat {repeat}: expert success {rate:.2f}, median first success at decision {median} "
                f"({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
    args.out.write_text(json.dumps(results, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
