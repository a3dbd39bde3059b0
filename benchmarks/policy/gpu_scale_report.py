"""Report of refinement at GPU scale (recipes/coffee_pull_refine_gpu.sh): real success of each BC seed and
of its refined policies on the same held-out layouts, paired per layout, and the dream's learning curves.

    python benchmarks/policy/gpu_scale_report.py benchmarks/policy/gpu-scale

Reads ``bc-seed<s>.json`` and ``<config>-seed<s>.json`` (``dreamgym evaluate --real-only --seeds 0 1 2
--episodes 50``) and ``history-<config>-seed<s>.json`` (the runs' ``history.json``), for the GPU runs
and, where present, the CPU runs of recipes/coffee_pull_refine_cheap_cpu.sh (``cpu-`` files); writes
``RESULTS.md`` (table with gained / lost layouts and a two-sided sign test; then the runs of
recipes/coffee_pull_grasp_confirmation_cpu.sh, ``cpu-confirm-*`` files) and ``gpu-scale.png``.
"""

from __future__ import annotations

import argparse
import json
import re
from math import comb
from pathlib import Path

CONFIGS = {
    "defaults": ("defaults", "history-defaults"),
    "anchor0.1": ("anchor0.1", "history-anchor0.1"),
    "anchor0.1, 64 worlds, CPU": ("cpu-anchor0.1-envs64-it24", "cpu-history-anchor0.1-envs64-it24"),
    "anchor0.1, 64 worlds, CPU, checkpoints 12/18/24 averaged": ("cpu-averaged-12-18-24-anchor0.1-envs64-it24",
                                                                 "cpu-history-anchor0.1-envs64-it24"),
    "anchor0.1, 64 worlds, CPU, gpu-large dream": ("../gpu-large-dream/anchor0.1-envs64-it24",
                                                   "../gpu-large-dream/history-anchor0.1-envs64-it24"),
    "anchor0.1, 64 worlds, CPU, gpu-large judge": ("cpu-judge-anchor0.1-envs64-it24", "cpu-history-judge-anchor0.1-envs64-it24"),
    "anchor0.1, 64 worlds, CPU, mixture of both dreams": ("cpu-mixture-final-anchor0.1-envs64-it24",
                                                          "cpu-history-mixture-anchor0.1-envs64-it24"),
    "anchor0.1, 64 worlds, CPU, mixture of both dreams, checkpoints 12/18/24 averaged": (
        "cpu-mixture-refined-anchor0.1-envs64-it24", "cpu-history-mixture-anchor0.1-envs64-it24"),
    "anchor0.1, 64 worlds, CPU, demonstration term 0.5": ("cpu-demo0.5-final-anchor0.1-envs64-it24",
                                                          "cpu-history-demo0.5-anchor0.1-envs64-it24"),
    "anchor0.1, 64 worlds, CPU, demonstration term 0.5, checkpoints 12/18/24 averaged": (
        "cpu-demo0.5-refined-anchor0.1-envs64-it24", "cpu-history-demo0.5-anchor0.1-envs64-it24"),
    "control: BC continued on the demonstrations alone (no PPO, no dream), 352 steps": ("cpu-continued-bc0.5-final", None),
    "control: BC continued on the demonstrations alone, steps 160/256/352 averaged": ("cpu-continued-bc0.5-averaged", None),
    "null control: anchor0.1, 64 worlds, CPU, rewards shuffled among worlds": (
        "cpu-null-final-anchor0.1-envs64-it24", "cpu-history-null-anchor0.1-envs64-it24"),
    "null control: same, checkpoints 12/18/24 averaged": ("cpu-null-refined-anchor0.1-envs64-it24",
                                                          "cpu-history-null-anchor0.1-envs64-it24"),
    "BC with weight averaging (train-bc --average-from 2000; not refined)": ("bc-swa", None),
    "BC, last weights (train-bc --average-from 4000; not refined)": ("bc-last", None),
    "weight-averaged BC refined: anchor0.1, 64 worlds, CPU": ("cpu-swabc-final-anchor0.1-envs64-it24",
                                                             "cpu-history-swabc-anchor0.1-envs64-it24", "bc-swa"),
    "weight-averaged BC refined: same, checkpoints 12/18/24 averaged": (
        "cpu-swabc-refined-anchor0.1-envs64-it24", "cpu-history-swabc-anchor0.1-envs64-it24", "bc-swa"),
    "weight-averaged BC refined, PPO seed 1: last checkpoint": (
        "cpu-swabc-final-anchor0.1-envs64-it24-ppo1", "cpu-history-swabc-anchor0.1-envs64-it24-ppo1", "bc-swa"),
    "weight-averaged BC refined, PPO seed 1: checkpoints 12/18/24 averaged": (
        "cpu-swabc-refined-anchor0.1-envs64-it24-ppo1", "cpu-history-swabc-anchor0.1-envs64-it24-ppo1", "bc-swa"),
    "weight-averaged BC refined with the shipped defaults (256 worlds, batch 1024, 35 iterations), CPU": (
        "cpu-swabc-defaults", "cpu-history-swabc-defaults", "bc-swa"),
    "null control: weight-averaged BC, the shipped defaults with rewards shuffled among the worlds, CPU": (
        "cpu-null-swabc-defaults", "cpu-history-null-swabc-defaults", "bc-swa"),
}
"""Refinement settings: name -> (prefix of its evaluation files, prefix of its history files), relative to
the report's folder. The first two are the GPU recipe's (see its header), the third
recipes/coffee_pull_refine_cheap_cpu.sh, the fourth the same runs with their last three checkpoints averaged
(recipes/coffee_pull_refine_average_cpu.sh), the fifth recipes/coffee_pull_refine_gpu_large_dream_cpu.sh (the
same in the dream of the H100-trained gpu-large world model), the sixth recipes/coffee_pull_refine_judge_cpu.sh
(the shipped dream, each success confirmed by the gpu-large dream), the last two
recipes/coffee_pull_refine_mixture_cpu.sh (32 worlds in each of the two dreams; its last checkpoint, and the
mean of its checkpoints 12/18/24), then recipes/coffee_pull_refine_demo_cpu.sh (DAPG's demonstration term,
``--demo-nll 0.5``; last checkpoint and mean of 12/18/24) and its control without PPO and dream,
recipes/coffee_pull_continued_bc_control_cpu.sh (benchmarks/policy/continued_bc.py; no history), the null control
recipes/coffee_pull_refine_null_cpu.sh (rewards shuffled among the imagined worlds), BC trained with weight
averaging and with its last weights (recipes/coffee_pull_bc_swa_cpu.sh, recipes/coffee_pull_bc_last_cpu.sh;
compared with the BC seeds they replace), and the weight-averaged BC refined
(recipes/coffee_pull_refine_swa_bc_cpu.sh; PPO seed 0, and PPO_SEED=1), and the weight-averaged BC refined with
``dreamgym refine``'s shipped defaults (recipes/coffee_pull_swa_bc_dream_check_cpu.sh) and its null control
(recipes/coffee_pull_swa_bc_null_defaults_cpu.sh). A third element names the baseline's files (default ``bc``): the
policy the setting starts from, compared layout by layout."""
CONTROLS = {
    "BC (best held-out NLL)": None,
    "BC continued 352 steps, 3 snapshots averaged": "control: BC continued on the demonstrations alone, steps 160/256/352 averaged",
    "refined (shipped dream), 3 checkpoints averaged": "anchor0.1, 64 worlds, CPU, checkpoints 12/18/24 averaged",
    "refined, rewards shuffled (null), averaged": "null control: same, checkpoints 12/18/24 averaged",
    "refined + demonstration term, averaged": "anchor0.1, 64 worlds, CPU, demonstration term 0.5, checkpoints 12/18/24 averaged",
    "BC with weight averaging": "BC with weight averaging (train-bc --average-from 2000; not refined)",
    "weight-averaged BC refined, averaged": "weight-averaged BC refined: same, checkpoints 12/18/24 averaged",
}
"""Bars of ``controls.png`` (label -> setting of CONFIGS; ``None``: the BC seeds)."""
GPU_SCALE_BARS = (
    "defaults", "anchor0.1", "anchor0.1, 64 worlds, CPU", "anchor0.1, 64 worlds, CPU, checkpoints 12/18/24 averaged",
    "anchor0.1, 64 worlds, CPU, gpu-large dream", "anchor0.1, 64 worlds, CPU, gpu-large judge",
    "anchor0.1, 64 worlds, CPU, mixture of both dreams",
    "anchor0.1, 64 worlds, CPU, mixture of both dreams, checkpoints 12/18/24 averaged",
)
"""Bars of ``gpu-scale.png``: the refinements of sessions 10-11, each from the BC seeds (``controls.png`` has the
later settings)."""
CURVE = ("cpu-curve-anchor0.1-envs64", "anchor0.1, 64 worlds, CPU")
"""Real learning curve (recipes/coffee_pull_refine_cpu_curve.sh): prefix of the checkpoint evaluations, and
the setting whose run they come from (iteration 0 is BC, the last iteration its refined policy)."""
CURVE_ITERATIONS = (6, 12, 18)
SEEDS = (0, 1, 2)


