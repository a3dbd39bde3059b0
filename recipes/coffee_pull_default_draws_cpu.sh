#!/usr/bin/env bash
# Session 32 (issue 10): more draws of `dreamgym refine`'s default itself, as a user gets it: the shipped bundle
# (session 31's outcome model), no option but the BC policy, the imagined-episode seed and the folder. Session 31's
# draws that chose the default imagined in a bundle copy with session 30's outcome model; only BC seed 2 had a draw of the
# default as shipped (seed 2, coffee_pull_group_refine_cpu.sh's last step). Seeds 2 and 3 were never used for these
# policies with the shipped bundle; nothing is chosen from these draws.
# Each refined policy is evaluated on the 150 held-out layouts of benchmarks/policy/gpu-scale/.
# Session 32 ran all four (the fourth after a stop, resumed).
# Cost on a 2-core CPU: about 8 min of imagining per draw, 3-4 min per evaluation.
# Usage: bash recipes/coffee_pull_default_draws_cpu.sh
source "$(dirname "$0")/common.sh"
OUT=benchmarks/policy/outcome-signal
default_draw() {  # label, bc zip, imagined-episode seed
  local run=runs/refine-default31/$1-s$3
  [ -e $run/refined.zip ] || $DREAMGYM refine --bc-model "$2" --out $run --seed "$3" --imitation-seeds 1 --no-progress
  evaluate $run/refined.zip $OUT/refined-default31-$1-s$3.json
  cp $run/summary.json $OUT/refine-default31-$1-s$3-summary.json
}
default_draw shipped envs/coffee-pull/policies/bc.zip 2
default_draw bcseed1 runs/bc-bv-seed1/bc.zip 2
default_draw bcseed2 runs/bc-bv-seed2/bc.zip 3
default_draw shipped envs/coffee-pull/policies/bc.zip 3
