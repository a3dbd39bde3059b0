"""Policy benchmark: which refinement in the learned simulator improves BC in real Meta-World?

    python benchmarks/policy/run.py --runs runs/policy-bench

Three BC policies (``--bc``, one per training seed, trained independently by ``dreamgym train-bc
--seed s``) are refined in the dream with the variants in ``VARIANTS`` (each a set of
``dreamgym refine`` settings): the paper's recipe in an exploring regime with and without std
clipping, each exploitation guard alone, and all guards combined. ``--full-variants`` run on every
seed, the others on ``--single-seed`` only (CPU budget). For each run it measures:

* learning curve: every checkpoint in real Meta-World on *tuning* layouts (``--curve-episodes``),
  the dream success of the training rollouts and the policy's KL to BC on imagined states;
* offline selection criterion (``--criterion-variants``): every checkpoint's success in the dream
  with pessimistic success (deterministic actions, ``--criterion-episodes``), needing no real step;
* final: BC and refined policy in real Meta-World on held-out *evaluation* layouts (evaluation seed s
  for training seed s, ``--episodes``, the same layouts for every policy of that seed) and in the dream.

No real step is used by refinement or by the criterion; the real curves are monitoring only. Each
finished step is cached in the runs folder (an interrupted benchmark resumes) and the results are
rewritten after every step: ``results.json``, ``RESULTS.md``, ``learning_curves.png`` next to this file.
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
from dreamgym.runs import hardware_description

HERE = Path(__file__).parent
PESSIMISM = {"rerolls": 2, "horizon": 8}
ANCHOR = 1.0
SHORT = {"reset_mode": "random", "max_episode_steps": 20}
UNGUARDED = {"iterations": None, "num_envs": 16, "batch_size": 128, "ent_coef": 0.0, "initial_log_std": None, "log_std_learning_rate": None, "log_std_max": 0.0,
             "anchor_kl_coef": 0.0,
             "success_confirmation": None, "reset_mode": "episode_start", "max_episode_steps": None}
"""The settings every variant starts from: PPO with std clipping and no guard (``dreamgym refine``'s
defaults before the guards; listed here so the variants stay fixed when those defaults change)."""
VARIANTS: dict[str, tuple[str, dict]] = {
    "combined": ("all three guards: anchor + pessimism + short horizons", {
        "anchor_kl_coef": ANCHOR, "success_confirmation": PESSIMISM, **SHORT}),
    "anchor": (f"behaviour anchor: {ANCHOR} x KL(pi_BC || pi) on imagined states", {"anchor_kl_coef": ANCHOR}),
    "pessimism": ("pessimistic success: 2 re-imaginings of the last 8 transitions must agree",
                  {"success_confirmation": PESSIMISM}),
    "short_horizon": ("20-step imagined episodes from real mid-episode contexts, critic bootstrap", dict(SHORT)),
    "paper": ("paper recipe, exploring: entropy 0.01, log-std lr 0.01, std clip (log-std <= 0)",
              {"ent_coef": 0.01, "log_std_learning_rate": 0.01}),
    "paper_no_clip": ("the same without std clipping", {"ent_coef": 0.01, "log_std_learning_rate": 0.01,
                                                        "log_std_max": None}),
    "paper_std1": ("paper recipe started at std 1 (log-std 0, the clip), entropy 0.01, log-std lr 0.01, std clip",
                   {"initial_log_std": 0.0, "ent_coef": 0.01, "log_std_learning_rate": 0.01}),
    "paper_std1_no_clip": ("the same without std clipping", {"initial_log_std": 0.0, "ent_coef": 0.01,
                                                             "log_std_learning_rate": 0.01, "log_std_max": None}),
}
"""name -> (description, RefineConfig settings on top of :data:`UNGUARDED`)."""


def cached(path: Path, compute):
    """JSON result at ``path``, computed (and written) only if missing."""
    if path.exists():
        return json.loads(path.read_text())
    result = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2))
    return result


def real_success(model_path: Path, task: str, seed: int, episodes: int, seed_base: int | None = None) -> dict:
    kwargs = {} if seed_base is None else {"seed_base": seed_base}
    report = evaluate_real(load_policy(model_path), task, [seed], episodes, progress=False, **kwargs)
    return {"success_rate": report["per_seed"][0]["success_rate"], "episodes": episodes}


def dream_success(model_path: Path, task: str, seed: int, episodes: int, confirmation: dict | None = None) -> dict:
    report = evaluate_dream(load_policy(model_path), task, [seed], episodes, progress=False, success_confirmation=confirmation)
    return {"success_rate": report["per_seed"][0]["success_rate"], "episodes": episodes, "confirmation": confirmation}


def learning_curve(run_dir: Path, bc_dir: Path, args, with_criterion: bool) -> list[dict]:
    """Per checkpoint: real success on tuning layouts (monitoring), dream numbers, KL to BC, criterion."""
    history = {h["iteration"]: h for h in json.loads((run_dir / "history.json").read_text())}
    points = []
    for checkpoint in sorted((run_dir / "checkpoints").glob("iter_*.zip")):
        iteration = int(checkpoint.stem.split("_")[1])
        # iteration 0 is the BC policy itself: measured once per BC seed and shared by all variants
        folder = bc_dir if iteration == 0 else run_dir / "curve"
        real = cached(folder / f"real_tuning_{iteration:04d}.json",
                      lambda checkpoint=checkpoint: real_success(checkpoint, args.task, 0, args.curve_episodes, TUNING_SEED_BASE))
        point = {
            "iteration": iteration,
            "real_success_tuning_layouts": real["success_rate"],
            "dream_success_training_rollouts": history[iteration]["dream_success_rate"] if iteration in history else None,
            "kl_to_bc": history[iteration].get("kl_to_bc_last_update") if iteration in history else 0.0,
            "log_std_max": max(history[iteration]["log_std"]) if iteration in history else None,
        }
        if with_criterion:
            criterion = cached(folder / f"criterion_{iteration:04d}.json", lambda checkpoint=checkpoint: dream_success(
                checkpoint, args.task, 7, args.criterion_episodes, PESSIMISM))
            point["criterion_pessimistic_dream_success"] = criterion["success_rate"]
        points.append(point)
    return points


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [("real_success_tuning_layouts", "real Meta-World, tuning layouts (monitoring only)"),
              ("dream_success_training_rollouts", "dream, training rollouts (sampled actions)"),
              ("criterion_pessimistic_dream_success", "offline criterion: pessimistic dream success"),
              ("kl_to_bc", "KL(pi_BC || pi) on imagined states")]
    fig, axes = plt.subplots(1, 4, figsize=(20, 4.2))
    colors = dict(zip(VARIANTS, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    for variant, runs in results["runs"].items():
        curves = [run["curve"] for run in runs.values()]
        for ax, (key, title) in zip(axes, panels):
            if not all(key in p for c in curves for p in c):
                continue
            xs = [p["iteration"] for p in curves[0]]
            ys = np.array([[p[key] if p[key] is not None else np.nan for p in c] for c in curves], dtype=float)
            mean = np.nanmean(ys, 0)
            ax.plot(xs, mean, color=colors[variant], marker="o", label=f"{variant} ({len(curves)} seed{'s' * (len(curves) > 1)})")
            if len(curves) > 1:
                ax.fill_between(xs, np.nanmin(ys, 0), np.nanmax(ys, 0), color=colors[variant], alpha=0.15)
            ax.set_title(title, fontsize=10)
            ax.set_xlabel("PPO iteration")
    for ax in axes[:3]:
        ax.set_ylim(-0.02, 1.02)
    axes[3].set_yscale("symlog", linthresh=1e-3)  # anchored runs stay near 0.001, unguarded ones reach 0.1-3
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"{results['task']}: PPO in the learned simulator ({results['iterations']} iterations x "
                 f"{results['transitions_per_iteration']} imagined transitions); band = min..max over seeds")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_results_md(results: dict, path: Path) -> None:
    lines = [
        "# Policy benchmark: BC vs PPO refined in the learned simulator (generated by `run.py`)",
        "",
        f"Task {results['task']}; BC policies {results['bc']} (training seeds {results['seeds']}); "
        f"{results['iterations']} PPO iterations of {results['transitions_per_iteration']} imagined transitions per run. "
        f"Hardware: {results['hardware']}.",
        f"Real: {results['episodes']} episodes per policy on held-out evaluation layouts (evaluation seed s for training "
        f"seed s), deterministic actions. Dream: {results['dream_episodes']} imagined episodes per policy.",
        "",
        "| policy | what | seeds | real success per seed | real mean +- std | gain over BC (points, same seeds) "
        "| dream success per seed |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, final in results["final"].items():
        real, dream = final["real"], final["dream"]
        lines.append(
            f"| {name} | {final['what']} | {final['seeds']} | {', '.join(f'{r:.2f}' for r in real['per_seed'])} | "
            f"{real['mean']:.3f} +- {real['std']:.3f} | {final.get('gain_over_bc_points', '')} | "
            f"{', '.join(f'{r:.2f}' for r in dream['per_seed'])} |"
        )
    lines += ["", "![learning curves](learning_curves.png)", ""]
    path.write_text("\n".join(lines) + "\n")


def simulator_description(task: str) -> dict:
    """Which shipped learned simulator the dream runs: its folder, default sampler and component checksums."""
    from dreamgym.bundle import find_bundle, read_manifest

    folder = find_bundle(task)
    manifest = read_manifest(folder)
    return {"bundle": str(folder), "default_sampler": manifest.default_sampler, "files_sha256": manifest.files,
            "notes": manifest.provenance.get("notes", "")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bc", type=Path, nargs="+", default=[Path("runs/bc-coffee-pull/bc.zip"),
                        Path("runs/bc-coffee-pull-seed1/bc.zip"), Path("runs/bc-coffee-pull-seed2/bc.zip")],
                        help="one BC policy per seed, in seed order")
    parser.add_argument("--task", default="coffee-pull")
    parser.add_argument("--runs", type=Path, default=Path("runs/policy-bench"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--full-variants", nargs="+", default=["combined"], help="variants run on every seed")
    parser.add_argument("--single-seed", type=int, default=1,
                        help="the seed the other variants run on (default 1: a weaker BC, with room to gain or lose)")
    parser.add_argument("--criterion-variants", nargs="+", default=["combined"])
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--episodes", type=int, default=50, help="real evaluation episodes per policy")
    parser.add_argument("--dream-episodes", type=int, default=32)
    parser.add_argument("--curve-episodes", type=int, default=20, help="real episodes per checkpoint (tuning layouts)")
    parser.add_argument("--criterion-episodes", type=int, default=32)
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args()
    if len(args.bc) != len(args.seeds):
        parser.error(f"--bc needs one policy per seed: {len(args.seeds)} seeds, {len(args.bc)} policies.")

    results = {"task": args.task, "bc": [str(b) for b in args.bc], "seeds": args.seeds, "iterations": args.iterations,
               "episodes": args.episodes, "dream_episodes": args.dream_episodes,
               "hardware": hardware_description(__import__("torch").device("cpu")),
               "variants": {v: {"what": VARIANTS[v][0], "settings": VARIANTS[v][1]} for v in args.variants},
               "runs": {}, "final": {}}
    results["transitions_per_iteration"] = RefineConfig(bc_model=args.bc[0], out_dir=args.runs).transitions_per_iteration
    results["simulator"] = simulator_description(args.task)
    start = time.time()

    def final_for(name: str, what: str, models: dict[int, Path]) -> None:
        real, dream = [], []
        for seed, model in models.items():
            folder = args.runs / "final" / f"{name}-seed{seed}"
            real.append(cached(folder / "real.json", lambda model=model, seed=seed: real_success(model, args.task, seed, args.episodes))["success_rate"])
            dream.append(cached(folder / "dream.json", lambda model=model, seed=seed: dream_success(model, args.task, seed, args.dream_episodes))["success_rate"])
        entry = {"what": what, "seeds": list(models), "real": {**summarize(real), "per_seed": real},
                 "dream": {**summarize(dream), "per_seed": dream}}
        if name != "bc":
            bc = dict(zip(results["final"]["bc"]["seeds"], results["final"]["bc"]["real"]["per_seed"]))
            entry["gain_over_bc_points"] = round(100 * float(np.mean([r - bc[s] for s, r in zip(models, real)])), 1)
            entry["gain_per_seed_points"] = [round(100 * (r - bc[s]), 1) for s, r in zip(models, real)]
        results["final"][name] = entry
        print(name, json.dumps(entry), flush=True)

    def write() -> None:
        results["benchmark_seconds_this_invocation"] = round(time.time() - start, 1)
        args.out.write_text(json.dumps(results, indent=2))
        write_results_md(results, args.out.with_name("RESULTS.md"))
        if results["runs"]:
            plot(results, args.out.with_name("learning_curves.png"))

    final_for("bc", "behaviour cloning on 50 expert demos (start of every refinement)", dict(zip(args.seeds, args.bc)))
    write()
    for variant in args.variants:
        what, settings = VARIANTS[variant]
        seeds = args.seeds if variant in args.full_variants else [args.single_seed]
        results["runs"][variant] = {}
        for seed in seeds:
            bc = args.bc[args.seeds.index(seed)]
            run_dir = args.runs / f"{variant}-seed{seed}"
            config = RefineConfig(bc_model=bc, out_dir=run_dir, task=args.task, seed=seed,
                                  **{**UNGUARDED, **settings, "iterations": args.iterations})
            summary = cached(run_dir / "summary.json", lambda config=config: refine(config))
            curve = cached(run_dir / "curve.json", lambda run_dir=run_dir, seed=seed, variant=variant: learning_curve(
                run_dir, args.runs / f"bc-seed{seed}", args, variant in args.criterion_variants))
            results["runs"][variant][str(seed)] = {"seconds": summary["seconds"], "curve": curve}
            print(f"{variant} seed {seed}: {summary['seconds']} s, real curve "
                  f"{[round(p['real_success_tuning_layouts'], 2) for p in curve]}", flush=True)
            write()
        final_for(variant, what, {seed: args.runs / f"{variant}-seed{seed}" / "refined.zip" for seed in seeds})
        write()


if __name__ == "__main__":
    main()
