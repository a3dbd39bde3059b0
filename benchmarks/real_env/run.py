"""Real Meta-World pixel env: speed, expert success with the chosen action repeat, collection cost.

    python benchmarks/real_env/run.py --data data --workers 2

For each World4RL task it measures
* env steps/s (one decision = action_repeat simulator steps + one 64x64 render), random actions;
* scripted-expert success within 50 decisions on 50 held-out episodes (evaluation seeds);
* time and disk size to collect the default mix (50 expert + 150 noisy expert + 30 random) into --data
  (an existing complete dataset is not re-collected: delete it to re-measure);
and, once, the step rate of Meta-World's own renderer at default MuJoCo settings for comparison.
Writes results.json next to this file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

from dreamgym.data.collect import EVAL_SEED_BASE, CollectConfig, collect
from dreamgym.real.experts import expert_first_success
from dreamgym.real.speed import default_renderer_steps_per_second, steps_per_second
from dreamgym.tasks import WORLD4RL_TASKS


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*.npz"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--eval-episodes", type=int, default=50)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    args = parser.parse_args()

    results = {
        "command": f"python benchmarks/real_env/run.py --data {args.data} --workers {args.workers}",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "gpu": None},
        "mujoco_gl": os.environ.get("MUJOCO_GL"),
        "default_mujoco_rendering_steps_per_s_64px": round(default_renderer_steps_per_second(), 2),
        "tasks": {},
    }
    print(f"Meta-World default rendering: {results['default_mujoco_rendering_steps_per_s_64px']} steps/s", flush=True)
    for task, spec in WORLD4RL_TASKS.items():
        row = {"action_repeat": spec.action_repeat, "camera": spec.camera.to_dict()}
        row["env_steps_per_s"] = round(steps_per_second(task), 1)
        outcomes = expert_first_success(task, range(EVAL_SEED_BASE, EVAL_SEED_BASE + args.eval_episodes))
        row["expert_success_eval"] = sum(step is not None for step in outcomes) / len(outcomes)
        config = CollectConfig(task, args.data, workers=args.workers)
        report = collect(config)
        row["collect"] = {
            "episodes": report.written + report.skipped,
            "written_now": report.written,
            "seconds": round(report.seconds, 1) if report.written else None,
            "workers": args.workers,
            "bytes_on_disk": folder_bytes(args.data / task),
            "success_rate_by_source": report.success_rates() or None,
        }
        results["tasks"][task] = row
        print(task, json.dumps(row), flush=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
