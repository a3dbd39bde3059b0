#!/usr/bin/env bash
# Ablation of the world-model training levers of the decision-fidelity issue, one training budget each:
# the shipped world model (recipes/coffee_pull_goal_disc_cpu.sh, steps 1-6) fine-tuned LEVER_STEPS more
# steps on the same data (data/, 530 episodes), once per lever:
#   control   uniform windows, plain EDM loss (what more training alone does)
#   contact   contact-balanced windows: 15% of each batch where the mug follows the moving hand, 15% where
#             it is left behind (dreamgym.data.contact_windows)
#   moving    loss weight 1 + 4 on pixels that change between the last context frame and the next frame
#   tips      20% of each batch from windows in which the mug tips over (its axis turns > 10 degrees in one
#             decision): the failure noisy BC shows in reality and the dream does not (filmstrip.py)
# Each is exported with the shipped reward classifier (only the world model differs) and judged by the
# decision-fidelity benchmark with the 3-step teacher sampler, on the trials and dream seed of label "shipped".
# About 18 min of training + 9 min of benchmark per lever on the 2-core CPU. Resumable.
# Usage: bash recipes/coffee_pull_wm_levers_cpu.sh [RUNS_ROOT] [LEVER...]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${1:-runs}"
shift || true
LEVERS=("${@:-contact moving control tips}")
LEVER_STEPS="${LEVER_STEPS:-1000}"
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"
for lever in ${LEVERS[@]}; do
  case "$lever" in
    control) flags=() ;;
    contact) flags=(--window-sampling contact) ;;
    moving) flags=(--moving-pixel-weight 4) ;;
    tips) flags=(--window-sampling contact --contact-shares 0 0 0.2) ;;
    *) echo "unknown lever $lever (expected control, contact, moving or tips)" >&2; exit 2 ;;
  esac
  run="$ROOT/wm-lever-$lever"
  $DREAMGYM train-world-model --data data --task coffee-pull --out "$run" --init-from envs/coffee-pull \
    --batch-size 32 --lr 3e-4 --steps "$LEVER_STEPS" --checkpoint-every 250 --eval-every "$LEVER_STEPS" --seed 0 \
    --no-progress "${flags[@]}"
  [ -e "$ROOT/bundle-lever-$lever/manifest.json" ] || \
    $DREAMGYM export-bundle --run "$run" --reward-run "$ROOT/reward-coffee-pull-disc" --out "$ROOT/bundle-lever-$lever" \
      --initial-state-frames 14 --notes "recipes/coffee_pull_wm_levers_cpu.sh: lever $lever, $LEVER_STEPS steps from envs/coffee-pull"
  [ -e "benchmarks/decision_fidelity/results-lever-$lever.json" ] || \
    $PY benchmarks/decision_fidelity/run.py --bundle "$ROOT/bundle-lever-$lever" --sampler teacher \
      --policy envs/coffee-pull/policies/bc.zip --label "lever-$lever"
done
# Closed loop: each BC seed's success in each lever's dream (teacher sampler, 32 imagined episodes; real
# success of BC seeds 0/1/2 on their 50 held-out layouts: 0.94/0.54/0.64, benchmarks/policy/results.json).
for lever in ${LEVERS[@]}; do
  for s in 0 1 2; do
    bc="$ROOT/bc-coffee-pull/bc.zip"; [ $s = 0 ] || bc="$ROOT/bc-coffee-pull-seed$s/bc.zip"
    out="benchmarks/decision_fidelity/levers/bc-seed$s-in-$lever.json"
    [ -e "$out" ] || $DREAMGYM evaluate --model "$bc" --bundle "$ROOT/bundle-lever-$lever" --sampler teacher \
      --dream-only --seeds 0 --dream-episodes 32 --out "$out" --no-progress
  done
done
# The same for the shipped simulator itself (teacher sampler), the reference of the table.
for s in 0 1 2; do
  bc="$ROOT/bc-coffee-pull/bc.zip"; [ $s = 0 ] || bc="$ROOT/bc-coffee-pull-seed$s/bc.zip"
  out="benchmarks/decision_fidelity/levers/bc-seed$s-in-shipped.json"
  [ -e "$out" ] || $DREAMGYM evaluate --model "$bc" --bundle envs/coffee-pull --sampler teacher \
    --dream-only --seeds 0 --dream-episodes 32 --out "$out" --no-progress
done
# How much of the differences is the dream's own sampling noise: the shipped simulator on the same trials with
# another dream seed.
[ -e benchmarks/decision_fidelity/results-shipped-dream-seed1.json ] || \
  $PY benchmarks/decision_fidelity/run.py --sampler teacher --dream-seed 1 --label shipped-dream-seed1
# PSNR/SSIM against held-out real trajectories (the acceptance's PSNR@10 margin over copy-last-frame), every lever
# next to the shipped world model, teacher sampler (3 steps).
all_levers_trained=true
for lever in control contact moving tips; do [ -e "$ROOT/wm-lever-$lever/world_model/model.safetensors" ] || all_levers_trained=false; done
[ -e benchmarks/world_model_fidelity/levers/results.json ] || [ $all_levers_trained = false ] || \
  $PY benchmarks/world_model_fidelity/run.py --out benchmarks/world_model_fidelity/levers --model shipped=envs/coffee-pull/world_model@3 \
    --model control=$ROOT/wm-lever-control/world_model@3 --model contact=$ROOT/wm-lever-contact/world_model@3 \
    --model moving=$ROOT/wm-lever-moving/world_model@3 --model tips=$ROOT/wm-lever-tips/world_model@3 \
    --note "recipes/coffee_pull_wm_levers_cpu.sh: the shipped world model fine-tuned $LEVER_STEPS more steps per lever"
$PY benchmarks/decision_fidelity/levers/summarize.py --runs "$ROOT"
