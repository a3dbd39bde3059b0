#!/usr/bin/env bash
# Session 32 (issue 10): a second collect-and-imitate pass with session 31's defaults (outcome signal, groups of 4, the
# imitated policy itself). Pass 2 lets pass 1's imitated policy act in new imagined episodes (imagined-episode seed + 2)
# and imitates the successes of the starts it still fails, continuing from its weights: the failures BC had in the
# dream are rarer after pass 1, so pass 2's groups look at what pass 1 left.
# Pass 1 is session 31's (coffee_pull_group_refine_cpu.sh): its run folders are copied, so pass 1 re-imitates
# (seeded, the same filtered.zip) and only pass 2 imagines. Both passes imagine in runs/bundle-outcome-mix3, the bundle
# pass 1 imagined in (session 30's outcome model), so the two-pass result differs from the one-pass one only by pass 2.
# Each refined policy is evaluated on the 150 held-out layouts of benchmarks/policy/gpu-scale/.
# The rule, fixed before any pass 2 was seen: --passes 2 becomes refine's default if, over the two draws per BC policy
# (imagined-episode seeds 0 and 1), the mean of the three per-policy mean gains beats the one-pass draws of the same
# seeds (+31.0 / +14.7 / +1.0, mean +15.6) by at least 3 points and no draw ends more than 5 points below its BC.
# Stopped after the first two draws (session 32): BC seed 2 0.733 (one pass 0.760) and the shipped BC 0.893 (one pass
# 0.920), both 2.7 points below one pass; the remaining four draws would have had to gain about 24 points more than
# their one-pass draws together for the rule to hold. Their time went to coffee_pull_more_rounds_refine_cpu.sh.
# Cost on a 2-core CPU: about 8-9 min of imagining per draw, 3-4 min per evaluation.
# Usage: bash recipes/coffee_pull_two_pass_refine_cpu.sh
source "$(dirname "$0")/common.sh"
on_session31_draws twopass --passes 2 --imitation-seeds 1
