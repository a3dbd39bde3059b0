#!/usr/bin/env bash
# Session 33 (issue 10): fresh draws of `dreamgym refine`'s default after it became a soup of four clonings (as a user
# gets it: the shipped bundle, no option but the BC policy, the imagined-episode seed and the folder). Seed 4 was never
# used for these policies; nothing is chosen from these draws. The shipped BC (the policy a single cloning once took
# 20 points down), BC seed 2 (the one the default gains least on in the mean) and BC seed 1.
# Each refined policy is evaluated on the 150 held-out layouts of benchmarks/policy/gpu-scale/.
# Cost on a 2-core CPU: about 8 min of imagining, 2.5 min of imitation and 3-4 min of evaluation per draw; 5 min for
# the failure modes.
# Usage: bash recipes/coffee_pull_soup_default_fresh_draws_cpu.sh
source "$(dirname "$0")/common.sh"
OUT=benchmarks/policy/outcome-signal
default_draw() {  # label, bc zip, imagined-episode seed
  local run=runs/refine-default33/$1-s$3
  [ -e $run/refined.zip ] || $DREAMGYM refine --bc-model "$2" --out $run --seed "$3" --no-progress
  evaluate $run/refined.zip $OUT/refined-default33-$1-s$3.json
  cp $run/summary.json $OUT/refine-default33-$1-s$3-summary.json
}
default_draw shipped envs/coffee-pull/policies/bc.zip 4
default_draw bcseed2 runs/bc-bv-seed2/bc.zip 4
default_draw bcseed1 runs/bc-bv-seed1/bc.zip 4  # added at the end of session 33
# What the shipped BC's fresh draw lost, on 100 real tuning layouts (about 2.5 min per policy):
[ -e $OUT/failure-modes-default33-shipped-s4.json ] || $PY benchmarks/policy/failure_modes.py \
  --out $OUT/failure-modes-default33-shipped-s4.json \
  --models envs/coffee-pull/policies/bc.zip runs/refine-default33/shipped-s4/refined.zip
