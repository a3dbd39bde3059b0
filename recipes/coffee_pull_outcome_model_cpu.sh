#!/usr/bin/env bash
# The shipped coffee-pull simulator's success signal (issues 9 and 10, session 29): an action-grounded outcome model.
#  1. dreamgym train-outcome: 5 small networks reading the real simulator state at an open-loop stretch's start and the
#     actions after it, trained on the recorded episodes the world model learned from (data/, the training split).
#  2. dreamgym add-outcome-model: into envs/coffee-pull, with initial states rebuilt from those episodes carrying their
#     simulator states; the bundle's default_success_signal becomes "outcome" (world models and classifier untouched).
#  3. The decision-fidelity benchmark on both layout sets (the dream env's default signal: the outcome model; each report
#     also keeps the classifier's verdict on the same imagined frames).
#  4. Refinement judged by it (issue 10): refine's default collection and imitation (filtered-bc, late starts, halfway to
#     BC) for the shipped BC with --success-signal outcome, imagined-episode seeds 0 and 1, each evaluated on the 150
#     held-out layouts, and the shipped BC on the same layouts.
# Needs the data of coffee_pull_goal_disc_cpu.sh (data/) and the real-trial caches of runs/decision-fidelity-real (run.py
# records them when missing, 14 min per set).
# Cost on session 29's 2-core CPU: 3 min for 1 (one torch thread), seconds for 2, about 8 min per layout set for 3 (the
# first run of a set also replays its cached real trials once to read their states, 3 min), for 4 about 20 min of
# imagining and 3-4 min per evaluation.
# Usage: bash recipes/coffee_pull_outcome_model_cpu.sh   (STEPS="1 2 3" for the simulator only)
source "$(dirname "$0")/common.sh"
STEPS="${STEPS:-1 2 3 4}"
DF=benchmarks/decision_fidelity
if [[ " $STEPS " == *" 1 "* ]]; then
  [ -e runs/outcome-ens5/outcome_summary.json ] || OMP_NUM_THREADS=1 $DREAMGYM train-outcome --data data --task coffee-pull \
    --out runs/outcome-ens5
fi
if [[ " $STEPS " == *" 2 "* ]]; then
  $DREAMGYM add-outcome-model --bundle envs/coffee-pull --run runs/outcome-ens5 --data data --notes "Outcome model (session 29): \
dreamgym train-outcome --data data --out runs/outcome-ens5 --task coffee-pull (5 members, 30 epochs each, CPU 1 thread); \
initial states rebuilt from the training episodes of data/ with their simulator states."
fi
if [[ " $STEPS " == *" 3 "* ]]; then
  [ -e $DF/results-outcome-session29.json ] || $PY $DF/run.py --label outcome-session29
  [ -e $DF/results-outcome-session29-layouts5000.json ] || $PY $DF/run.py --seed-offset 5000 --label outcome-session29-layouts5000
fi
if [[ " $STEPS " == *" 4 "* ]]; then
  mkdir -p benchmarks/policy/outcome-signal
  evaluate envs/coffee-pull/policies/bc.zip benchmarks/policy/outcome-signal/shipped-bc.json
  for seed in 0 1; do
    OUT=runs/refine-outcome/shipped-s$seed
    [ -e $OUT/refined.zip ] || $DREAMGYM refine --bc-model envs/coffee-pull/policies/bc.zip --out $OUT --seed $seed \
      --success-signal outcome --no-progress
    evaluate $OUT/refined.zip benchmarks/policy/outcome-signal/refined-outcome-s$seed.json
    cp $OUT/summary.json benchmarks/policy/outcome-signal/refine-outcome-s$seed-summary.json
  done
fi
