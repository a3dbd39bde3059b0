"""Do different learned simulators get the same trials wrong? A vote across decision-fidelity runs.

Every world model trained so far (fine-tunes with other data or losses, a second model from scratch, two
models trained on a GPU) misjudges about as many trials as the shipped one. If they erred on *different*
trials, an ensemble (success only where k of n simulators imagine it) would be more faithful than any of them.
This reads ``results-<label>.json`` files of ``run.py`` that judged the same layouts with the same trial
settings, counts per trial how many simulators imagine a success, and scores each vote threshold k with the
benchmark's own metrics against the real outcomes of a reference run. It also counts the trials that every
simulator gets wrong. It trains and imagines nothing.

    python benchmarks/decision_fidelity/vote.py --label world-models-set1 --reference results-shipped.json \\
        results-shipped.json results-lever-control.json ...
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from outcome_probe import auc as pairwise_auc  # siblings: this script's folder is on sys.path when it runs
from pool import read_report

HERE = Path(__file__).resolve().parent
TRIAL_SETTINGS = ("episodes", "noise_std", "random_episodes", "branch_layouts", "branch_at")
"""Settings that decide which trials a run judges; every voting run must share them."""
ACCEPTANCE_GROUPS = ("policy", "policy_noise", "random", "branches")


def trial_key(trial: dict) -> tuple:
    """One trial's identity across runs: group, kind, base policy, layout seed and (for branches) kind and decision.

    Runs made before branches carried a ``duration`` spell the same branch with fewer fields; kind and decision
    name it in both."""
    branch = trial["branch"]
    return (trial["group"], trial["kind"], trial["base"], trial["reset_seed"],
            None if branch is None else (branch["kind"], branch["at"]))


def load_reports(paths: list[Path]) -> list[dict]:
    """The reports, checked to judge the same layouts with the same trial settings; ``ValueError`` otherwise."""
    reports = [read_report(path) for path in paths]
    if len(reports) < 2:
        raise ValueError(f"A vote needs at least two reports, got {len(reports)}.")
    first = reports[0]
    for path, report in zip(paths[1:], reports[1:]):
        if report["layout_seeds_from"] != first["layout_seeds_from"]:
            raise ValueError(f"{path} judged other layouts (seeds from {report['layout_seeds_from']}, "
                             f"not {first['layout_seeds_from']}); a vote needs the same trials.")
        for name in TRIAL_SETTINGS:
            if report["settings"].get(name) != first["settings"].get(name):
                raise ValueError(f"{path} differs from {paths[0]} in the trial setting {name!r}: "
                                 f"{report['settings'].get(name)!r} against {first['settings'].get(name)!r}.")
    return reports


def count_votes(reports: list[dict], reference: dict) -> list[dict]:
    """One record per trial of ``reference``: its fields, with ``dream_by_run`` (each run's imagined outcome),
    ``votes`` (how many runs imagine a success) and ``real_disagreements`` (how many runs recorded another real
    outcome: real trials recorded on other machines differ, since BC's actions differ in the last digits)."""
    by_run = []
    for report in reports:
        trials = {trial_key(t): t for t in report["trials"]}
        missing = [k for k in (trial_key(t) for t in reference["trials"]) if k not in trials]
        if missing:
            raise ValueError(f"run {report['label']!r} lacks {len(missing)} trials of the reference, e.g. {missing[0]}.")
        by_run.append(trials)
    records = []
    for trial in reference["trials"]:
        key = trial_key(trial)
        dream = [bool(run[key]["dream_success"]) for run in by_run]
        real_disagreements = sum(run[key]["real_success"] != trial["real_success"] for run in by_run)
        records.append({**trial, "dream_by_run": dream, "votes": sum(dream), "real_disagreements": real_disagreements})
    return records


def acceptance_summary(records: list[dict]) -> dict:
    """The benchmark's acceptance numbers (hallucinated, missed, agreement) of records with ``dream_success`` set."""
    from dreamgym.decision_fidelity import group_summaries

    summary = group_summaries(records)
    keep = ("trials", "real_failures", "real_successes", "hallucinated", "missed", "agreement", "dream_successes")
    return {group: {k: summary[group][k] for k in keep} for group in ACCEPTANCE_GROUPS}


def vote_table(records: list[dict], runs: int) -> list[dict]:
    """For each threshold k = 1..runs: the summary of "success where at least k runs imagine one"."""
    return [{"at_least": k, "summary": acceptance_summary([{**r, "dream_success": r["votes"] >= k} for r in records])}
            for k in range(1, runs + 1)]


def in_group(records: list[dict], group: str) -> list[dict]:
    """The records of an acceptance group (the summary's ``branches`` are the trials of group ``branch``)."""
    name = "branch" if group == "branches" else group
    return [r for r in records if r["group"] == name]


def unanimous_errors(records: list[dict], runs: int) -> dict:
    """Per acceptance group, the real failures every run imagines as successes and the real successes no run imagines."""
    out = {}
    for group in ACCEPTANCE_GROUPS:
        chosen = in_group(records, group)
        out[group] = {
            "real_failures_all_hallucinate": sum(1 for r in chosen if not r["real_success"] and r["votes"] == runs),
            "real_successes_all_miss": sum(1 for r in chosen if r["real_success"] and r["votes"] == 0),
        }
    return out


def vote_auc(records: list[dict]) -> dict:
    """Per acceptance group, the probability that a random real success gets more votes than a random real
    failure (ties count half; the area under the ROC curve of the vote count): 0.5 = the votes do not
    separate the outcomes, 1 = some threshold separates them perfectly. ``None`` without both outcomes."""
    out = {}
    for group in ACCEPTANCE_GROUPS:
        chosen = in_group(records, group)
        out[group] = pairwise_auc([r["votes"] for r in chosen if r["real_success"]],
                                  [r["votes"] for r in chosen if not r["real_success"]])
    return out


def row(name: str, summary: dict) -> str:
    p, n, rnd, b = (summary[g] for g in ACCEPTANCE_GROUPS)
    return (f"| {name} | {p['hallucinated']}/{p['real_failures']}, {p['missed']}/{p['real_successes']} | "
            f"{n['hallucinated']}/{n['real_failures']}, {n['missed']}/{n['real_successes']} | "
            f"{rnd['dream_successes']}/{rnd['trials']} | {round(b['agreement'] * b['trials'])}/{b['trials']} |")


def markdown(result: dict) -> str:
    lines = [
        f"Vote `{result['label']}` over {len(result['runs'])} runs (layout seeds from {result['layout_seeds_from']}; "
        f"real outcomes of `{result['reference']}`).",
        "",
        "| simulator(s) | BC: hallucinated, missed | BC + noise: hallucinated, missed | random: imagined successes | branches: agreed |",
        "|---|---|---|---|---|",
    ]
    lines += [row(f"`{run['label']}` alone", run["summary"]) for run in result["runs"]]
    lines += [row(f"at least {v['at_least']} of {len(result['runs'])}", v["summary"]) for v in result["votes"]]
    auc = result["vote_auc"]
    lines += ["", "Area under the ROC curve of the vote count (0.5: no separation): "
              + ", ".join(f"{group} {'-' if value is None else f'{value:.2f}'}" for group, value in auc.items()) + ".", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("reports", type=Path, nargs="+", help="results-<label>.json files of run.py on the same layouts")
    parser.add_argument("--reference", type=Path, required=True, help="the report whose real outcomes are the truth")
    parser.add_argument("--label", required=True, help="name of the vote (writes votes-<label>.json)")
    parser.add_argument("--out-dir", type=Path, default=HERE)
    args = parser.parse_args(argv)
    try:
        reports = load_reports(args.reports)
        reference = load_reports([args.reference, *args.reports])[0]
        records = count_votes(reports, reference)
    except ValueError as error:
        parser.error(str(error))
    runs = len(reports)
    result = {
        "label": args.label,
        "reference": reference["label"],
        "layout_seeds_from": reference["layout_seeds_from"],
        "runs": [{"label": report["label"], "bundle": report.get("bundle"),
                  "summary": acceptance_summary([{**r, "dream_success": r["dream_by_run"][i]} for r in records])}
                 for i, report in enumerate(reports)],
        "votes": vote_table(records, runs),
        "vote_auc": vote_auc(records),
        "unanimous_errors": unanimous_errors(records, runs),
        "trials_whose_real_outcome_differs_in_some_run": sum(1 for r in records if r["real_disagreements"]),
        "trials": [{"key": list(trial_key(r)), "real_success": r["real_success"], "votes": r["votes"]} for r in records],
    }
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / f"votes-{args.label}.json").write_text(json.dumps(result, indent=1) + "\n")
    sys.stdout.write(markdown(result))


if __name__ == "__main__":
    main()
