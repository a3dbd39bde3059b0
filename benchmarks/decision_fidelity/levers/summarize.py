"""The ablation table of the world-model training levers (``recipes/coffee_pull_wm_levers_cpu.sh``).

Reads, for the shipped world model (label ``shipped``: no extra training) and each lever
(``lever-<name>``: 1000 more fine-tuning steps):

* ``../results-<label>.json``: the decision-fidelity benchmark (teacher sampler, same trials and dream seed);
* ``bc-seed<s>-in-<lever>.json``: each BC seed's success in that lever's dream (``dreamgym evaluate --dream-only``);
* ``../../world_model_fidelity/levers/results.json`` (``slips/results.json`` for the slips rows): PSNR@10 against
  held-out real trajectories;
* ``training-<lever>.json``: the run's ``summary.json`` (copied from ``--runs`` when present there),

and, for action guidance (``recipes/coffee_pull_action_guidance_cpu.sh``: one fine-tuning run with action
dropout, sampled with guidance weights 1, 2 and 3), ``../results-guidance-<w>.json`` and
``training-action-dropout.json``, and for the grasp-slip data (``recipes/coffee_pull_wm_slips_cpu.sh``: 1500 steps at
lr 1e-4 annealed, on the data plus slip branches and more BC rollouts, and the same fine-tune on the data alone)
``../results-slips.json``, ``../results-slips-control.json`` and ``training-slips*.json``, and for branch-onset sampling (``recipes/coffee_pull_wm_onset_cpu.sh``) ``../results-onset.json``,
``../../world_model_fidelity/onset/results.json`` and ``training-onset.json``. Where a row's
``../results-<label>-layouts5000.json`` exists (the same simulator on a second layout set), its noisy-BC and branch
numbers get a column. It writes ``ABLATION.md`` next to this file.

    python benchmarks/decision_fidelity/levers/summarize.py --runs runs
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
LEVERS = ("control", "contact", "moving", "tips")
WHAT = {
    "shipped": "the shipped world model (no extra training)",
    "shipped-dream-seed1": "the same, another dream seed (the dream's sampling noise)",
    "control": "1000 more steps, uniform windows, plain loss",
    "contact": "contact-balanced windows (15% mug follows the moving hand, 15% mug left behind)",
    "moving": "moving-pixel loss weight (1 + 4 where the next frame changes)",
    "tips": "20% of each batch from windows where the mug tips over",
    "rerun-shipped": "the shipped world model on the real trials as recorded again on a later machine (one BC layout "
    "flips to success; the reference of the guidance rows, which use that recording)",
    "guidance-1": "action dropout 0.2 (lr 1e-4, annealed over the last 500 steps), sampled without guidance (w = 1)",
    "guidance-2": "the same world model, action guidance w = 2 (D_null + w (D_actions - D_null))",
    "guidance-3": "the same world model, action guidance w = 3",
    "slips-control": "1500 more steps at lr 1e-4 annealed to 0, uniform windows, on the shipped data alone",
    "slips": "the same on the shipped data plus 240 grasp-slip branches (gripper re-opened or weakened for 1-3 "
    "decisions at decisions 12-26) and 150 more stochastic rollouts of the shipped BC",
    "shipped-session27": "the shipped world model on the real trials as recorded again in session 27 (another CPU: BC's "
    "actions differ in the last digits, 3 of 144 branch outcomes flip; the reference of the onset row)",
    "onset": "slips with branch-onset windows: 30% of every batch from the first 4 windows of the 390 branches, where "
    "only the actions tell what happens next (session 27, on a CPU 2.6 times slower per step: 58 min)",
}
GUIDANCE = ("guidance-1", "guidance-2", "guidance-3")
"""Rows of the action-guidance experiment: one world model (``training-action-dropout.json``), three samplers."""
SLIPS = ("slips-control", "slips")
"""Rows of the grasp-slip data experiment: the same fine-tune on the shipped data alone and with the slip data."""
ONSET = ("shipped-session27", "onset")
"""Rows of the branch-onset sampling experiment (``recipes/coffee_pull_wm_onset_cpu.sh``): the slips run's data, steps and
rate, with a share of every batch from the first windows of every branch."""
POLICY_RESULTS = HERE.parent.parent / "policy" / "results.json"
"""The policy benchmark: real success of each BC seed on its 50 held-out layouts (``final.bc``)."""


def outcomes(group: dict) -> str:
    return f"{group['hallucinated']}/{group['real_failures']}, {group['missed']}/{group['real_successes']}"


def psnr_at(results: dict, model: str, horizon: int = 10) -> float | None:
    values = [t["psnr"][model][horizon - 1] for t in results["trajectories"] if model in t["psnr"]]
    return float(np.mean(values)) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=Path, default=Path("runs"), help="where the lever runs are (their summary.json is copied)")
    args = parser.parse_args()
    training_runs = {**{lever: f"wm-lever-{lever}" for lever in LEVERS}, **{lever: f"wm-{lever}" for lever in SLIPS},
                     "action-dropout": "wm-action-dropout"}
    for name, run in training_runs.items():
        source = args.runs / run / "summary.json"
        if source.is_file():
            shutil.copyfile(source, HERE / f"training-{name}.json")
    def fidelity_results(folder: str) -> dict | None:
        path = HERE.parent.parent / "world_model_fidelity" / folder / "results.json"
        return json.loads(path.read_text()) if path.is_file() else None

    fidelity = fidelity_results("levers")
    slips_fidelity, onset_fidelity = fidelity_results("slips"), fidelity_results("onset")
    own_fidelity = {"slips": slips_fidelity, "slips-control": slips_fidelity, "onset": onset_fidelity}
    bc = json.loads(POLICY_RESULTS.read_text())["final"]["bc"]
    bc_seeds, bc_real = bc["seeds"], "/".join(f"{rate:.2f}" for rate in bc["real"]["per_seed"])

    lines = [
        "# World-model training levers: one budget each (coffee-pull, 2-core CPU)",
        "",
        "Generated by `benchmarks/decision_fidelity/levers/summarize.py` from the raw files next to it and in",
        "`benchmarks/decision_fidelity/` and `benchmarks/world_model_fidelity/levers/`. Recipe:",
        "`recipes/coffee_pull_wm_levers_cpu.sh`. Every lever fine-tunes the shipped world model 1000 more steps",
        "(batch 32, lr 3e-4, seed 0) on the same 530 episodes and is exported with the shipped reward classifier,",
        "so only the world model differs (the guidance rows: one run at lr 1e-4 with action dropout, three",
        "sampler settings; `recipes/coffee_pull_action_guidance_cpu.sh`; the slips rows: 1500 steps at lr 1e-4 annealed,",
        "`recipes/coffee_pull_wm_slips_cpu.sh`; the onset row: the slips run with branch-onset windows,",
        "`recipes/coffee_pull_wm_onset_cpu.sh`). Decision fidelity with the 3-step teacher sampler on the trials and",
        "dream seed of label `shipped`, and where measured on a second set of 30 layouts (`run.py --seed-offset 5000`):",
        "the spread between layout sets is as large as most levers' effects. Targets: hallucinated and missed <= 20% for BC with and without noise,",
        "branch agreement >= 90%, random predicted success <= 5%.",
        "",
        "| lever | what | BC: hallucinated, missed | BC + noise 0.3: hallucinated, missed | random: predicted success | branches: agreement | release | weak grip | second layout set (`--seed-offset 5000`): BC + noise hallucinated, missed; branch agreement | PSNR@10 (margin over copy-last) | dream success of BC seeds " + "/".join(map(str, bc_seeds)) + f" (real {bc_real}) | training time |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for lever in ("shipped", "shipped-dream-seed1", *LEVERS, "rerun-shipped", *GUIDANCE, *SLIPS, *ONSET):
        label = lever if lever.startswith(("shipped", "guidance", "rerun", "slips", "onset")) else f"lever-{lever}"
        path = HERE.parent / f"results-{label}.json"
        if not path.is_file():
            continue
        summary = json.loads(path.read_text())["summary"]

        branches = summary["branches"]
        kinds = summary["branches_by_kind"]
        model = "shipped" if lever.startswith(("shipped", "rerun")) else lever
        results = fidelity
        if lever in own_fidelity:  # measured next to the shipped model in world_model_fidelity/<folder>/
            model, results = lever.replace("-", "_"), own_fidelity[lever]
        psnr = psnr_at(results, model) if results else None
        copy_last = psnr_at(results, "copy_last_frame") if results else None
        psnr_text = f"{psnr:.2f} (+{psnr - copy_last:.2f})" if psnr is not None else "-"
        dream = []
        for seed in bc_seeds:
            evaluation = HERE / f"bc-seed{seed}-in-{lever.replace('-dream-seed1', '').replace('rerun-', '')}.json"
            dream.append(f"{json.loads(evaluation.read_text())['dream']['mean']:.2f}" if evaluation.is_file() else "-")
        second_path = HERE.parent / f"results-{label}-layouts5000.json"
        second = "-"
        if second_path.is_file():
            other = json.loads(second_path.read_text())["summary"]
            second = f"{outcomes(other['policy_noise'])}; {100 * other['branches']['agreement']:.0f}%"
        training = HERE / ("training-action-dropout.json" if lever in GUIDANCE else f"training-{lever}.json")
        seconds = json.loads(training.read_text()).get("wall_time_s") if training.is_file() else None
        lines.append(
            f"| {lever} | {WHAT[lever]} | {outcomes(summary['policy'])} | {outcomes(summary['policy_noise'])} | "
            f"{summary['random']['dream_successes']}/{summary['random']['trials']} | {100 * branches['agreement']:.0f}% "
            f"({branches['hallucinated']}/{branches['real_failures']} hallucinated, {branches['missed']}/{branches['real_successes']} missed) | "
            f"{100 * kinds['release']['agreement']:.0f}% | {100 * kinds['weak_grip']['agreement']:.0f}% | {second} | {psnr_text} | "
            f"{' / '.join(dream)} | {'-' if seconds is None else f'{seconds / 60:.0f} min'} |"
        )
    (HERE / "ABLATION.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
