#!/usr/bin/env bash
# Session 30 (issue 10): refinement judged by the shipped outcome model on three BC seeds, two draws each.
# Continues coffee_pull_outcome_model_cpu.sh step 5 (shipped BC draws 0 and 1, BC seed 1 draw 0):
#  1. BC seed 2, trained as BC seed 1 was (train-bc --steps 4000 --keep best-validated --seed 2 on data/), and its real
#     success on the 150 held-out layouts.
#  2. dreamgym refine --success-signal outcome (refine's default method and collection otherwise): BC seed 2 draws 0
#     and 1, BC seed 1 draw 1, the shipped BC draw 2; each refined policy on the same 150 layouts.
# Cost on session 30's 2-core CPU: 2.5 min for the BC, about 7-9 min of imagining per draw, 3-4 min per evaluation.
# Usage: bash recipes/coffee_pull_outcome_refine_seeds_cpu.sh
source "$(dirname "$0")/common.sh"
OUT=benchmarks/policy/outcome-signal
BC2=runs/bc-bv-seed2/bc.zip
[ -e $BC2 ] || $DREAMGYM train-bc --data data --task coffee-pull --steps 4000 --keep best-validated --seed 2 --out $BC2 --no-progress
evaluate $BC2 $OUT/bcseed2-bc.json
draw() {  # label, bc zip, imagined-episode seed
  local run=runs/refine-outcome/$1-s$3
  [ -e $run/refined.zip ] || $DREAMGYM refine --bc-model "$2" --out $run --seed "$3" --success-signal outcome \
    --group-size 1 --halfway --imitation-seeds 1 --no-progress
  evaluate $run/refined.zip $OUT/refined-outcome-$1-s$3.json
  cp $run/summary.json $OUT/refine-outcome-$1-s$3-summary.json
}
draw bcseed2 $BC2 0
draw bcseed1 runs/bc-bv-seed1/bc.zip 1
draw bcseed2 $BC2 1
draw shipped envs/coffee-pull/policies/bc.zip 2
