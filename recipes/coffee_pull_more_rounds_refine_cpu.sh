#!/usr/bin/env bash
# Session 32 (issue 10): twice the imagined episodes per refinement (--rounds 16: 1024 episodes, 256 starts in groups of
# 4) with session 31's defaults otherwise. A strong BC policy fails few starts in the dream, so few of its groups teach
# anything (the shipped BC's seed-1 pass: 110 of 382 successes kept, weighing 42.5 in all, where a group that splits 2/2
# weighs 1); more starts give the imitation more of them.
# Rounds 1-8 are session 31's (coffee_pull_group_refine_cpu.sh; imagined in runs/bundle-outcome-mix3): their run
# folders' episodes are copied and the run resumes at round 9 with the same seed, so the result differs from session
# 31's draw only by the 8 added rounds.
# Each refined policy is evaluated on the 150 held-out layouts of benchmarks/policy/gpu-scale/.
# The rule, fixed before any draw of this recipe was seen: --rounds 16 becomes refine's default if, over the two draws
# per BC policy (imagined-episode seeds 0 and 1), the mean of the three per-policy mean gains beats the 8-round draws of
# the same seeds (+31.0 / +14.7 / +1.0, mean +15.6) by at least 3 points and no draw ends more than 5 points below its
# BC. If the session ends before all six draws, the default stays.
# Not run in session 32: stopped during its first draw's imagining, when outcome_gap.py pointed at the starts instead
# (coffee_pull_early_starts_refine_cpu.sh); a rerun resumes the stored rounds.
# Cost on a 2-core CPU: about 9 min of imagining per draw, 3-4 min per evaluation.
# Usage: bash recipes/coffee_pull_more_rounds_refine_cpu.sh
source "$(dirname "$0")/common.sh"
on_session31_draws rounds16 --rounds 16 --imitation-seeds 1
