#!/usr/bin/env bash
# CPU recipe: the shipped coffee-pull world model, ~60 minutes on 2 idle CPU cores (measured: 0.47 s/step).
#   5.2M-parameter U-Net, channels (64, 64, 128, 128), 1 residual block per level, behind a 2x
#   pixel-unshuffle (the U-Net runs at 32x32 with 60 input channels), two-hot actions (21 bins),
#   batch 32, 7000 steps of AdamW at 3e-4 with 200 warm-up steps, EMA 0.999.
# Data: the World4RL mix for coffee-pull (230 episodes, ~1 min to record with 2 workers); 1 in 10
# episodes is held out for validation.
# Resumable: rerun the same command after an interruption; it continues from RUN/checkpoint.pt.
# Usage: bash recipes/world_model_cpu.sh [RUN_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
RUN="${1:-runs/world-model-coffee-pull-cpu}"
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
$DREAMGYM collect --task coffee-pull --out data --workers 2
$DREAMGYM train-world-model --data data --task coffee-pull --out "$RUN" \
  --channels 64 64 128 128 --layers-per-block 1 --patch-size 2 --action-encoding two_hot \
  --batch-size 32 --lr 3e-4 --steps 7000 --checkpoint-every 250 --eval-every 1000 --seed 0 --no-progress
