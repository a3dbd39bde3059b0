#!/usr/bin/env bash
# Session 33 (issue 10): the model soup (--imitation-seeds 4, four behaviour clonings averaged) on the stored imagined
# episodes of every draw of `dreamgym refine`'s default as shipped (coffee_pull_default_draws_cpu.sh, shipped bundle).
# Cloning 0 of each soup is the draw's own imitation, so each soup is paired with its single cloning on the same episodes.
# The shipped BC's seed-3 draw is in coffee_pull_lost_draw_cpu.sh (runs/refine-soup4/shipped-s3).
# Each refined policy is evaluated on the 150 held-out layouts of benchmarks/policy/gpu-scale/.
# Rule fixed before these evaluations: the soup becomes refine's default if, over all draws that have both (session
# 31's six group4 draws, session 32's soup4 arm, and these five), its worst draw loses at most 5 points and its mean of
# the per-policy mean gains is at most 1 point below the single cloning's.
# Cost on a 2-core CPU: about 2.5 min of imitation and 3-4 min of evaluation per draw.
# Usage: bash recipes/coffee_pull_soup_default_draws_cpu.sh
source "$(dirname "$0")/common.sh"
refine_on_copied_episodes soup4 shipped envs/coffee-pull/policies/bc.zip 2 runs/refine-default31/shipped-s2 --imitation-seeds 4
refine_on_copied_episodes soup4 bcseed1 runs/bc-bv-seed1/bc.zip 2 runs/refine-default31/bcseed1-s2 --imitation-seeds 4
refine_on_copied_episodes soup4 bcseed2 runs/bc-bv-seed2/bc.zip 2 runs/refine-default31/bcseed2-s2 --imitation-seeds 4
refine_on_copied_episodes soup4 bcseed2 runs/bc-bv-seed2/bc.zip 3 runs/refine-default31/bcseed2-s3 --imitation-seeds 4
# The soup became the default (rule above), so the shipped refined.zip is what the default makes of the shipped BC with
# imagined-episode seed 0, as before (session 32's soup4 arm, on session 31's seed-0 episodes in the bundle copy):
cp runs/refine-soup4/shipped-s0/refined.zip envs/coffee-pull/policies/refined.zip
