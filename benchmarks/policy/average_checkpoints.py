"""Average the weights of several checkpoints of one finished refinement run into one policy.

(``dreamgym refine --average-checkpoints K`` does this for the last K checkpoints of a new run.)

Real success of the CPU refinement runs moves by up to 10 points between checkpoints 6 iterations apart
(``gpu-scale/cpu-curve-*``, right panel of ``gpu-scale/gpu-scale.png``) while the dream's success does not
move at all, so the last checkpoint is one noisy draw. All checkpoints of a run stay close to the same BC
policy (KL to BC about 0.01), where averaging their weights is expected to keep what they share and
average out what each iteration's imagined batch pushed alone. No real episode is used to choose.

    python benchmarks/policy/average_checkpoints.py --run runs/refine-cpu64/anchor0.1-envs64-it24-seed1 \
        --iterations 12 18 24 --out runs/refine-cpu64/anchor0.1-envs64-it24-seed1/averaged-12-18-24.zip

``--policies A.zip B.zip`` averages any policies of one architecture instead, e.g. a BC policy and what
``dreamgym refine --method filtered-bc`` made of it (halfway back to BC).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def average_checkpoints(paths: list[Path], out: Path) -> Path:
    """Save the policy whose every floating-point weight is the mean over ``paths`` (SB3 PPO zips of one run)."""
    from dreamgym.policy.model import average_policies, save_model

    return save_model(average_policies(paths), out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--run", type=Path, help="a `dreamgym refine --method ppo` run folder")
    source.add_argument("--policies", type=Path, nargs="+", help="SB3 zips of one policy architecture")
    parser.add_argument("--iterations", type=int, nargs="+", help="checkpoints of --run to average")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if (args.run is None) != (args.iterations is None):
        parser.error("--iterations goes with --run (the run's checkpoints to average); --policies takes none")
    paths = args.policies or [args.run / "checkpoints" / f"iter_{i:04d}.zip" for i in args.iterations]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise SystemExit(f"missing policies {missing}; expected SB3 zips (a run's checkpoints/iter_NNNN.zip)")
    print(average_checkpoints(paths, args.out))


if __name__ == "__main__":
    main()
