#!/usr/bin/env bash
# Session 33 (issue 10): imagined episodes from the first frames (the policy makes its own approach in the dream), but
# only their decisions up to the grasp imitated (--pairs until-grasp: up to 2 decisions after the first closing command,
# about 16 decisions), so the imitation copies the approach and grasp where the shipped BC fails, not frames imagined
# up to 47 decisions out. No new imagining: the episodes of session 32's first-frame draws
# (coffee_pull_early_starts_refine_cpu.sh, runs/refine-early/<label>-s0) are re-imitated; that arm imitated whole
# episodes and lost 4.7 (shipped BC) and 1.3 points (BC seed 2).
# Each refined policy is evaluated on the 150 held-out layouts of benchmarks/policy/gpu-scale/.
# Cost on a 2-core CPU: about 1 min of imitation and 3-4 min of evaluation per draw.
# Usage: bash recipes/coffee_pull_early_until_grasp_cpu.sh
source "$(dirname "$0")/common.sh"
refine_on_copied_episodes earlygrasp shipped envs/coffee-pull/policies/bc.zip 0 runs/refine-early/shipped-s0 --start-decisions 0 0 --pairs until-grasp --imitation-seeds 1
refine_on_copied_episodes earlygrasp bcseed2 runs/bc-bv-seed2/bc.zip 0 runs/refine-early/bcseed2-s0 --start-decisions 0 0 --pairs until-grasp --imitation-seeds 1
