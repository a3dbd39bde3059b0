"""Decision fidelity against world-model training steps: one picture from runs already on disk.

For each ``LABEL=STEPS`` pair it reads the closed-loop results of BC seeds 0/1/2
(``closed_loop/closed-loop-LABEL-bc-seed<s>-teacher.json``) and the open-loop benchmark
(``results-LABEL.json``), and plots, against training steps:

* closed loop, the three BC seeds pooled: real failures imagined as successes, real successes missed;
* open loop: BC + noise 0.3 imagined as successes, and outcome agreement over the counterfactual branches;

with the targets of issue 9 (hallucinated and missed <= 20%, branches >= 90%) and, optionally, a
reference simulator drawn as dashed lines (``--reference LABEL``, e.g. the shipped one). The numbers
are also written next to the picture as JSON.

    python benchmarks/decision_fidelity/training_trend.py yellow=1500 yellow-4000=4000 yellow-5500=5500 \\
        --reference shipped --out benchmarks/decision_fidelity/trend-yellow
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEEDS = (0, 1, 2)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", help="LABEL=STEPS: a benchmark label and its world model's training steps")
    parser.add_argument("--reference", help="label of a simulator drawn as dashed lines (closed-loop labels bc-seed<s>-teacher)")
    parser.add_argument("--out", type=Path, required=True, help="path without suffix; writes OUT.png and OUT.json")
    return parser.parse_args()


def parse_run(text: str) -> tuple[str, int]:
    """``'LABEL=STEPS'`` as ``(label, steps)``; ``ValueError`` naming the expected form otherwise."""
    label, sep, steps = text.partition("=")
    if not sep or not label or not steps.isdigit():
        raise ValueError(f"expected LABEL=STEPS (e.g. yellow-4000=4000), got {text!r}.")
    return label, int(steps)


def closed_loop_label(label: str, seed: int, reference: bool = False) -> str:
    return f"bc-seed{seed}-teacher" if reference else f"{label}-bc-seed{seed}-teacher"


def read_json(path: Path) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run closed_loop.py / run.py with that label first.")
    return json.loads(path.read_text())


def fidelity_point(label: str, folder: Path = HERE, reference: bool = False) -> dict:
    """The four rates of one simulator (label), from its closed-loop and open-loop result files."""
    hallucinated = failures = missed = successes = 0
    for seed in SEEDS:
        summary = read_json(folder / "closed_loop" / f"closed-loop-{closed_loop_label(label, seed, reference)}.json")["summary"]
        hallucinated += summary["hallucinated_episodes"]
        missed += summary["missed_episodes"]
        failures += summary["real_failures"] * summary["dream_seeds"]
        successes += summary["real_successes"] * summary["dream_seeds"]
    groups = read_json(folder / f"results-{label}.json")["summary"]
    noisy = groups["policy_noise"]
    return {
        "closed_loop_hallucinated": hallucinated / failures if failures else None,
        "closed_loop_missed": missed / successes if successes else None,
        "closed_loop_counts": {"hallucinated": hallucinated, "failures": failures, "missed": missed, "successes": successes},
        "noisy_bc_hallucinated": noisy["hallucination_rate"],
        "branch_agreement": groups["branches"]["agreement"],
    }


SERIES = (
    ("closed_loop_hallucinated", "closed loop: real failures imagined as successes", 0.2, "C3"),
    ("closed_loop_missed", "closed loop: real successes missed", 0.2, "C0"),
    ("noisy_bc_hallucinated", "open loop, BC + noise 0.3: hallucinated", 0.2, "C1"),
    ("branch_agreement", "open loop, branches: agreement", 0.9, "C2"),
)


def plot(points: dict[int, dict], reference: dict | None, reference_label: str | None, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = sorted(points)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for key, name, _target, color in SERIES:
        ax.plot(steps, [points[s][key] for s in steps], "o-", color=color, label=name)
        if reference is not None and reference[key] is not None:
            ax.axhline(reference[key], color=color, linestyle="--", linewidth=1)
    ax.axhspan(0, 0.2, color="grey", alpha=0.08, label="target for the error rates (<= 20%)")
    ax.axhline(0.9, color="C2", linestyle=":", linewidth=1, label="target for branch agreement (>= 90%)")
    ax.set_xlabel("world-model training steps")
    ax.set_ylabel("rate")
    ax.set_ylim(0, 1.02)
    title = "Decision fidelity against training steps"
    if reference_label:
        title += f" (dashed: {reference_label})"
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    args = parse_args()
    runs = [parse_run(text) for text in args.runs]
    points = {steps: {"label": label, **fidelity_point(label)} for label, steps in runs}
    reference = fidelity_point(args.reference, reference=True) if args.reference else None
    args.out.parent.mkdir(parents=True, exist_ok=True)
    plot(points, reference, args.reference, args.out.with_suffix(".png"))
    report = {"points": {str(s): p for s, p in sorted(points.items())}, "reference": {"label": args.reference, **(reference or {})}}
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
