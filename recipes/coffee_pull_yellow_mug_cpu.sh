#!/usr/bin/env bash
# Experiment (issues 9/10, not shipped): a legible grasp. At 64x64 Meta-World's white mug merges with
# the gripper's white finger pad, so frames barely show whether the fingers closed on the mug or
# beside it, and the shipped dream imagines nearly every failed grasp as a held mug
# (benchmarks/decision_fidelity/closed_loop/). This draws the mug yellow (rendering only:
# dreamgym.tasks.BodyColor, physics unchanged) and redoes the shipped recipe's data and training in that
# rendering: the same collection (expert, noisy expert, random, then 150 rollouts and 150 branches of a
# BC policy trained on the new frames), BC seeds 0/1/2, the world model fine-tuned from the shipped one
# (it learns the new colour and the data's grasps; judged after 1500 steps and, resumed, after 4000, 5500 and 9000
# at a constant learning rate, then after 12000 with the rate annealed to 0 over the last 3000),
# a reward classifier on real frames, export; then closed-loop and open-loop decision fidelity.
#
# The shipped coffee-pull rendering keeps the white mug, so while it runs this recipe applies
# recipes/patches/coffee_pull_yellow_mug.patch (the mug colour in dreamgym/tasks.py) to the working
# tree and takes it back on exit.
# About 10 min of collection, 205 min of training (0.9-1.1 s per step) and 80 min of benchmarks on the 2-core CPU.
# Usage: bash recipes/coffee_pull_yellow_mug_cpu.sh [RUNS_ROOT]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${1:-runs}/yellow"
DATA="${YELLOW_DATA:-data-yellow}"
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"
source recipes/patches/yellow_mug.sh  # the yellow mug until this recipe exits
$DREAMGYM collect --task coffee-pull --out "$DATA" --workers 2 --no-progress
# --keep best-validated: BC as it was made when this recipe ran (train-bc now saves weight-averaged BC by default)
[ -e "$ROOT/bc-seed0/bc.zip" ] || \
  $DREAMGYM train-bc --data "$DATA" --task coffee-pull --out "$ROOT/bc-seed0/bc.zip" --steps 4000 --seed 0 --keep best-validated --no-progress
$DREAMGYM collect --task coffee-pull --out "$DATA" --expert 0 --noisy-expert 0 --random 0 \
  --bc 150 --branch 150 --bc-policy "$ROOT/bc-seed0/bc.zip" --workers 2 --no-progress
for s in 1 2; do
  [ -e "$ROOT/bc-seed$s/bc.zip" ] || \
    $DREAMGYM train-bc --data "$DATA" --task coffee-pull --out "$ROOT/bc-seed$s/bc.zip" --steps 4000 --seed $s --keep best-validated --no-progress
done
[ -e "$ROOT/reward/reward_model" ] || \
  $DREAMGYM train-reward --data "$DATA" --task coffee-pull --out "$ROOT/reward" --steps 2000 --no-progress
# Constant learning rate up to 9000 steps; the last segment (9000 -> 12000) anneals it to 0.
for steps in 1500 4000 5500 9000 12000; do
  label=yellow; bundle="$ROOT/bundle"
  [ $steps = 1500 ] || { label=yellow-$steps; bundle="$ROOT/bundle-$steps"; }
  decay=0; [ $steps != 12000 ] || decay=3000
  if [ ! -e "$bundle/manifest.json" ]; then  # one run, resumed: its checkpoint carries on from the last step
    $DREAMGYM train-world-model --data "$DATA" --task coffee-pull --out "$ROOT/wm" --init-from envs/coffee-pull \
      --batch-size 32 --lr 3e-4 --lr-decay-steps $decay --steps $steps --checkpoint-every 250 --eval-every $steps \
      --seed 0 --no-progress
    $DREAMGYM export-bundle --run "$ROOT/wm" --reward-run "$ROOT/reward" --out "$bundle" --initial-state-frames 20 \
      --notes "recipes/coffee_pull_yellow_mug_cpu.sh: mug drawn yellow; $steps steps from envs/coffee-pull on $DATA (the shipped data recipe in that rendering), reward classifier on real frames"
  fi
  for s in 2 1 0; do
    out=benchmarks/decision_fidelity/closed_loop/closed-loop-$label-bc-seed$s-teacher.json
    [ -e "$out" ] || $PY benchmarks/decision_fidelity/closed_loop.py --bundle "$bundle" --sampler teacher \
      --policy "$ROOT/bc-seed$s/bc.zip" --label $label-bc-seed$s-teacher
  done
  [ -e benchmarks/decision_fidelity/results-$label.json ] || \
    $PY benchmarks/decision_fidelity/run.py --bundle "$bundle" --sampler teacher --policy "$ROOT/bc-seed0/bc.zip" --label $label
done
[ -e benchmarks/decision_fidelity/closed_loop/outcome-probe-yellow-4000-bc-seed2.json ] || \
  $PY benchmarks/decision_fidelity/outcome_probe.py --data "$DATA" --bundle "$ROOT/bundle-4000" \
    --policy "$ROOT/bc-seed2/bc.zip" --label yellow-4000-bc-seed2
$PY benchmarks/decision_fidelity/training_trend.py yellow=1500 yellow-4000=4000 yellow-5500=5500 yellow-9000=9000 yellow-12000=12000 \
  --reference shipped --out benchmarks/decision_fidelity/trend-yellow
