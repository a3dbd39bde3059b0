#!/usr/bin/env bash
# Action guidance (classifier-free guidance with the actions as the condition) against the dream's
# action-marginalised failure: it draws a mug the gripper has dropped or released as still held.
#   1. the shipped world model (envs/coffee-pull) fine-tuned STEPS more steps on the same data (data/, 530
#      episodes) with 20% of each batch given the null action (--action-dropout 0.2), at a lower learning rate
#      than the lever ablation (1e-4, annealed over the last half) so that fine-tuning itself undoes less;
#   2. one bundle per guidance weight W (export-bundle --action-guidance W), each with the shipped reward
#      classifier and initial states (only the world model and its sampler differ from envs/coffee-pull);
#   3. each judged by the decision-fidelity benchmark with the 3-step teacher sampler, on the trials and dream seed
#      of label "shipped" (W=1 is this model without guidance: the control of the same fine-tuning).
# About 8.5 min of training + 2.6-6.4 min of benchmark per weight on the 2-core CPU (measured). Resumable.
# Usage: bash recipes/coffee_pull_action_guidance_cpu.sh [RUNS_ROOT] [W...]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${1:-runs}"
shift || true
WEIGHTS=("${@:-1 2 3}")
STEPS="${STEPS:-1000}"
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"
run="$ROOT/wm-action-dropout"
$DREAMGYM train-world-model --data data --task coffee-pull --out "$run" --init-from envs/coffee-pull \
  --action-dropout 0.2 --batch-size 32 --lr 1e-4 --lr-decay-steps $((STEPS / 2)) --steps "$STEPS" \
  --checkpoint-every 250 --eval-every "$STEPS" --seed 0 --no-progress
for w in ${WEIGHTS[@]}; do
  bundle="$ROOT/bundle-guidance-$w"
  [ -e "$bundle/manifest.json" ] || \
    $DREAMGYM export-bundle --run "$run" --reward-run envs/coffee-pull --out "$bundle" --initial-state-frames 20 \
      --action-guidance "$w" --notes "recipes/coffee_pull_action_guidance_cpu.sh: action dropout 0.2, $STEPS steps from envs/coffee-pull, guidance $w"
  [ -e "benchmarks/decision_fidelity/results-guidance-$w.json" ] || \
    $PY benchmarks/decision_fidelity/run.py --bundle "$bundle" --sampler teacher \
      --policy envs/coffee-pull/policies/bc.zip --label "guidance-$w"
done