def real_outcomes(path: Path) -> dict[int, bool]:
    """Success per reset seed (layout) of one ``dreamgym evaluate`` report."""
    report = json.loads(path.read_text())["real"]
    return {episode["reset_seed"]: bool(episode["success"]) for seed in report["per_seed"] for episode in seed["episodes"]}


def first_successes(path: Path) -> dict[int, int | None]:
    """Decision of the first real success per reset seed (``None``: a failure) of one evaluation report."""
    report = json.loads(path.read_text())["real"]
    return {episode["reset_seed"]: episode["first_success_step"] for seed in report["per_seed"] for episode in seed["episodes"]}


def paired_changes(a: dict[int, bool], b: dict[int, bool], where: Path) -> tuple[int, int]:
    """Layouts solved only by ``a`` and only by ``b`` (two :func:`real_outcomes` of the same layouts; ``where`` names
    the report in the error when they are not the same)."""
    if a.keys() != b.keys():
        raise ValueError(f"{where}: the evaluations cover different layouts; expected the same reset seeds.")
    return sum(a[k] and not b[k] for k in a), sum(b[k] and not a[k] for k in a)


def sign_test(gained: int, lost: int) -> float:
    """Two-sided exact sign test of ``gained`` against ``lost`` discordant pairs."""
    n = gained + lost
    if n == 0:
        return 1.0
    tail = sum(comb(n, i) for i in range(min(gained, lost) + 1)) / 2**n
    return min(1.0, 2 * tail)


