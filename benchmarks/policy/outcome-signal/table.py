"""Real success of every refined policy evaluated in this folder against its BC policy, on the same 150 held-out layouts.

    python benchmarks/policy/outcome-signal/table.py

Reads ``refined-*.json`` and ``filtered-*.json`` (``dreamgym evaluate`` reports) and prints one markdown row per report:
real success, gain in points over the BC policy's report, and the layouts gained / lost against it (with a two-sided
sign test). A second table sums up each arm (and kind of output policy) over its draws: the mean gain per BC policy,
the mean of those means where all three BC policies have draws (what the recipes' rules compare), and the worst draw. File names say the arm, the BC policy and the imagined-episode seed: ``refined-outcome-s0.json`` (the
shipped BC, session 29's naming), ``refined-<arm>-<bc>-s<seed>.json``, ``filtered-<arm>-<bc>-s<seed>.json`` (the
imitated policy itself, not halfway back to BC).
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("gpu_scale_report", HERE.parent / "gpu_scale_report.py")
_report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_report)

BC_REPORTS = {
    "shipped": HERE / "shipped-bc.json",
    "bcseed1": HERE.parent / "dream-filtered-bc" / "session28-real-bv1s18.json",
    "bcseed2": HERE / "bcseed2-bc.json",
}
"""BC label -> its evaluation on the same layouts (``bcseed1``: ``runs/bc-bv-seed1/bc.zip``, evaluated in session 28)."""
NAME = re.compile(r"(?P<kind>refined|filtered)-(?P<arm>[a-z0-9]+)-(?:(?P<bc>shipped|bcseed\d)-)?s(?P<seed>\d+)\.json")


def refined_output(report: Path) -> str:
    """What a ``refined-*.json`` report's ``refined.zip`` was, from its run's summary next to it
    (``refine-<...>-summary.json``): halfway to BC or the imitated policy itself."""
    summary = report.with_name("refine-" + report.name[len("refined-"):-len(".json")] + "-summary.json")
    if not summary.is_file():
        raise FileNotFoundError(f"{report.name} has no run summary {summary.name} next to it; expected refine's summary.json copied there.")
    return "halfway to BC" if json.loads(summary.read_text())["refined"].startswith("halfway") else "imitated (refined.zip)"


def draws() -> list[dict]:
    """One entry per report of this folder: its name, arm, BC policy, seed, output policy, real success and gain in
    points over its BC policy, and the layouts gained and lost against it."""
    found = []
    for path in sorted(HERE.glob("*.json")):
        match = NAME.fullmatch(path.name)
        if match is None:
            continue
        bc = match["bc"] or "shipped"
        gained, lost = _report.paired_changes(_report.real_outcomes(path), _report.real_outcomes(BC_REPORTS[bc]), path.name)
        rate, bc_rate = (json.loads(p.read_text())["real"]["mean"] for p in (path, BC_REPORTS[bc]))
        policy = "imitated (filtered.zip)" if match["kind"] == "filtered" else refined_output(path)
        found.append({"report": path.name, "arm": match["arm"], "bc": bc, "seed": match["seed"], "policy": policy,
                      "rate": rate, "gain": round(100 * (rate - bc_rate), 9) + 0.0,  # + 0.0: a zero gain prints +0.0
                      "gained": gained, "lost": lost})
    return found


def rows(found: list[dict] | None = None) -> list[str]:
    """The per-report markdown table."""
    lines = ["| report | arm | BC policy | seed | policy | real success (gain) | layouts gained / lost (sign test) |",
             "|---|---|---|---|---|---|---|"]
    for d in draws() if found is None else found:
        lines.append(f"| {d['report']} | {d['arm']} | {d['bc']} | {d['seed']} | {d['policy']} | {d['rate']:.3f} ({d['gain']:+.1f}) "
                     f"| {d['gained']} / {d['lost']} (p={_report.sign_test(d['gained'], d['lost']):.2f}) |")
    return lines


def arm_rows(found: list[dict] | None = None) -> list[str]:
    """The per-arm markdown table: mean gain per BC policy (over its draws), their mean where every BC policy of
    :data:`BC_REPORTS` has draws, and the worst draw's gain."""
    found = draws() if found is None else found
    lines = ["| arm | policy | " + " | ".join(f"{bc}: mean gain (draws)" for bc in BC_REPORTS) + " | mean of the means | worst draw |",
             "|---|---|" + "---|" * len(BC_REPORTS) + "---|---|"]
    for arm, policy in sorted({(d["arm"], d["policy"]) for d in found}):
        chosen = [d for d in found if (d["arm"], d["policy"]) == (arm, policy)]
        means = {bc: [d["gain"] for d in chosen if d["bc"] == bc] for bc in BC_REPORTS}
        cells = [f"{sum(g) / len(g):+.1f} ({len(g)})" if g else "-" for g in means.values()]
        overall = (f"{sum(sum(g) / len(g) for g in means.values()) / len(means):+.1f}" if all(means.values()) else "-")
        lines.append(f"| {arm} | {policy} | " + " | ".join(cells) + f" | {overall} | {min(d['gain'] for d in chosen):+.1f} |")
    return lines


if __name__ == "__main__":
    everything = draws()
    print("\n".join(rows(everything) + [""] + arm_rows(everything)))
