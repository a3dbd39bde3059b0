"""Experiment (issue 10, offline selection): does a criterion computed on *recorded* episodes track real success?

Issue 10 asks for a way to choose between refined policies without real episodes, "for example agreement on
held-out recorded episodes". The dream-based criteria tried before did not track reality (``README.md``, "Offline
checkpoint selection"; ``gpu-scale/README.md``). This script tries the recorded one. The dataset holds episodes
that no policy imitates (sources ``bc``, ``noisy_expert`` and ``branch``; refinement and BC imitate ``expert``),
each labelled with whether it really succeeded. A policy that improved should give the actions of the successful
ones more likelihood, relative to the failed ones, than its BC policy did. Criterion (per policy): the mean
log-likelihood of the recorded actions in the first ``--decisions`` decisions of successful episodes minus that in
failed ones (the **outcome margin**); its change from the BC policy the refinement started from is compared with
the change in real success. No real step is taken to compute it; the real successes come from existing
evaluations (``dreamgym evaluate --real-only``), whose JSON names the policy zip.

    python benchmarks/policy/recorded_outcome_criterion.py benchmarks/policy/dream-filtered-bc \\
        --bc bv0s18=benchmarks/policy/gpu-scale/cpu-confirm-bc-bv0s18.json ... --out benchmarks/policy/recorded-criterion

writes ``<out>/criterion.json`` (per policy: real success, the criterion and its parts; rank correlations pooled
and per BC) and ``<out>/criterion.png``.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import torch

EVALUATION = re.compile(r"(?:real|halfway)-(?P<bc>[^-]+)-s\d+.*\.json")
"""Evaluation files of refined policies, as ``dream_filtered_bc_report.py`` names them; the BC label is the second part."""
HELD_OUT_SOURCES = ("bc", "noisy_expert", "branch")


def recorded_pairs(data_dir: Path, task: str, decisions: int, stride: int) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
    """(frame, action) pairs of the first ``decisions`` decisions (every ``stride``-th) of the held-out sources'
    episodes, and whether the episode each pair comes from succeeded."""
    from dreamgym.data.episode import load_episodes

    episodes = load_episodes(data_dir / task, keep=lambda meta: meta.get("source") in HELD_OUT_SOURCES)
    if not episodes:
        raise SystemExit(f"No {list(HELD_OUT_SOURCES)} episodes under {data_dir / task}; record them with `dreamgym collect`.")
    frames, actions, success = [], [], []
    for episode in episodes:
        steps = np.arange(0, min(decisions, episode.num_steps), stride)
        frames.append(episode.frames[steps])
        actions.append(episode.actions[steps])
        success.append(np.full(len(steps), bool(episode.success.any())))
    return torch.from_numpy(np.concatenate(frames)), torch.from_numpy(np.concatenate(actions)).float(), np.concatenate(success)


def outcome_margin(model_path: Path, frames: torch.Tensor, actions: torch.Tensor, success: np.ndarray) -> dict:
    """Mean log-likelihood of the recorded actions of successful and of failed episodes under the policy, and their difference."""
    from dreamgym.policy.model import load_policy

    policy = load_policy(model_path).policy
    policy.set_training_mode(False)
    with torch.no_grad():
        log_prob = torch.cat([policy.get_distribution(frames[i:i + 512].float()).log_prob(actions[i:i + 512])
                              for i in range(0, len(frames), 512)]).numpy()
    succeeded, failed = float(log_prob[success].mean()), float(log_prob[~success].mean())
    return {"log_likelihood_successful": succeeded, "log_likelihood_failed": failed, "outcome_margin": succeeded - failed}


def spearman(x: list[float], y: list[float]) -> float | None:
    """Rank correlation (ties averaged), ``None`` for fewer than 4 points."""
    from scipy.stats import spearmanr

    return None if len(x) < 4 else round(float(spearmanr(x, y)[0]), 3)


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 4.5))
    for label in sorted({row["bc"] for row in rows}):
        mine = [row for row in rows if row["bc"] == label]
        axis.scatter([row["criterion_change"] for row in mine], [100 * row["real_change"] for row in mine], label=label, s=22)
    axis.axhline(0, color="grey", lw=0.6)
    axis.axvline(0, color="grey", lw=0.6)
    axis.set_xlabel("outcome margin on recorded episodes, change from BC (nats)")
    axis.set_ylabel("real success, change from BC (points)")
    axis.set_title("Offline criterion from recorded episodes vs reality")
    axis.legend(title="BC policy", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("evaluations", type=Path, help="folder of real-*/halfway-* evaluation JSONs of refined policies")
    parser.add_argument("--bc", nargs="+", required=True, metavar="LABEL=JSON",
                        help="each BC label's own evaluation (its JSON names the BC zip)")
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--task", default="coffee-pull")
    parser.add_argument("--decisions", type=int, default=25, help="leading decisions of each recorded episode used (the grasp is decided in them)")
    parser.add_argument("--stride", type=int, default=2)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    bc_files = {}
    for entry in args.bc:
        label, _, path = entry.partition("=")
        if not path or not Path(path).is_file():
            parser.error(f"--bc expects LABEL=JSON with an existing evaluation file, got {entry!r}.")
        bc_files[label] = Path(path)
    frames, actions, success = recorded_pairs(args.data, args.task, args.decisions, args.stride)
    baselines = {}
    for label, path in bc_files.items():
        evaluation = json.loads(path.read_text())
        baselines[label] = {"model": evaluation["model"], "real": evaluation["real"]["mean"],
                            **outcome_margin(Path(evaluation["model"]), frames, actions, success)}
    rows = []
    for path in sorted(args.evaluations.glob("*.json")):
        match = EVALUATION.fullmatch(path.name)
        if not match or match["bc"] not in baselines:
            continue
        evaluation, baseline = json.loads(path.read_text()), baselines[match["bc"]]
        row = {"evaluation": path.name, "bc": match["bc"], "model": evaluation["model"], "real": evaluation["real"]["mean"],
               **outcome_margin(Path(evaluation["model"]), frames, actions, success)}
        row["real_change"] = row["real"] - baseline["real"]
        row["criterion_change"] = row["outcome_margin"] - baseline["outcome_margin"]
        rows.append(row)
        print(f"{path.name}: real {row['real']:.3f} ({100 * row['real_change']:+.1f}), margin change {row['criterion_change']:+.3f}", flush=True)
    if not rows:
        raise SystemExit(f"No evaluation in {args.evaluations} names a BC label of --bc ({sorted(baselines)}).")
    correlation = {"pooled": spearman([r["criterion_change"] for r in rows], [r["real_change"] for r in rows])}
    for label in baselines:
        mine = [r for r in rows if r["bc"] == label]
        correlation[label] = spearman([r["criterion_change"] for r in mine], [r["real_change"] for r in mine])
    args.out.mkdir(parents=True, exist_ok=True)
    result = {"criterion": "outcome margin: mean log-likelihood of recorded actions of successful minus failed episodes",
              "sources": list(HELD_OUT_SOURCES), "decisions": args.decisions, "stride": args.stride,
              "pairs": int(len(success)), "successful_share": round(float(success.mean()), 3),
              "spearman_criterion_change_vs_real_change": correlation, "bc": baselines, "policies": rows}
    (args.out / "criterion.json").write_text(json.dumps(result, indent=1))
    plot(rows, args.out / "criterion.png")
    print(json.dumps(correlation))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