def paired_rows(folder: Path) -> list[dict]:
    """One row per (config, seed) and one total per config."""
    rows = []
    for config, (results, histories, *baseline) in CONFIGS.items():
        baseline = baseline[0] if baseline else "bc"
        total = {"config": config, "seed": "all", "bc": 0, "refined": 0, "layouts": 0, "gained": 0, "lost": 0}
        for seed in SEEDS:
            if not (folder / f"{results}-seed{seed}.json").exists():
                continue  # a setting not run on every seed: the seeds it has
            bc = real_outcomes(folder / f"{baseline}-seed{seed}.json")
            refined = real_outcomes(folder / f"{results}-seed{seed}.json")
            if bc.keys() != refined.keys():
                raise ValueError(f"{config} seed {seed} was evaluated on other layouts than its BC policy.")
            first_bc, first_refined = (first_successes(folder / f"{name}-seed{seed}.json") for name in (baseline, results))
            shared = [k for k in bc if bc[k] and refined[k]]
            row = {
                "config": config, "seed": seed, "layouts": len(bc), "bc": sum(bc.values()), "refined": sum(refined.values()),
                "gained": sum(refined[k] and not bc[k] for k in bc), "lost": sum(bc[k] and not refined[k] for k in bc),
                "first_success_bc": sum(first_bc[k] for k in shared) / len(shared) if shared else None,
                "first_success_refined": sum(first_refined[k] for k in shared) / len(shared) if shared else None,
            }
            if histories is not None:  # a control without a dream has no refinement history
                history = json.loads((folder / f"{histories}-seed{seed}.json").read_text())
                row.update(iterations=history[-1]["iteration"], dream_first=history[0]["dream_success_rate"],
                           dream_last=history[-1]["dream_success_rate"])
            rows.append(row)
            for key in ("bc", "refined", "layouts", "gained", "lost"):
                total[key] += row[key]
        if total["layouts"]:
            rows.append(total)
    return rows


