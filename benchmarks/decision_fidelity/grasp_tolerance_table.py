"""Markdown tables that compare the grasp tolerance of several dreams (``grasp_tolerance.py`` reports).

Per report and dream outcome: success per bin of the grasp's x offset (reality's row first), then the
pooled numbers over the grasps near reality's boundary (``--near``, default -3 to 0 cm): what the dream
pays a real success, what it pays a real failure, and the difference. The difference is how much the
dream tells a policy whose grasps sit on the boundary to move them forward; 0 means the dream pays a near
miss as much as a good grasp.

    python benchmarks/decision_fidelity/grasp_tolerance_table.py \\
        benchmarks/decision_fidelity/closed_loop/grasp-tolerance-shipped-teacher-swa-bc-seed1-and-bc-seed2.json \\
        benchmarks/decision_fidelity/closed_loop/grasp-tolerance-cpu-fullres-swa-bc-seed1-and-bc-seed2.json

Reads only the reports' trials; pass reports of the same real recordings and start to compare dreams.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

NEAR_CM = (-3.0, 0.0)


def near_boundary(trials: list[dict], key: str, near: tuple[float, float] = NEAR_CM) -> dict:
    """Pooled over the trials whose grasp x offset lies in ``near`` (cm, low inclusive): the mean dream
    outcome ``key`` of the real successes and of the real failures, their counts and their difference."""
    inside = [t for t in trials if t["x_offset_cm"] is not None and near[0] <= t["x_offset_cm"] < near[1]]
    successes = [float(np.mean(t[key])) for t in inside if t["real_success"]]
    failures = [float(np.mean(t[key])) for t in inside if not t["real_success"]]
    paid_success = float(np.mean(successes)) if successes else float("nan")
    paid_failure = float(np.mean(failures)) if failures else float("nan")
    return {"real_successes": len(successes), "real_failures": len(failures), "paid_success": paid_success,
            "paid_failure": paid_failure, "difference": paid_success - paid_failure}


def tables(reports: list[dict], near: tuple[float, float] = NEAR_CM) -> str:
    """The per-bin table and the pooled near-boundary table of ``reports`` (one start each), as Markdown."""
    starts = {start for report in reports for start in report["bins"]}
    if len(starts) != 1:
        raise SystemExit(f"Compare reports of one start each (one dream context); these hold starts {sorted(starts)}.")
    start = starts.pop()
    first = reports[0]["bins"][start]
    header = " | ".join(_bin_label(row["x_offset_cm"]) for row in first)
    lines = [f"| x offset at the grasp (cm) | {header} |", "|---" * (len(first) + 1) + "|",
             "| trials | " + " | ".join(str(row["trials"]) for row in first) + " |",
             "| reality | " + " | ".join(_cell(row["real_success"]) for row in first) + " |"]
    pooled = ["| dream | outcome | real successes paid | real failures paid | difference |", "|---|---|---|---|---|"]
    for report in reports:
        trials = [t for t in report["trials"] if str(t["start"]) == start and not t["grasp_in_context"]]
        for key in report["dream_keys"]:
            outcome = "unconfirmed" if key == "dream_success" else "confirmed " + key.removeprefix("dream_confirmed_")
            name = f"{report['label']} ({report['sampler']}), {outcome}"
            lines.append(f"| {name} | " + " | ".join(_cell(row[key]) for row in report["bins"][start]) + " |")
            summary = near_boundary(trials, key, near)
            pooled.append(f"| {report['label']} ({report['sampler']}) | {outcome} | "
                          f"{summary['paid_success']:.2f} of {summary['real_successes']} | "
                          f"{summary['paid_failure']:.2f} of {summary['real_failures']} | {summary['difference']:.2f} |")
    return (f"Dream from real decision {start}:\n\n" + "\n".join(lines)
            + f"\n\nGrasps at {near[0]:g} to {near[1]:g} cm:\n\n" + "\n".join(pooled))


def _cell(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def _bin_label(edges) -> str:
    low, high = edges
    return f"< {high:g}" if low is None else f">= {low:g}" if high is None else f"[{low:g}, {high:g})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("reports", type=Path, nargs="+", help="grasp_tolerance.py reports (.json)")
    parser.add_argument("--near", type=float, nargs=2, default=NEAR_CM, metavar=("LOW", "HIGH"),
                        help="x-offset range (cm) of the pooled near-boundary table")
    args = parser.parse_args()
    if args.near[0] >= args.near[1]:
        parser.error(f"--near LOW HIGH needs LOW < HIGH, got {args.near}.")
    reports = []
    for path in args.reports:
        if not path.is_file():
            parser.error(f"{path} is not a file; give grasp_tolerance.py reports (.json).")
        reports.append(json.loads(path.read_text()))
    print(tables(reports, tuple(args.near)))


if __name__ == "__main__":
    main()
