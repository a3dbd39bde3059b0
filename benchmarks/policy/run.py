"""Policy benchmark: does PPO inside the learned simulator improve the BC policy in real Meta-World?

    python benchmarks/policy/run.py --bc envs/coffee-pull/policies/bc.zip --runs runs/policy-bench

For each seed (default 0, 1, 2), refines the BC policy in the dream twice, with std clipping
(log-std <= 0, the paper's) and without, then measures:

* learning curves: every checkpoint of every run in real Meta-World on *tuning* layouts
  (``--curve-episodes`` per checkpoint) and the dream success of the training rollouts;
* final success of BC, refined and refined-without-clipping in real Meta-World on held-out
  *evaluation* layouts (evaluation seed s for training seed s, ``--episodes`` each, the same layouts
  for all three policies) and in the dream (``--dream-episodes`` each).

Each finished step is cached in the runs folder, so an interrupted benchmark resumes. Writes
``results.json`` and ``learning_curves.png`` next to this file.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from dreamgym.data.collect import TUNING_SEED_BASE
from dreamgym.policy.evaluate import evaluate_dream, evaluate_real, summarize
from dreamgym.policy.model import load_policy
from dreamgym.policy.refine import RefineConfig, refine
from dreamgym.world_model.train import hardware_description

HERE = Path(__file__).parent
VARIANTS = {"refined": 0.0, "refined_no_clip": None}  # name -> log_std_max


def cached(path: Path, compute):
    """JSON result at ``path``, computed (and written) only if missing."""
    if path.exists():
        return json.loads(path.read_text())
    result = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2))
    return result


def strip_episodes(report: dict) -> dict:
    """Per-seed success rates without the per-episode lists (those stay in the runs folder)."""
    return {**{k: v for k, v in report.items() if k != "per_seed"},
            "per_seed": [{"seed": s["seed"], "success_rate": s["success_rate"]} for s in report["per_seed"]]}


def learning_curve(run_dir: Path, task: str, episodes: int) -> list[dict]:
    history = {h["iteration"]: h for h in json.loads((run_dir / "history.json").read_text())}
    points = []
    for checkpoint in sorted((run_dir / "checkpoints").glob("iter_*.zip")):
        iteration = int(checkpoint.stem.split("_")[1])
        real = evaluate_real(load_policy(checkpoint), task, seeds=[0], episodes=episodes, seed_base=TUNING_SEED_BASE,
                             progress=False)
        points.append({
            "iteration": iteration,
            "real_success_tuning_layouts": real["mean"],
            "dream_success_training_rollouts": history[iteration]["dream_success_rate"] if iteration in history else None,
            "log_std_max": max(history[iteration]["log_std"]) if iteration in history else None,
        })
    return points


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    colors = {"refined": "tab:blue", "refined_no_clip": "tab:orange"}
    for variant, color in colors.items():
        curves = [results["runs"][variant][str(s)]["curve"] for s in results["seeds"]]
        for ax, key, title in ((axes[0], "real_success_tuning_layouts", "real Meta-World (tuning layouts, deterministic)"),
                               (axes[1], "dream_success_training_rollouts", "dream (training rollouts, sampled actions)")):
            xs = [p["iteration"] for p in curves[0]]
            ys = np.array([[p[key] if p[key] is not None else np.nan for p in c] for c in curves], dtype=float)
            mean, std = np.nanmean(ys, 0), np.nanstd(ys, 0)
            ax.plot(xs, mean, color=color, marker="o", label=f"{variant} (mean of {len(curves)} seeds)")
            ax.fill_between(xs, mean - std, mean + std, color=color, alpha=0.2)
            ax.set_title(title)
            ax.set_xlabel("PPO iteration")
    bc_real = results["final"]["bc"]["real"]["mean"]
    axes[0].axhline(bc_real, color="gray", ls="--", label=f"BC, evaluation layouts ({bc_real:.2f})")
    axes[0].set_ylabel("success rate")
    axes[0].set_ylim(-0.02, 1.02)
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    fig.suptitle(f"{results['task']}: PPO in the learned simulator, {results['iterations']} iterations x "
                 f"{results['transitions_per_iteration']} imagined transitions")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write_readme(results: dict, path: Path) -> None:
    """A table of the final numbers (read from ``results``) plus how they were produced."""
    names = {"bc": "BC (start)", "refined": "refined, std clipping (log-std <= 0)", "refined_no_clip": "refined, no std clipping"}
    lines = [
        "# Policy benchmark: BC vs PPO refined in the learned simulator",
        "",
        f"Task {results['task']}; BC policy `{results['bc']}`; seeds {results['seeds']}; "
        f"{results['iterations']} PPO iterations of {results['transitions_per_iteration']} imagined transitions per run.",
        f"Hardware: {results['hardware']}. Produced by `python benchmarks/policy/run.py` (see its docstring); raw numbers "
        "in `results.json`, per-episode results in the runs folder.",
        "",
        "| policy | real success, mean +- std over seeds | real per seed | dream success, mean +- std | dream per seed |",
        "|---|---|---|---|---|",
    ]
    for name, label in names.items():
        real, dream = results["final"][name]["real"], results["final"][name]["dream"]
        lines.append(
            f"| {label} | {real['mean']:.3f} +- {real['std']:.3f} | {', '.join(f'{r:.2f}' for r in real['per_seed'])} | "
            f"{dream['mean']:.3f} +- {dream['std']:.3f} | {', '.join(f'{r:.2f}' for r in dream['per_seed'])} |"
        )
    first = results["final"]["bc"]["real"]
    lines += [
        "",
        f"Real: {first['episodes_per_seed']} episodes per seed and policy on held-out evaluation layouts (evaluation seed s "
        "for training seed s; the same layouts for all three policies), deterministic (mean) actions. Dream: "
        f"{results['final']['bc']['dream']['episodes_per_seed']} imagined episodes per seed from real starting contexts. "
        "Std is the sample standard deviation over seeds. BC is one policy (trained once, seed 0), so its spread is "
        "that of the evaluation layouts only.",
        "",
        f"Gain over BC in real success (points): {results['gain_over_bc_points']}. Target (paper, coffee-pull): +21.",
        "",
        "![learning curves](learning_curves.png)",
        "",
        "Learning curves: each checkpoint in real Meta-World on tuning layouts (not the evaluation ones), "
        "and the dream success rate of the training rollouts (sampled actions).",
    ]
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bc", type=Path, default=Path("envs/coffee-pull/policies/bc.zip"))
    parser.add_argument("--task", default="coffee-pull")
    parser.add_argument("--runs", type=Path, default=Path("runs/policy-bench"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--episodes", type=int, default=50, help="real evaluation episodes per seed and policy")
    parser.add_argument("--dream-episodes", type=int, default=32)
    parser.add_argument("--curve-episodes", type=int, default=20, help="real episodes per checkpoint (tuning layouts)")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args()

    results = {"task": args.task, "bc": str(args.bc), "seeds": args.seeds, "iterations": args.iterations,
               "hardware": hardware_description(__import__("torch").device("cpu")), "runs": {}, "final": {}}
    start = time.time()
    for variant, log_std_max in VARIANTS.items():
        results["runs"][variant] = {}
        for seed in args.seeds:
            run_dir = args.runs / f"{variant}-seed{seed}"
            config = RefineConfig(bc_model=args.bc, out_dir=run_dir, task=args.task, iterations=args.iterations,
                                  log_std_max=log_std_max, seed=seed)
            results["transitions_per_iteration"] = config.transitions_per_iteration
            summary = cached(run_dir / "summary.json", lambda config=config: refine(config))
            curve = cached(run_dir / "curve.json", lambda run_dir=run_dir: learning_curve(run_dir, args.task, args.curve_episodes))
            results["runs"][variant][str(seed)] = {"summary": summary, "curve": curve}
            print(f"{variant} seed {seed}: {summary['seconds']} s, real curve "
                  f"{[round(p['real_success_tuning_layouts'], 2) for p in curve]}", flush=True)

    policies = {"bc": lambda seed: args.bc, **{v: (lambda seed, v=v: args.runs / f"{v}-seed{seed}" / "refined.zip") for v in VARIANTS}}
    for name, path_of in policies.items():
        real_seeds, dream_seeds = [], []
        for seed in args.seeds:
            model = load_policy(path_of(seed))
            folder = args.runs / "final" / f"{name}-seed{seed}"
            real = cached(folder / "real.json", lambda model=model, seed=seed, name=name: evaluate_real(
                model, args.task, [seed], args.episodes, desc=f"{name} real"))
            dream = cached(folder / "dream.json", lambda model=model, seed=seed: evaluate_dream(
                model, args.task, [seed], args.dream_episodes))
            real_seeds.append(real["per_seed"][0]["success_rate"])
            dream_seeds.append(dream["per_seed"][0]["success_rate"])
        results["final"][name] = {
            "real": {**summarize(real_seeds), "per_seed": real_seeds, "episodes_per_seed": args.episodes,
                     "layouts": "evaluation seeds (held out)"},
            "dream": {**summarize(dream_seeds), "per_seed": dream_seeds, "episodes_per_seed": args.dream_episodes},
        }
        print(name, json.dumps(results["final"][name]), flush=True)
    bc_mean = results["final"]["bc"]["real"]["mean"]
    results["gain_over_bc_points"] = {v: round(100 * (results["final"][v]["real"]["mean"] - bc_mean), 1) for v in VARIANTS}
    results["benchmark_seconds_this_invocation"] = round(time.time() - start, 1)
    args.out.write_text(json.dumps(results, indent=2))
    plot(results, args.out.with_name("learning_curves.png"))
    write_readme(results, args.out.with_name("RESULTS.md"))
    print(json.dumps(results["gain_over_bc_points"]))


if __name__ == "__main__":
    main()
