"""Picture of what refinement did to the grasps, against what the dream and reality pay for them.

Top: real success and the dream's (unconfirmed and as ``dreamgym refine``'s default confirmation pays it)
against the grasp's x offset, from a ``grasp_tolerance.py`` report. Below, one panel per policy pair of
``grasp_offsets.py`` reports: the x offsets of a BC policy's grasps and of its refined policy's.

    python benchmarks/decision_fidelity/grasp_shift_plot.py \\
        --tolerance closed_loop/grasp-tolerance-swa-bc-seed1-and-bc-seed2-confirmed.json \\
        --offsets closed_loop/grasp-offsets-swabc-seed0.json closed_loop/grasp-offsets-swabc-seed1.json \\
                  closed_loop/grasp-offsets-swabc-seed2.json --out closed_loop/grasp-shift-swabc.png

(paths relative to this folder.)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def x_offsets(episodes: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """x offsets (cm) of the episodes with a grasp, and their real success."""
    grasped = [e for e in episodes if e["hand_minus_mug_cm"] is not None]
    return np.array([e["hand_minus_mug_cm"][0] for e in grasped]), np.array([e["real_success"] for e in grasped])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tolerance", type=Path, required=True, help="a grasp_tolerance.py report (.json)")
    parser.add_argument("--offsets", type=Path, nargs="+", required=True,
                        help="grasp_offsets.py reports, each of two policies: a BC policy, then its refined policy")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tolerance = json.loads((HERE / args.tolerance).read_text())  # an absolute path stays itself
    start, rows = next(iter(tolerance["bins"].items()))
    edges = [-5.0 if row["x_offset_cm"][0] is None else row["x_offset_cm"][0] for row in rows] + [2.0]
    centres = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:])]

    fig, axes = plt.subplots(1 + len(args.offsets), 1, figsize=(7.5, 2.3 * (1 + len(args.offsets))), sharex=True)
    top = axes[0]
    for key, style, label in (("real_success", "k-o", "reality"), ("dream_success", "-s", "dream, unconfirmed"),
                              ("dream_confirmed_2x8", "--^", "dream, refine's default confirmation (2,8)")):
        if key in rows[0]:
            top.plot(centres, [np.nan if row[key] is None else row[key] for row in rows], style, label=label)
    top.set_ylabel("success")
    top.set_ylim(-0.03, 1.03)
    top.legend(fontsize=7, loc="upper left")
    top.set_title(f"What a grasp earns (dream from real decision {start}) and where the policies grasp", fontsize=9)

    bins = np.arange(-5.0, 2.01, 0.25)
    for ax, path in zip(axes[1:], args.offsets):
        report = json.loads((HERE / path).read_text())
        policies = list(report["policies"].items())
        if len(policies) != 2:
            raise SystemExit(f"{path} holds {len(policies)} policies; expected two: a BC policy, then its refined one.")
        for (_, result), colour, label in zip(policies, ("tab:grey", "tab:green"), ("BC", "refined")):
            x, success = x_offsets(result["episodes"])
            ax.hist(np.clip(x, bins[0], bins[-1]), bins=bins, histtype="step", lw=2, color=colour,
                    label=f"{label}: {int(success.sum())}/{len(result['episodes'])} real successes, mean x {x.mean():+.2f} cm")
        ax.set_ylabel("grasps")
        ax.legend(fontsize=7, loc="upper left", title=path.stem, title_fontsize=7)
    for ax in axes:
        ax.axvspan(-2.5, -1.5, color="tab:red", alpha=0.08)
    axes[-1].set_xlabel("hand minus mug along x at the grasp (cm); shaded: where reality turns from success to failure;\n"
                       "histograms clipped to [-5, 2]", fontsize=8)
    fig.tight_layout()
    out = HERE / args.out
    fig.savefig(out, dpi=110)
    plt.close(fig)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
