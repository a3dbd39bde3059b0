"""Do two torch processes on the same cores stall each other? Seconds per dream step, alone and in pairs.

    python benchmarks/dream_throughput/threads.py --bundle envs/coffee-pull

Each process steps 16 imagined worlds with the bundle's default sampler for ``--seconds`` and reports
its mean seconds per step. Settings compared (environment of each process; torch uses OpenMP here):

* ``spin``: ``OMP_WAIT_POLICY=ACTIVE``, OpenMP's waiting threads spin (what torch does unless told);
* ``short spin``: ``GOMP_SPINCOUNT=10000``, they spin briefly, then sleep;
* ``passive``: ``OMP_WAIT_POLICY=PASSIVE``, they sleep at once;
* ``1 thread``: ``OMP_NUM_THREADS=1`` per process.

Each is run alone and as two processes at once. Writes ``threads-cpu.json`` next to this file.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent

WORKER = """
import sys, time
import numpy as np
import torch
from dreamgym.dream.vector_env import DreamWorldVectorEnv
env = DreamWorldVectorEnv(num_envs=16, bundle=sys.argv[1])
env.reset(seed=0)
actions = np.zeros((16, 4), np.float32)
env.step(actions)
start, steps = time.perf_counter(), 0
while time.perf_counter() - start < float(sys.argv[2]):
    env.step(actions)
    steps += 1
print((time.perf_counter() - start) / steps, torch.get_num_threads())
"""

SETTINGS = {
    "spin": {"OMP_WAIT_POLICY": "ACTIVE"},
    "short spin": {"GOMP_SPINCOUNT": "10000"},
    "passive": {"OMP_WAIT_POLICY": "PASSIVE"},
    "1 thread": {"OMP_NUM_THREADS": "1"},
}


def run(bundle: Path, seconds: float, processes: int, settings: dict) -> list[dict]:
    """Start ``processes`` workers at once with ``settings``; their seconds per step and thread counts."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "GOMP_SPINCOUNT")} | settings
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(bundle), str(seconds)], env=env,
                                stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    results = []
    for worker in workers:
        output, _ = worker.communicate()
        if worker.returncode:
            raise RuntimeError(f"worker failed with exit status {worker.returncode}")
        seconds_per_step, threads = output.split()
        results.append({"seconds_per_step": round(float(seconds_per_step), 4), "torch_threads": int(threads)})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", type=Path, default=Path("envs/coffee-pull"))
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    results = {"command": f"python benchmarks/dream_throughput/threads.py --bundle {args.bundle}", "cpus": os.cpu_count(),
               "num_envs": 16, "rows": []}
    for name, settings in SETTINGS.items():
        for processes in (1, 2):
            measured = run(args.bundle, args.seconds, processes, settings)
            row = {"setting": name, "environment": settings, "processes": processes, "workers": measured}
            results["rows"].append(row)
            print(json.dumps(row), flush=True)
    (HERE / "threads-cpu.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
