#!/usr/bin/env bash
# The action-encoding ablation on CPU, at equal budget for each encoding: a 3.1M U-Net
# (channels 32 64 64 128, 2x pixel-unshuffle), 1200 steps each (~6 min each on 2 idle cores), seed 0.
# Usage: bash recipes/action_encoding_ablation_cpu.sh [RUNS_ROOT] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${1:-runs}"
SEED="${2:-0}"
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
$DREAMGYM collect --task coffee-pull --out data --workers 2
for ENCODING in two_hot linear; do
  $DREAMGYM train-world-model --data data --task coffee-pull --out "$ROOT/ablation-$ENCODING-seed$SEED" \
    --channels 32 64 64 128 --layers-per-block 1 --patch-size 2 --action-encoding "$ENCODING" \
    --batch-size 32 --lr 3e-4 --steps 1200 --checkpoint-every 250 --eval-every 1000 --seed "$SEED" --no-progress
done
