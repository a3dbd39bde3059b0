"""Imagined transitions per second vs num_envs and sampler, next to the real simulator.

    python benchmarks/dream_throughput/run.py --bundle envs/coffee-pull --device cpu

Samplers: the bundle's distilled one-step world model (``distilled``, where it has one) and its
teacher with 1, 2, 3 and 5 Euler steps (``teacher-<n>``; the bundle's teacher setting is 3). One
"transition" is one world advancing one decision: a batched world-model sample plus the reward
classifier, including the numpy round trip at the env boundary. In the same run the
real Meta-World pixel env is measured at the same resolution, with dreamgym's fast rendering and
with Meta-World's default rendering. Writes results-<device>.json and throughput-<device>.png.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

from dreamgym.dream.simulator import LearnedSimulator
from dreamgym.dream.vector_env import DreamWorldVectorEnv

HERE = Path(__file__).parent


def dream_rate(simulator, num_envs: int, steps: int | None, device: str, min_seconds: float) -> float:
    """Transitions per second of ``num_envs`` worlds of ``simulator`` (``steps``: teacher Euler steps; ``None``: its own)."""
    env = DreamWorldVectorEnv(num_envs=num_envs, simulator=simulator, device=device, denoising_steps=steps)
    env.reset(seed=0)
    actions = np.zeros((num_envs, 4), np.float32)
    env.step(actions)  # warm-up
    env.step(actions)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < min_seconds or count < 3:
        env.step(actions)
        count += 1
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return num_envs * count / (time.perf_counter() - start)


def real_rates(task: str, decisions: int = 200) -> dict[str, float]:
    """Decisions per second of the real pixel env (imported here: ``--skip-real`` runs without MuJoCo)."""
    from dreamgym.real.speed import default_renderer_steps_per_second, steps_per_second

    return {
        "fast_rendering_decisions_per_s": steps_per_second(task, decisions),
        "metaworld_default_rendering_steps_per_s": default_renderer_steps_per_second(task),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", type=Path, default=Path("envs/coffee-pull"))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--num-envs", type=int, nargs="+", default=[1, 4, 16, 64, 256])
    parser.add_argument("--denoising-steps", type=int, nargs="+", default=[1, 2, 3, 5])
    parser.add_argument("--min-seconds", type=float, default=3.0)
    parser.add_argument("--skip-real", action="store_true", help="do not measure the real simulator (e.g. on a GPU box without it)")
    args = parser.parse_args()

    teacher = LearnedSimulator.load(args.bundle, args.device, sampler="teacher")
    samplers = [(f"teacher-{steps}", teacher, steps) for steps in args.denoising_steps]
    if "distilled" in teacher.manifest.sampler_choices():
        samplers.insert(0, ("distilled", LearnedSimulator.load(args.bundle, args.device, sampler="distilled"), None))
    results = {
        "command": "python benchmarks/dream_throughput/run.py " + " ".join(sys.argv[1:]),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "device": torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu",
            "torch_threads": torch.get_num_threads(),
        },
        "world_model_parameters": teacher.world_model.num_parameters(),
        "image_size": teacher.manifest.image_size,
        "dream_transitions_per_s": {},
    }
    results["default_sampler"] = teacher.manifest.default_sampler
    results["teacher_steps"] = teacher.sampler.num_steps
    for label, simulator, steps in samplers:
        row = {}
        for num_envs in args.num_envs:
            row[str(num_envs)] = round(dream_rate(simulator, num_envs, steps, args.device, args.min_seconds), 1)
            print(f"{label}, num_envs {num_envs}: {row[str(num_envs)]} transitions/s", flush=True)
        results["dream_transitions_per_s"][label] = row
    if not args.skip_real:
        results["real"] = {k: round(v, 1) for k, v in real_rates(teacher.manifest.tasks[0]).items()}
        print("real:", results["real"])
    name = "cpu" if args.device == "cpu" else "gpu"
    (HERE / f"results-{name}.json").write_text(json.dumps(results, indent=1))
    plot(results, HERE / f"throughput-{name}.png")
    write_summary(results, name)


def write_summary(results: dict, name: str) -> None:
    """Add (or replace) this device's section in README.md."""
    machine = results["machine"]
    counts = list(next(iter(results["dream_transitions_per_s"].values())))
    lines = [
        f"## {name.upper()}: {machine['device']}",
        "",
        f"Produced by `{results['command']}` on {machine['cpus']} CPU cores ({machine['platform']}, torch threads "
        f"{machine['torch_threads']}); world model {results['world_model_parameters'] / 1e6:.1f}M parameters, "
        f"{results['image_size']}x{results['image_size']} frames. Imagined transitions per second "
        "(one world advancing one decision, reward classifier and numpy boundary included):",
        "",
        "| sampler | " + " | ".join(f"num_envs {n}" for n in counts) + " |",
        "|---|" + "---|" * len(counts),
    ]
    for label, row in results["dream_transitions_per_s"].items():
        shown = sampler_label(label, results)
        lines.append(f"| {shown} | " + " | ".join(f"{row[n]:.1f}" for n in counts) + " |")
    if "real" in results:
        real = results["real"]
        lines += [
            "",
            f"Real Meta-World in the same run, same 64x64 resolution: {real['fast_rendering_decisions_per_s']:.1f} "
            f"decisions/s with dreamgym's fast rendering (3 simulator steps + 1 render each), "
            f"{real['metaworld_default_rendering_steps_per_s']:.1f} steps/s with Meta-World's default rendering "
            "(1 simulator step + 1 render each).",
        ]
    lines += ["", f"![throughput](throughput-{name}.png)", ""]
    readme = HERE / "README.md"
    header = "# Imagined vs real transitions per second\n\n"
    sections = readme.read_text().split("## ")[1:] if readme.exists() else []
    kept = ["## " + section for section in sections if not section.startswith(name.upper())]
    readme.write_text(header + "".join(kept) + "\n".join(lines))


def sampler_label(label: str, results: dict) -> str:
    """``"distilled, 1 step (default)"``, ``"teacher, 3 steps (teacher's setting)"``, ... for a table row."""
    if label == "distilled":
        shown = "distilled, 1 step"
    else:
        steps = int(label.removeprefix("teacher-"))
        shown = f"teacher, {steps} step{'s' if steps > 1 else ''}"
        if steps == results["teacher_steps"]:
            shown += " (teacher's setting)"
    if label == results["default_sampler"] or (results["default_sampler"] == "teacher" and label == f"teacher-{results['teacher_steps']}"):
        shown += " (default)"
    return shown


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 4))
    for label, row in results["dream_transitions_per_s"].items():
        axis.plot([int(n) for n in row], list(row.values()), marker="o", label=f"dream, {label}")
    for key, style in (("fast_rendering_decisions_per_s", "--"), ("metaworld_default_rendering_steps_per_s", ":")):
        if "real" in results:
            axis.axhline(results["real"][key], linestyle=style, color="black", label=f"real: {key.replace('_', ' ')}")
    axis.set_xscale("log", base=2)
    axis.set_yscale("log")
    axis.set_xlabel("num_envs (worlds per batched model call)")
    axis.set_ylabel("transitions / s")
    axis.set_title(f"{results['machine']['device']}: imagined vs real")
    axis.legend(fontsize=7)
    axis.grid(alpha=0.3, which="both")
    figure.tight_layout()
    figure.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
