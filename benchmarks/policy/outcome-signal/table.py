"""Real success of every refined policy evaluated in this folder against its BC policy, on the same 150 held-out layouts.

    python benchmarks/policy/outcome-signal/table.py

Reads ``refined-*.json`` and ``filtered-*.json`` (``dreamgym evaluate`` reports) and prints one markdown row per report:
real success, gain in points over the BC policy's report, and the layouts gained / lost against it (with a two-sided
sign test). File names say the arm, the BC policy and the imagined-episode seed: ``refined-outcome-s0.json`` (the
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


def rows() -> list[str]:
    lines = ["| report | arm | BC policy | seed | policy | real success (gain) | layouts gained / lost (sign test) |",
             "|---|---|---|---|---|---|---|"]
    for path in sorted(HERE.glob("*.json")):
        match = NAME.fullmatch(path.name)
        if match is None:
            continue
        bc = match["bc"] or "shipped"
        gained, lost = _report.paired_changes(_report.real_outcomes(path), _report.real_outcomes(BC_REPORTS[bc]), path.name)
        rate, bc_rate = (json.loads(p.read_text())["real"]["mean"] for p in (path, BC_REPORTS[bc]))
        policy = "imitated (filtered.zip)" if match["kind"] == "filtered" else refined_output(path)
        lines.append(f"| {path.name} | {match['arm']} | {bc} | {match['seed']} | {policy} | {rate:.3f} ({100 * (rate - bc_rate):+.1f}) "
                     f"| {gained} / {lost} (p={_report.sign_test(gained, lost):.2f}) |")
    return lines


if __name__ == "__main__":
    print("\n".join(rows()))
