"""Pool decision-fidelity runs of one simulator over several sets of held-out layouts.

One run of ``run.py`` judges 30 layouts: 20-30 noisy-BC failures and 144 branches, so a rate moves by several
points between layout sets (session 26: branch agreement 88% on one set, 77% on the next, same simulator). This
reads ``results-<label>.json`` files of the same bundle, sampler, policy and settings on different
``--seed-offset``\\ s, pools their trials and writes the acceptance metrics with 95% Wilson intervals.

    python benchmarks/decision_fidelity/pool.py --label shipped-distilled-pooled \\
        results-shipped-distilled.json results-shipped-distilled-layouts5000.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parents[1]
SAME_SETTINGS = ("episodes", "noise_std", "random_episodes", "branch_layouts", "branch_at", "dream_seed",
                 "confirm_rerolls", "confirm_horizon", "success_frames")
"""Trial settings every pooled run must share (runs made before a setting existed count as its default)."""
SETTING_DEFAULTS = {"confirm_rerolls": 0, "confirm_horizon": 8, "success_frames": 1}


def same_place(path: str | None) -> str | None:
    """A path as written in a report, in one spelling: absolute paths inside this repository become relative to it,
    and ``.``/``..`` steps and doubled slashes go (so ``runs/b``, ``./runs/b`` and ``/repo/runs/b`` compare equal)."""
    if path is None:
        return None
    place = Path(os.path.normpath(path))
    if place.is_absolute() and place.is_relative_to(REPOSITORY):
        place = place.relative_to(REPOSITORY)
    return place.as_posix()


def signature(report: dict) -> dict:
    """What decides a run's outcomes apart from its layouts: simulator, sampler, policy and trial settings."""
    sampler = report.get("sampler") or ("distilled" if report.get("denoising_steps") == 1 else "teacher")
    settings = {key: report["settings"].get(key, SETTING_DEFAULTS.get(key)) for key in SAME_SETTINGS}
    return {"bundle": same_place(report.get("bundle")), "policy": same_place(report.get("policy")), "sampler": sampler, **settings}


def wilson_interval(count: int, total: int, z: float = 1.96) -> tuple[float, float] | None:
    """95% Wilson score interval of the proportion ``count / total`` (``None`` without trials)."""
    if total == 0:
        return None
    p = count / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)


REPORT_KEYS = ("label", "trials", "settings", "layout_seeds_from")


def read_report(path: Path) -> dict:
    """One ``results-<label>.json`` of ``run.py``; ``ValueError`` naming the file if it is not one."""
    try:
        report = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: not a readable decision-fidelity report ({error}).") from None
    if not isinstance(report, dict) or not set(REPORT_KEYS) <= report.keys():
        raise ValueError(f"{path}: not a decision-fidelity report (it needs {', '.join(repr(k) for k in REPORT_KEYS)}).")
    return report


def load_runs(paths: list[Path]) -> list[dict]:
    """The reports, checked to judge one simulator in one way on distinct layout sets; ``ValueError`` otherwise."""
    reports = [(path, read_report(path)) for path in paths]
    if len(reports) < 2:
        raise ValueError(f"Pooling needs at least two reports, got {len(reports)}.")
    first_path, first = reports[0]
    for path, report in reports[1:]:
        mine, theirs = signature(first), signature(report)
        for key in mine:
            if mine[key] != theirs[key]:
                raise ValueError(f"{path} differs from {first_path} in {key!r}: {theirs[key]!r} against {mine[key]!r}.")
    offsets = [report["layout_seeds_from"] for _, report in reports]
    if len(set(offsets)) != len(offsets):
        raise ValueError(f"Two reports judged the same layouts (layout seeds from {offsets}); pool distinct --seed-offset runs.")
    return [report for _, report in reports]


def pooled_summary(reports: list[dict]) -> dict:
    """Summaries of all trials of ``reports`` together, with Wilson intervals on the acceptance rates."""
    from dreamgym.decision_fidelity import group_summaries

    summary = group_summaries([trial for report in reports for trial in report["trials"]])
    for group in ("policy", "policy_noise", "random", "branches"):
        g = summary[group]
        g["hallucination_interval"] = wilson_interval(g["hallucinated"], g["real_failures"])
        g["missed_interval"] = wilson_interval(g["missed"], g["real_successes"])
        g["agreed"] = round(g["agreement"] * g["trials"]) if g["trials"] else 0  # outcome_summary keeps only the rate
        g["agreement_interval"] = wilson_interval(g["agreed"], g["trials"])
        g["dream_success_interval"] = wilson_interval(g["dream_successes"], g["trials"])
    return summary


def markdown(label: str, reports: list[dict], summary: dict) -> str:
    def share(count: int, total: int, interval) -> str:
        if not total:
            return "-"
        return f"{count}/{total} ({100 * count / total:.0f}%, 95% CI {100 * interval[0]:.0f}-{100 * interval[1]:.0f}%)"

    policy, noisy, random_, branches = (summary[g] for g in ("policy", "policy_noise", "random", "branches"))
    return "\n".join([
        f"Pooled `{label}`: {', '.join(r['label'] for r in reports)} (layout seeds from "
        f"{', '.join(str(r['layout_seeds_from']) for r in reports)}).",
        "",
        "| | pooled | target |",
        "|---|---|---|",
        f"| BC: real failures imagined as successes | {share(policy['hallucinated'], policy['real_failures'], policy['hallucination_interval'])} | <= 20% |",
        f"| BC: real successes missed | {share(policy['missed'], policy['real_successes'], policy['missed_interval'])} | <= 20% |",
        f"| BC + noise: real failures imagined as successes | {share(noisy['hallucinated'], noisy['real_failures'], noisy['hallucination_interval'])} | <= 20% |",
        f"| BC + noise: real successes missed | {share(noisy['missed'], noisy['real_successes'], noisy['missed_interval'])} | <= 20% |",
        f"| branches: outcome agreement | {share(branches['agreed'], branches['trials'], branches['agreement_interval'])} | >= 90% |",
        f"| random actions: imagined successes | {share(random_['dream_successes'], random_['trials'], random_['dream_success_interval'])} | <= 5% |",
        "",
    ])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("reports", type=Path, nargs="+", help="results-<label>.json files of run.py")
    parser.add_argument("--label", required=True, help="name of the pooled result (writes pooled-<label>.json)")
    parser.add_argument("--out-dir", type=Path, default=HERE)
    args = parser.parse_args(argv)
    try:
        reports = load_runs(args.reports)
    except ValueError as error:
        parser.error(str(error))
    summary = pooled_summary(reports)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / f"pooled-{args.label}.json").write_text(json.dumps({
        "label": args.label,
        "runs": [{"label": r["label"], "layout_seeds_from": r["layout_seeds_from"]} for r in reports],
        "settings": signature(reports[0]),
        "summary": summary,
    }, indent=1) + "\n")
    sys.stdout.write(markdown(args.label, reports, summary))


if __name__ == "__main__":
    main()
