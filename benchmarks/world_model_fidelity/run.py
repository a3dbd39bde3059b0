"""World-model fidelity on held-out real coffee-pull trajectories: PSNR and SSIM vs horizon.

Held-out trajectories (evaluation seeds, never used in training; expert, noisy-expert and random
actions) of 53 decisions are recorded first. Each model gets the real first 4 frames and the real
action sequence and imagines the next 50 frames autoregressively (3 Euler steps, seed 0); the
copy-last-frame baseline repeats the 4th frame. Writes results.json (raw, per trajectory),
README.md (table), psnr_vs_horizon.png and side_by_side.mp4 (real | each model).

    python benchmarks/world_model_fidelity/run.py \\
        --model two_hot=envs/coffee-pull/world_model --model linear=runs/ablation-linear-seed0/world_model
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

import numpy as np
import torch

from dreamgym.bundle import load_world_model
from dreamgym.data.collect import CollectConfig, collect
from dreamgym.data.episode import episode_paths, load_episode
from dreamgym.media import write_video
from dreamgym.world_model.evaluation import autoregressive_rollout, psnr, ssim
from dreamgym.world_model.sampler import SamplerConfig

HERE = Path(__file__).parent
HORIZONS = (1, 10, 50)
CONTEXT = 4


def held_out_trajectories(folder: Path, per_source: int, steps: int) -> list:
    config = CollectConfig(
        "coffee-pull", folder, num_expert=per_source, num_noisy_expert=per_source, num_random=per_source,
        episode_steps=steps, split="eval", workers=2,
    )
    collect(config)
    return [load_episode(p, with_states=False) for p in episode_paths(folder / "coffee-pull")]


def imagine(model_dir: str, episodes: list, horizon: int, seed: int, sampler: SamplerConfig) -> np.ndarray:
    denoiser = load_world_model(model_dir)
    starts = torch.from_numpy(np.stack([ep.frames[:CONTEXT] for ep in episodes]))
    actions = torch.from_numpy(np.stack([ep.actions[: CONTEXT - 1 + horizon] for ep in episodes]))
    out = autoregressive_rollout(denoiser, starts, actions, sampler, torch.Generator().manual_seed(seed))
    return out.numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", default=[],
                        help="LABEL=WORLD_MODEL_DIR or LABEL=WORLD_MODEL_DIR@STEPS (Euler steps of that model; repeatable)")
    parser.add_argument("--action-guidance", action="append", default=[], metavar="LABEL=W",
                        help="sample model LABEL with action guidance W (SamplerConfig.action_guidance; repeatable)")
    parser.add_argument("--data", type=Path, default=Path("data-heldout"), help="where held-out episodes go")
    parser.add_argument("--per-source", type=int, default=10)
    parser.add_argument("--horizon", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--denoising-steps", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--note", default="", help="context written under the table (e.g. how the models were trained)")
    parser.add_argument("--summarize-only", action="store_true", help="rebuild README.md from OUT/results.json")
    args = parser.parse_args()
    if args.summarize_only:
        results = json.loads((args.out / "results.json").read_text())
        results["note"] = args.note or results.get("note", "")
        (args.out / "results.json").write_text(json.dumps(results))
        write_summary(results, args.out, args.horizon)
        print((args.out / "README.md").read_text())
        return

    episodes = held_out_trajectories(args.data, args.per_source, args.horizon + CONTEXT - 1)
    real = np.stack([ep.frames[CONTEXT : CONTEXT + args.horizon] for ep in episodes])  # (N, H, 3, h, w)
    predictions = {"copy_last_frame": np.repeat(np.stack([ep.frames[CONTEXT - 1] for ep in episodes])[:, None], args.horizon, 1)}
    sampler = SamplerConfig(num_steps=args.denoising_steps)
    guidance = {}
    for spec in args.action_guidance:
        label, _, weight = spec.partition("=")
        try:
            guidance[label] = SamplerConfig(action_guidance=float(weight)).action_guidance
        except ValueError as error:
            raise SystemExit(f"--action-guidance must be LABEL=W with W from 0 to 10, got {spec!r} ({error})") from None
    unknown = set(guidance) - {spec.partition("=")[0] for spec in args.model}
    if unknown:
        raise SystemExit(f"--action-guidance names models that no --model gives: {sorted(unknown)}")
    steps_per_model = {}
    for spec in args.model:
        label, _, model_dir = spec.partition("=")
        model_dir, _, steps = model_dir.partition("@")
        if not model_dir or (steps and not steps.isdigit()):
            raise SystemExit(f"--model must be LABEL=DIR or LABEL=DIR@STEPS, got {spec!r}")
        model_sampler = SamplerConfig(num_steps=int(steps) if steps else sampler.num_steps, action_guidance=guidance.get(label, 1.0))
        steps_per_model[label] = model_sampler.num_steps
        predictions[label] = imagine(model_dir, episodes, args.horizon, args.seed, model_sampler)

    results = {
        "command": "python benchmarks/world_model_fidelity/run.py " + " ".join(f"--model {m}" for m in args.model)
        + "".join(f" --action-guidance {g}" for g in args.action_guidance),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "gpu": torch.cuda.is_available()},
        "sampler": sampler.to_dict(),
        "denoising_steps_per_model": steps_per_model,
        "action_guidance_per_model": guidance,
        "sampling_seed": args.seed,
        "models": {spec.partition("=")[0]: spec.partition("=")[2] for spec in args.model},
        "note": args.note,
        "trajectories": [],
    }
    for i, ep in enumerate(episodes):
        row = {"source": ep.meta["source"], "seed": ep.meta["seed"], "psnr": {}, "ssim": {}}
        for label, frames in predictions.items():
            pred, ref = torch.from_numpy(frames[i]), torch.from_numpy(real[i])
            row["psnr"][label] = [round(v, 3) for v in psnr(pred, ref).tolist()]
            row["ssim"][label] = [round(v, 4) for v in ssim(pred, ref).tolist()]
        results["trajectories"].append(row)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results))
    write_summary(results, args.out, args.horizon)
    pick = [next(i for i, ep in enumerate(episodes) if ep.meta["source"] == s) for s in ("expert", "noisy_expert", "random")]
    clips = [np.concatenate([real[i]] + [predictions[label][i] for label in predictions if label != "copy_last_frame"], axis=3) for i in pick]
    write_video(args.out / "side_by_side.mp4", np.concatenate(clips, axis=0), fps=8, scale=3)
    print((args.out / "README.md").read_text())


def _steps_text(results: dict) -> str:
    """How many Euler steps each model took, e.g. ``"3 Euler steps"`` or ``"Euler steps: a 3, b 1"``."""
    per_model = results.get("denoising_steps_per_model") or {}
    if len(set(per_model.values())) <= 1:
        return f"{next(iter(per_model.values()), results['sampler']['num_steps'])} Euler steps"
    return "Euler steps: " + ", ".join(f"`{label}` {steps}" for label, steps in per_model.items())


def write_summary(results: dict, out: Path, horizon: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(results["trajectories"][0]["psnr"])
    sources = ["all", "expert", "noisy_expert", "random"]
    lines = [
        "# World-model fidelity: coffee-pull, held-out real trajectories",
        "",
        f"Produced by `{results['command']}` on {results['machine']['cpus']} CPU cores "
        f"(GPU: {results['machine']['gpu']}). {len(results['trajectories'])} held-out trajectories "
        "(evaluation seeds; 1/3 expert, 1/3 noisy expert, 1/3 random actions). Each model sees the real "
        f"first 4 frames and real actions and imagines {horizon} frames autoregressively "
        f"({_steps_text(results)}, sampling seed {results['sampling_seed']}). "
        "Mean ± std over trajectories; higher is better.",
        "",
        "Models: " + ", ".join(f"`{k}` = {v}" for k, v in results["models"].items()) + "; `copy_last_frame` repeats the last real frame.",
        "",
        "| trajectories | model | " + " | ".join(f"PSNR@{h}" for h in HORIZONS) + " | " + " | ".join(f"SSIM@{h}" for h in HORIZONS) + " |",
        "|---|---|" + "---|" * (2 * len(HORIZONS)),
    ]
    for source in sources:
        rows = [t for t in results["trajectories"] if source == "all" or t["source"] == source]
        for label in labels:
            cells = []
            for metric in ("psnr", "ssim"):
                for h in HORIZONS:
                    values = np.array([t[metric][label][h - 1] for t in rows])
                    fmt = "{:.2f} ± {:.2f}" if metric == "psnr" else "{:.3f} ± {:.3f}"
                    cells.append(fmt.format(values.mean(), values.std()))
            lines.append(f"| {source} ({len(rows)}) | {label} | " + " | ".join(cells) + " |")
    if results.get("note"):
        lines += ["", results["note"]]
    lines += ["", "![PSNR vs horizon](psnr_vs_horizon.png)", "", "Video: [side_by_side.mp4](side_by_side.mp4) "
              "(expert, noisy expert, random trajectory in turn; left to right: real, " + ", ".join(l for l in labels if l != "copy_last_frame") + ").", ""]
    (out / "README.md").write_text("\n".join(lines))

    figure, axis = plt.subplots(figsize=(6, 4))
    for label in labels:
        curve = np.mean([t["psnr"][label] for t in results["trajectories"]], axis=0)
        axis.plot(np.arange(1, len(curve) + 1), curve, label=label)
    axis.set_xlabel("horizon (imagined steps)")
    axis.set_ylabel("PSNR (dB), mean over trajectories")
    axis.set_title("coffee-pull: imagined vs real")
    axis.legend()
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(out / "psnr_vs_horizon.png", dpi=120)


if __name__ == "__main__":
    main()
