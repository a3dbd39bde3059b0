#!/usr/bin/env bash
# Session 32 (issue 10): a soup of imitations. The imitation's own seed moves a refined policy's real success by 7-17
# points (benchmarks/policy/dream-filtered-bc/, sessions 22-23); dreamgym refine --imitation-seeds 4 averages four
# behaviour clonings (own batches and augmentation, the same start weights and kept episodes) into one policy.
# The imagined episodes are session 31's pass 1 with the defaults (coffee_pull_group_refine_cpu.sh; imagined in
# runs/bundle-outcome-mix3): their run folders' episodes are copied, so only the imitation runs, and the soup differs
# from session 31's draws only by the three added clonings (cloning 0 is theirs, bit for bit).
# Each refined policy is evaluated on the 150 held-out layouts of benchmarks/policy/gpu-scale/.
# The rule, fixed before any soup was evaluated: --imitation-seeds 4 becomes refine's default if, over the two draws per
# BC policy (imagined-episode seeds 0 and 1), the mean of the three per-policy mean gains beats the one-imitation draws
# of the same episodes (+31.0 / +14.7 / +1.0, mean +15.6) by at least 3 points and no draw ends more than 5 points below
# its BC. If both this and the second pass (coffee_pull_two_pass_refine_cpu.sh) pass their rules, the one with the larger
# mean gain becomes the default (their combination is not measured here).
# Cost on a 2-core CPU: about 3 min of imitation per draw, 3-4 min per evaluation.
# Usage: bash recipes/coffee_pull_imitation_soup_cpu.sh
source "$(dirname "$0")/common.sh"
on_session31_draws soup4 --imitation-seeds 4