CONFIRMATION_RUN = re.compile(
    r"cpu-confirm-(?P<bc>[a-z0-9]+)-(?P<confirm>\d+-\d+-\d+)-it(?P<iterations>\d+)-ppo(?P<ppo>\d+)-(?P<kind>refine|null)(?P<half>-half)?"
)
"""Evaluation files of recipes/coffee_pull_grasp_confirmation_cpu.sh (step 2): one BC policy (its label), the
confirmation rerolls-horizon-window, PPO iterations and seed, and ``refine`` or its shuffled-reward ``null``; with
``-half``, the policy halfway back to BC (the mean weights of the run's first and last checkpoints,
recipes/coffee_pull_halfway_to_bc_cpu.sh) instead of the last checkpoint."""
CONFIRMATION_POLICIES = {"last": "last checkpoint", "half": "halfway to BC"}
"""The ``policy`` of a confirmation row: the run's last checkpoint, or the mean weights of it and its BC start."""
CONFIRMATION_BCS = {
    "bv2": "best-validated BC seed 2, trained in session 17",
    "bv2s18": "best-validated BC seed 2, retrained in session 18 (another machine: other weights)",
    "bv0s18": "best-validated BC seed 0, trained in session 18",
    "bv1s18": "best-validated BC seed 1, trained in session 18",
}
"""What each BC label of the confirmation runs stands for (BC retrained on another machine differs)."""


def confirmation_rows(folder: Path) -> list[dict]:
    """One row per confirmation run, paired per layout with the BC it started from (``cpu-confirm-bc-<label>.json``),
    then totals of the layouts gained and lost: per (BC, confirmation, iterations, kind) over its PPO seeds, and per
    (confirmation, iterations, kind, PPO seed) over the BC policies (each compared with its own refinement), where
    there are several."""
    rows = []
    for path in sorted(folder.glob("cpu-confirm-*.json")):
        match = CONFIRMATION_RUN.fullmatch(path.stem)
        if match is None:
            continue  # a BC evaluation
        bc = real_outcomes(folder / f"cpu-confirm-bc-{match['bc']}.json")
        refined = real_outcomes(path)
        if bc.keys() != refined.keys():
            raise ValueError(f"{path.name} was evaluated on other layouts than its BC policy.")
        run_name = path.name.replace("cpu-confirm-", "cpu-history-confirm-").replace("-half.json", ".json")
        history = json.loads((folder / run_name).read_text())
        rows.append({
            **{k: v for k, v in match.groupdict().items() if k != "half"}, "policy": "half" if match["half"] else "last",
            "layouts": len(bc), "bc_success": sum(bc.values()), "refined": sum(refined.values()),
            "gained": sum(refined[k] and not bc[k] for k in bc), "lost": sum(bc[k] and not refined[k] for k in bc),
            "dream_first": history[0]["dream_success_rate"], "dream_last": history[-1]["dream_success_rate"],
            "confirmed_first": history[0]["dream_confirmed_success_rate"],
            "confirmed_last": history[-1]["dream_confirmed_success_rate"],
            "flipped": {(k, refined[k]) for k in bc if refined[k] != bc[k]},  # layouts whose outcome changed, and to what
            "outcomes": refined,
        })
    runs = {(r["bc"], r["confirm"], r["iterations"], r["ppo"], r["kind"], r["policy"]): r for r in rows}
    for row in rows:  # how many of a run's changed layouts its null changed the same way (perturbation, not reward)
        null = runs.get((row["bc"], row["confirm"], row["iterations"], row["ppo"], "null", row["policy"]))
        if row["kind"] == "refine" and null is not None:
            row["shared_with_null"] = len(row["flipped"] & null["flipped"])
            row["above_null"] = sum(row["outcomes"][k] and not null["outcomes"][k] for k in row["outcomes"])
            row["below_null"] = sum(null["outcomes"][k] and not row["outcomes"][k] for k in row["outcomes"])
    totals = []
    for pooled in ("ppo", "bc"):  # over the PPO seeds of one BC, then over the BC policies run with one PPO seed
        other = "bc" if pooled == "ppo" else "ppo"
        groups: dict[tuple, list[dict]] = {}
        for row in rows:
            groups.setdefault((row["confirm"], row["iterations"], row["kind"], row["policy"], row[other]), []).append(row)
        totals += [pooled_row(members, pooled) for members in groups.values() if len(members) > 1]
    return rows + totals


