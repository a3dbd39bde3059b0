"""Where a dream step's time goes: torch profiler over 20 steps of 16 worlds through the SB3 adapter.

    python benchmarks/dream_throughput/profile_step.py --bundle envs/coffee-pull

Writes ``profile-cpu.txt`` next to this file: the share of the world model, the reward classifier and
everything else (conversions, copies, bookkeeping), then torch's table of the most expensive operators.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from torch.profiler import ProfilerActivity, profile, record_function

from dreamgym.dream.sb3 import SB3VecEnvAdapter
from dreamgym.dream.vector_env import DreamWorldVectorEnv

HERE = Path(__file__).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", type=Path, default=Path("envs/coffee-pull"))
    parser.add_argument("--num-envs", type=int, default=16)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    env = DreamWorldVectorEnv(num_envs=args.num_envs, bundle=args.bundle)
    world_model, reward_model = env.simulator.world_model, env.simulator.reward_model
    venv = SB3VecEnvAdapter(env)
    venv.reset()
    actions = np.zeros((args.num_envs, 4), np.float32)
    venv.step(actions)
    timings = {"world_model": 0.0, "reward_model": 0.0}

    def timed(module, name):
        forward = module.forward

        def wrapper(*inputs, **kwargs):
            start = time.perf_counter()
            out = forward(*inputs, **kwargs)
            timings[name] += time.perf_counter() - start
            return out

        module.forward = wrapper

    timed(world_model, "world_model")
    timed(reward_model, "reward_model")
    start = time.perf_counter()
    with profile(activities=[ProfilerActivity.CPU]) as profiler:
        for _ in range(args.steps):
            with record_function("sb3_step"):
                venv.step(actions)
    total = time.perf_counter() - start
    other = total - timings["world_model"] - timings["reward_model"]
    lines = [
        f"python benchmarks/dream_throughput/profile_step.py --bundle {args.bundle} --num-envs {args.num_envs} --steps {args.steps}",
        f"sampler: {env.simulator.sampler_name}, {env.sampler.num_steps} denoising step(s); torch threads {torch.get_num_threads()}",
        f"{args.steps} SB3 steps of {args.num_envs} worlds: {total:.2f} s under the profiler "
        f"({args.steps * args.num_envs / total:.1f} transitions/s with profiling overhead)",
        f"world model forward: {timings['world_model']:.2f} s ({100 * timings['world_model'] / total:.1f}%)",
        f"reward classifier forward: {timings['reward_model']:.2f} s ({100 * timings['reward_model'] / total:.1f}%)",
        f"everything else (encoding, conversions, copies, bookkeeping): {other:.2f} s ({100 * other / total:.1f}%)",
        "",
        profiler.key_averages().table(sort_by="self_cpu_time_total", row_limit=15),
    ]
    (HERE / "profile-cpu.txt").write_text("\n".join(lines))
    print("\n".join(lines[:6]))


if __name__ == "__main__":
    main()
