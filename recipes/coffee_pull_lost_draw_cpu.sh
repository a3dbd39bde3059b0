#!/usr/bin/env bash
# Session 33 (issue 10): the draw of `dreamgym refine`'s default that lost 20 points (the shipped BC, imagined-episode seed
# 3, runs/refine-default31/shipped-s3 from coffee_pull_default_draws_cpu.sh). Are its imagined episodes bad, or was the
# behaviour cloning on them unlucky? The same stored episodes, re-imitated two ways (no new imagining):
#   soup4:   four behaviour clonings averaged (--imitation-seeds 4; cloning 0 is the draw's own)
#   halfway: the draw's own imitated policy, halfway back to BC (--halfway)
# Each refined policy is evaluated on the 150 held-out layouts of benchmarks/policy/gpu-scale/.
# Cost on a 2-core CPU: about 3 min of imitation for soup4, 1 min for halfway, 3-4 min per evaluation, 10 min for the
# failure modes.
# Usage: bash recipes/coffee_pull_lost_draw_cpu.sh
source "$(dirname "$0")/common.sh"
OUT=benchmarks/policy/outcome-signal
refine_on_copied_episodes soup4 shipped envs/coffee-pull/policies/bc.zip 3 runs/refine-default31/shipped-s3 --imitation-seeds 4
refine_on_copied_episodes halfway31 shipped envs/coffee-pull/policies/bc.zip 3 runs/refine-default31/shipped-s3 --halfway \
  --imitation-seeds 1
# What the lost draw broke, and what the soup and halfway kept, on 100 real tuning layouts (about 2.5 min per policy):
[ -e $OUT/failure-modes-shipped-s3.json ] || $PY benchmarks/policy/failure_modes.py --out $OUT/failure-modes-shipped-s3.json \
  --models envs/coffee-pull/policies/bc.zip runs/refine-default31/shipped-s3/refined.zip \
  runs/refine-soup4/shipped-s3/refined.zip runs/refine-halfway31/shipped-s3/refined.zip
# Would a criterion without real episodes have flagged the lost draw? Dream success under refine's own collection
# (imagined-episode seed 7, 192 episodes) and agreement with the scripted expert on recorded real frames (about 4 min
# per policy):
[ -e $OUT/offline-criteria-shipped-s3.json ] || $PY benchmarks/policy/offline_criteria.py --out $OUT/offline-criteria-shipped-s3.json \
  --models envs/coffee-pull/policies/bc.zip runs/refine-default31/shipped-s3/refined.zip \
  runs/refine-default31/shipped-s2/refined.zip runs/refine-soup4/shipped-s3/refined.zip
