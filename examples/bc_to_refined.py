"""The whole path on the shipped coffee-pull simulator: demos -> BC -> refinement in the dream -> real evaluation.

1. record expert demonstrations in real Meta-World (the only real data the policy ever sees);
2. behaviour-clone them into an SB3 PPO model (Gaussian image policy);
3. refine it inside ``DreamWorld-CoffeePull-v0`` with ``dreamgym refine``'s default method: the policy acts in
   imagined episodes, the ones whose success the dream confirms are imitated next to the demonstrations
   (``dreamgym.policy.dream_imitation``; ``dreamgym.policy.refine`` is the PPO method);
4. evaluate BC and refined policy in real Meta-World on held-out layouts.

    python examples/bc_to_refined.py --quick      # a few minutes on a 2-core CPU (too short to improve much)
    python examples/bc_to_refined.py              # the benchmark's settings (~15 min on a 2-core CPU + evaluation)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dreamgym.data.collect import CollectConfig, collect
from dreamgym.policy.bc import BCConfig, train_bc
from dreamgym.policy.dream_imitation import DreamImitationConfig, refine_by_imitation
from dreamgym.policy.evaluate import evaluate_real
from dreamgym.policy.model import load_policy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small settings that finish in minutes")
    parser.add_argument("--out", type=Path, default=Path("outputs/bc_to_refined"))
    args = parser.parse_args()
    quick = args.quick

    print("1. expert demonstrations from real Meta-World")
    demos = CollectConfig("coffee-pull", args.out / "data", num_expert=10 if quick else 50, num_noisy_expert=0,
                          num_random=0, workers=2)
    collect(demos)

    print("2. behaviour cloning into an SB3 PPO model")
    bc = BCConfig(data_dir=args.out / "data", out=args.out / "bc.zip", steps=300 if quick else 4000)
    train_bc(bc)

    print("3. imitating the dream's successes (never touches Meta-World)")
    # --quick: 8 imagined episodes, one per start (groups of 4 over 2 starts may hold no success that beats its group)
    small = dict(rounds=1, num_envs=8, group_size=1, steps=100, average_from=50) if quick else {}
    refinement = DreamImitationConfig(bc_model=bc.out, out_dir=args.out / "refine", data_dir=args.out / "data", **small)
    refine_by_imitation(refinement)

    print("4. real Meta-World on held-out layouts")
    episodes, seeds = (10, [0]) if quick else (50, [0, 1, 2])
    for name, path in (("BC", bc.out), ("refined", refinement.out_dir / "refined.zip")):
        report = evaluate_real(load_policy(path), "coffee-pull", seeds, episodes, desc=name)
        print(f"{name:8s} real success {report['mean']:.2f} +- {report['std']:.2f} ({episodes} episodes x {len(seeds)} seeds)")


if __name__ == "__main__":
    main()
