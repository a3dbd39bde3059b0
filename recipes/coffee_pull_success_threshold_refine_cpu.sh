#!/usr/bin/env bash
# Session 32 (issue 10): imitate only the imagined successes the outcome model is sure of. For imitation a wrongly kept
# "success" (a real near miss imitated) costs more than a missed one (one success fewer), and the refined strong BC's
# remaining failures are the near misses the outcome model calls successes. dreamgym refine --success-threshold 0.9:
# an imagined episode counts as a success where the outcome model gives it >= 0.9 (the dream's own verdict: >= 0.5).
# Why 0.9, chosen before any draw: on the three validation layout sets (seed offsets 20000, 30000, 40000; never the
# reported ones), session 30's outcome model (the one these episodes were judged by) keeps noisy-BC successes with
# precision 0.892 at 0.5 and 0.967 at 0.9 (hallucinated 4 -> 1 of 53 failures, missed 4 -> 8 of 37 successes;
# deterministic BC 3 of 9 failures at both): benchmarks/decision_fidelity/outcome-validation-session32-thresholds.json
# (step 1 below).
# The imagined episodes are session 31's pass 1 with the defaults (coffee_pull_group_refine_cpu.sh; imagined in
# runs/bundle-outcome-mix3): their run folders' episodes are copied, so only the imitation runs, and the result differs
# from session 31's draws only by which episodes count as successes (the groups' weights follow).
# Each refined policy is evaluated on the 150 held-out layouts of benchmarks/policy/gpu-scale/.
# The rule, fixed before any draw was evaluated: --success-threshold 0.9 becomes refine's default if, over the two draws
# per BC policy (imagined-episode seeds 0 and 1), the mean of the three per-policy mean gains beats the draws of the same
# episodes at the model's threshold (+31.0 / +14.7 / +1.0, mean +15.6) by at least 3 points and no draw ends more than 5
# points below its BC.
# Cost on a 2-core CPU: about 1 min of imitation per draw, 3-4 min per evaluation.
# Usage: bash recipes/coffee_pull_success_threshold_refine_cpu.sh
source "$(dirname "$0")/common.sh"
# 1. The validation counts at several thresholds (seconds; the real trials are run.py's cache, recorded in sessions 30-31).
[ -e benchmarks/decision_fidelity/outcome-validation-session32-thresholds.json ] || OMP_NUM_THREADS=1 $PY \
  benchmarks/decision_fidelity/outcome_validation.py --runs runs/outcome-mix3-ens5 runs/outcome-mix4-ens5 \
  --seed-offsets 20000 30000 40000 --thresholds 0.5 0.7 0.8 0.9 0.95 --label session32-thresholds
# 2. The draws.
on_session31_draws threshold09 --success-threshold 0.9 --imitation-seeds 1
