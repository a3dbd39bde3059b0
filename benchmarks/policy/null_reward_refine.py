"""Null control for refinement (issue 10): ``dreamgym refine`` with the dream's rewards shuffled across worlds.

Real success of these image policies moves a lot under small changes of their weights: BC seeds of one
recipe span 0.39-0.89, checkpoints six PPO iterations apart differ by up to 22 points, and 352 more steps
of behaviour cloning alone move the three BC seeds by -19 / +24 / +31 points
(``recipes/coffee_pull_continued_bc_control_cpu.sh``). So a gain after refinement is evidence that PPO
learned from the dream only if refinement with the same settings but *uninformative* rewards gains less.

This script runs ``dreamgym refine`` unchanged (same arguments, same dream, same successes ending the
imagined episodes, same anchor, averaging and optimizer) except that after every step the rewards of the
imagined worlds are randomly permuted among the worlds. The number and timing of rewards stay the same;
which world (and so which actions) earned them is lost. The run folder gets ``null_control.json``.

    python benchmarks/policy/null_reward_refine.py --bc-model runs/bc-seed2/bc.zip --out runs/refine-null/seed2 \
        --seed 0 --anchor-kl 0.1 --num-envs 64 --batch-size 512 --iterations 24 --checkpoint-every 6 --average-checkpoints 3
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from stable_baselines3.common.vec_env import VecEnvWrapper


class ShuffledRewards(VecEnvWrapper):
    """Permutes the rewards of each vector step among the environments (a seeded, uniform permutation)."""

    def __init__(self, venv, seed: int):
        super().__init__(venv)
        self.rng = np.random.default_rng(seed)

    def reset(self):
        return self.venv.reset()

    def step_wait(self):
        observations, rewards, dones, infos = self.venv.step_wait()
        return observations, rewards[self.rng.permutation(len(rewards))], dones, infos


def main(argv: list[str]) -> int:
    import dreamgym.policy.refine as refine_module
    from dreamgym.cli import main as cli_main

    dream = refine_module.make_dream_vec_env

    def shuffled_dream(config):
        (config.out_dir).mkdir(parents=True, exist_ok=True)
        (config.out_dir / "null_control.json").write_text(json.dumps(
            {"control": "rewards permuted among the imagined worlds at every step", "script": Path(__file__).name,
             "permutation_seed": config.seed}, indent=2))
        return ShuffledRewards(dream(config), seed=config.seed)

    refine_module.make_dream_vec_env = shuffled_dream
    return cli_main(["refine", "--method", "ppo", *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
