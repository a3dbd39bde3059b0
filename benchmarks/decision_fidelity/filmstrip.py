"""Real vs imagined frames of chosen noisy-BC trials of the decision-fidelity benchmark, side by side.

For each layout (an index into the benchmark's held-out layouts), the BC policy with Gaussian action
noise runs in real Meta-World exactly as in ``run.py``, and its actions are replayed open loop in the
dream from the real frames 0-3. The picture has two rows per trial: real frames (top) and imagined
frames (bottom) every ``--every`` decisions; the printout gives the gripper actions (> 0 closes) and
the classifier's success probability on the imagined frames, so a hallucination can be traced to the
decision where reality and dream part.

    python benchmarks/decision_fidelity/filmstrip.py --layouts 3 5 --out benchmarks/decision_fidelity/filmstrip-noisy-bc.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", type=Path, help="learned simulator (default: the shipped coffee-pull bundle)")
    parser.add_argument("--sampler", choices=["distilled", "teacher"], default="teacher")
    parser.add_argument("--policy", type=Path, help="BC policy zip (default: <bundle>/policies/bc.zip)")
    parser.add_argument("--layouts", type=int, nargs="+", required=True, help="layout indices of the benchmark (0-29)")
    parser.add_argument("--noise-std", type=float, default=0.3)
    parser.add_argument("--first", type=int, default=6, help="first decision shown")
    parser.add_argument("--last", type=int, default=34, help="last decision shown (exclusive)")
    parser.add_argument("--every", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "filmstrip-noisy-bc.png")
    args = parser.parse_args()

    import imageio.v3 as iio
    from run import SEED_BASE, real_env

    import dreamgym.real  # noqa: F401  (before MuJoCo: headless rendering settings)
    from dreamgym.bundle import find_bundle
    from dreamgym.decision_fidelity import imagine_trials, policy_act, record_real_trial
    from dreamgym.dream.simulator import LearnedSimulator
    from dreamgym.media import grid, to_hwc, upscale
    from dreamgym.policy.model import load_policy

    bundle = args.bundle or find_bundle("coffee-pull")
    simulator = LearnedSimulator.load(bundle, sampler=args.sampler)
    manifest = simulator.manifest
    env = real_env(manifest)
    model = load_policy(args.policy or Path(bundle) / "policies" / "bc.zip")
    start = manifest.context_frames - 1
    trials = []
    try:
        for layout in args.layouts:
            seed = SEED_BASE + layout
            act = policy_act(model, noise_std=args.noise_std, rng=np.random.default_rng(seed))
            trials.append(record_real_trial(env, act, seed, group="policy_noise", kind="noise", base="bc", start=start))
    finally:
        env.close()
    imagine_trials(simulator, trials, seed=0)
    shown = list(range(args.first, args.last, args.every))
    rows = []
    for layout, trial in zip(args.layouts, trials):
        imagined = trial.dream["imagined_frames"]  # frame start+1+k is imagined[k]
        rows += [trial.frames[shown], imagined[[d - start - 1 for d in shown]]]
        print(f"layout {layout}: real success {trial.real_outcome}, final mug-goal distance {trial.final_distance:.3f} m")
        print("  decisions         ", " ".join(f"{d:5d}" for d in shown))
        print("  gripper action    ", " ".join(f"{trial.actions[d - 1, 3]:5.1f}" for d in shown))
        probability = trial.dream["success_probability"]
        print("  dream P(success)  ", " ".join(f"{probability[d - start - 1]:5.2f}" for d in shown))
    iio.imwrite(args.out, grid(upscale(to_hwc(np.concatenate(rows)), 2), columns=len(shown)))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