def pooled_row(members: list[dict], pooled: str) -> dict:
    """The total of several runs of :func:`confirmation_rows` that differ in ``pooled`` (``"ppo"`` or ``"bc"``):
    layouts and successes summed, compared with the nulls only where every run has one."""
    counts = ["layouts", "bc_success", "refined", "gained", "lost"]
    if all("above_null" in row for row in members):
        counts += ["above_null", "below_null"]
    total = {name: members[0][name] for name in ("bc", "ppo", "confirm", "iterations", "kind", "policy")}
    total[pooled] = "all (" + ", ".join(row[pooled] for row in members) + ")"
    return total | {name: sum(row[name] for row in members) for name in counts}


def against_null(row: dict) -> str:
    """``"a / b (p)"``: layouts a run solves and its shuffled-reward null does not, the reverse, and their sign test."""
    if "above_null" not in row:
        return ""
    return f"{row['above_null']} / {row['below_null']} ({sign_test(row['above_null'], row['below_null']):.2g})"


def confirmation_markdown(rows: list[dict]) -> str:
    """Table of :func:`confirmation_rows`."""
    lines = ["", "Success confirmation that re-tests the grasp (recipes/coffee_pull_grasp_confirmation_cpu.sh, step 2): one BC "
             "policy refined with 64 worlds, batch 512, anchor 0.1 and confirmation rerolls-horizon-window, and the same run "
             "with the dream's rewards shuffled among the worlds (null); policy: the run's last checkpoint, or halfway to BC "
             "(the mean weights of its first and last checkpoints). BC labels: "
             + "; ".join(f"{label}: {text}" for label, text in CONFIRMATION_BCS.items()) + ".", "",
             "| BC | confirmation | PPO iterations | PPO seed | rewards | policy | real BC | real refined | gain (points) | "
             "layouts gained / lost | sign test p | dream: predicted success, first -> last iteration | "
             "dream: confirmed (rewarded) success, first -> last iteration | changed layouts that the null changed the same way | "
             "against its null: layouts solved only by the run / only by the null (sign test p) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        single = "dream_first" in r  # a total of several runs has no one learning curve
        dream = f"{r['dream_first']:.2f} -> {r['dream_last']:.2f}" if single else ""
        confirmed = f"{r['confirmed_first']:.2f} -> {r['confirmed_last']:.2f}" if single else ""
        lines.append(
            f"| {r['bc']} | {r['confirm'].replace('-', ',')} | {r['iterations']} | {r['ppo']} | "
            f"{'dream' if r['kind'] == 'refine' else 'shuffled (null)'} | {CONFIRMATION_POLICIES[r['policy']]} | {r['bc_success'] / r['layouts']:.3f} | "
            f"{r['refined'] / r['layouts']:.3f} | {100 * (r['refined'] - r['bc_success']) / r['layouts']:+.1f} | "
            f"{r['gained']} / {r['lost']} | {sign_test(r['gained'], r['lost']):.2g} | {dream} | {confirmed} | "
            f"{str(r['shared_with_null']) + ' of ' + str(len(r['flipped'])) if 'shared_with_null' in r else ''} | "
            f"{against_null(r)} |")
    return "\n".join(lines) + "\n"


def markdown(rows: list[dict]) -> str:
    lines = [
        "| setting | BC seed | PPO iterations | real start (BC, or the setting's own starting policy) | real refined | gain (points) | layouts gained / lost | sign test p | "
        "dream: predicted success, first -> last iteration | first real success on layouts both solve, BC -> refined (mean decision) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        gain = 100 * (r["refined"] - r["bc"]) / r["layouts"]
        dream = f"{r['dream_first']:.2f} -> {r['dream_last']:.2f}" if "dream_first" in r else ""
        first = f"{r['first_success_bc']:.1f} -> {r['first_success_refined']:.1f}" if r.get("first_success_bc") else ""
        lines.append(
            f"| {r['config']} | {r['seed']} | {r.get('iterations', '')} | {r['bc']}/{r['layouts']} ({r['bc'] / r['layouts']:.3f}) | "
            f"{r['refined']}/{r['layouts']} ({r['refined'] / r['layouts']:.3f}) | {gain:+.1f} | {r['gained']} / {r['lost']} | "
            f"{sign_test(r['gained'], r['lost']):.2g} | {dream} | {first} |"
        )
    return "\n".join(lines) + "\n"


def real_curve(folder: Path, rows: list[dict]) -> dict[int, list[tuple[int, float]]]:
    """Per BC seed: (iteration, real success) from BC over the evaluated checkpoints to the refined policy."""
    prefix, config = CURVE
    curves = {}
    for seed in SEEDS:
        row = next((r for r in rows if r["config"] == config and r["seed"] == seed), None)
        points = [(it, folder / f"{prefix}-seed{seed}-iter{it:04d}.json") for it in CURVE_ITERATIONS]
        if row is None or not all(path.exists() for _, path in points):
            continue
        outcomes = [(it, real_outcomes(path)) for it, path in points]
        curves[seed] = [(0, row["bc"] / row["layouts"])] + [(it, sum(o.values()) / len(o)) for it, o in outcomes] + [
            (row["iterations"], row["refined"] / row["layouts"])]
    return curves


def selection_points(folder: Path, rows: list[dict]) -> dict[int, list[tuple[int, float, float]]]:
    """Per BC seed: (iteration, real success, success in the gpu-large dream) of the CPU run's checkpoints
    (recipes/coffee_pull_checkpoint_selection_cpu.sh), where every checkpoint has both."""
    real = real_curve(folder, rows)
    points = {}
    for seed, curve in real.items():
        files = [folder / "selection" / f"gpu-large-dream-seed{seed}-iter{it:04d}.json" for it, _ in curve]
        if all(path.exists() for path in files):
            points[seed] = [(it, r, json.loads(path.read_text())["dream"]["mean"]) for (it, r), path in zip(curve, files)]
    return points


def selection_markdown(points: dict[int, list[tuple[int, float, float]]]) -> str:
    """Table: real success and gpu-large-dream success per checkpoint, and which checkpoint each picks."""
    lines = ["", "Offline checkpoint selection (recipes/coffee_pull_checkpoint_selection_cpu.sh): each checkpoint of the "
             "CPU run (trained in the shipped dream) in the gpu-large dream, 128 imagined episodes, against its real success.", "",
             "| BC seed | iteration | real success (150 layouts) | gpu-large dream success | picked by the dream | best real |",
             "|---|---|---|---|---|---|"]
    for seed, rows in points.items():
        pick = max(rows, key=lambda row: row[2])[0]
        best = max(rows, key=lambda row: row[1])[0]
        for it, real, dream in rows:
            lines.append(f"| {seed} | {it} | {real:.3f} | {dream:.3f} | {'yes' if it == pick else ''} | {'yes' if it == best else ''} |")
    return "\n".join(lines) + "\n"


def plot(folder: Path, rows: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves_real = real_curve(folder, rows)
    fig, axes = plt.subplots(1, 3 if curves_real else 2, figsize=(19 if curves_real else 11, 4.6))
    bars, curves = axes[0], axes[1]
    per_seed = [r for r in rows if r["seed"] != "all"]
    complete = [c for c in GPU_SCALE_BARS if sum(r["config"] == c for r in per_seed) == len(SEEDS)]
    width = 0.8 / (len(complete) + 1)
    bc = [next(r["bc"] / r["layouts"] for r in per_seed if r["seed"] == s) for s in SEEDS]
    bars.bar([s - 0.4 + width / 2 for s in SEEDS], bc, width, label="BC", color="grey")
    for k, config in enumerate(complete, start=1):
        bars.bar([s - 0.4 + width / 2 + k * width for s in SEEDS],
                 [next(r["refined"] / r["layouts"] for r in per_seed if r["seed"] == s and r["config"] == config) for s in SEEDS],
                 width, label=config.replace("anchor0.1, 64 worlds, CPU", "CPU").replace(
                     "checkpoints 12/18/24 averaged", "averaged").replace("anchor0.1", "GPU, anchor0.1").replace(
                     "defaults", "GPU, anchor 1.0"))
    bars.set_xticks(list(SEEDS), [f"BC seed {s}" for s in SEEDS])
    bars.set_ylabel("real success (150 held-out layouts)")
    bars.set_ylim(0, 1.45)
    bars.legend(loc="upper center", fontsize=6, ncol=2)
    for config, style in zip(list(CONFIGS)[:2], ("--", "-")):
        for seed in SEEDS:
            history = json.loads((folder / f"{CONFIGS[config][1]}-seed{seed}.json").read_text())
            curves.plot([h["iteration"] for h in history], [h["dream_success_rate"] for h in history], style,
                        color=f"C{seed}", label=f"{config}, seed {seed}")
    curves.set_xlabel("PPO iteration (8192 imagined transitions each)")
    curves.set_ylabel("imagined episodes ended by a predicted success")
    curves.set_title("GPU runs (256 worlds): the dream's success", fontsize=9)
    curves.set_ylim(0, 1)
    curves.legend(fontsize=7, ncol=2)
    if curves_real:
        real = axes[2]
        for seed, points in curves_real.items():
            real.plot(*zip(*points), "o-", color=f"C{seed}", label=f"real, seed {seed}")
            history = json.loads((folder / f"{CONFIGS[CURVE[1]][1]}-seed{seed}.json").read_text())
            real.plot([h["iteration"] for h in history], [h["dream_success_rate"] for h in history], ":",
                      color=f"C{seed}", label=f"dream (training episodes), seed {seed}")
        for seed, points in selection_points(folder, rows).items():
            real.plot([p[0] for p in points], [p[2] for p in points], "s--", color=f"C{seed}", markersize=4,
                      label=f"gpu-large dream (not trained in), seed {seed}")
        real.set_xlabel("PPO iteration (2048 imagined transitions each)")
        real.set_ylabel("success")
        real.set_title(f"{CURVE[1]}: real success of checkpoints (150 layouts)", fontsize=9)
        real.set_ylim(0, 1)
        real.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle("dreamgym refine in the coffee-pull dream: real success of BC and refined policies")
    fig.tight_layout()
    fig.savefig(out, dpi=120)


def plot_controls(rows: list[dict], out: Path) -> bool:
    """Bars per BC seed: BC, the controls and the refinements of CONTROLS (those run on every seed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    per_seed = {(r["config"], r["seed"]): r for r in rows if r["seed"] != "all"}
    bc = {s: per_seed[(next(iter(CONFIGS)), s)] for s in SEEDS if (next(iter(CONFIGS)), s) in per_seed}
    shown = {label: config for label, config in CONTROLS.items()
             if config is None or all((config, s) in per_seed for s in SEEDS)}
    if len(bc) < len(SEEDS) or len(shown) < 2:
        return False
    fig, ax = plt.subplots(figsize=(11, 4.6))
    width = 0.8 / len(shown)
    for k, (label, config) in enumerate(shown.items()):
        values = [bc[s]["bc"] / bc[s]["layouts"] if config is None else
                  per_seed[(config, s)]["refined"] / per_seed[(config, s)]["layouts"] for s in SEEDS]
        ax.bar([s - 0.4 + width * (k + 0.5) for s in SEEDS], values, width, label=label,
               color="grey" if config is None else f"C{k}")
    ax.set_xticks(list(SEEDS), [f"BC seed {s}" for s in SEEDS])
    ax.set_ylabel("real success (150 held-out layouts)")
    ax.set_ylim(0, 1.35)
    ax.legend(fontsize=7, ncol=2, loc="upper center")
    ax.set_title("Controls (2-core CPU): how much of a refinement gain the dream's reward explains", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    rows = paired_rows(args.folder)
    points = selection_points(args.folder, rows)
    confirmations = confirmation_rows(args.folder)
    table = markdown(rows)
    confirmation_table = confirmation_markdown(confirmations) if confirmations else ""
    (args.folder / "RESULTS.md").write_text(table + (selection_markdown(points) if points else "") + confirmation_table)
    plot(args.folder, rows, args.folder / "gpu-scale.png")
    plot_controls(rows, args.folder / "controls.png")
    print(table + confirmation_table)


if __name__ == "__main__":
    main()
