#!/usr/bin/env bash
# Train full-resolution coffee-pull world models side by side inside one lent-GPU call of fixed length
# (`train-fullres` of recipes/coffee_pull_world_model_gpu.sh, one process per model), and pack them small
# enough to come back (pieces of 15 MB).
#   Phase 1: every model at a constant learning rate for PHASE1_S seconds (--time-limit-minutes).
#   Phase 2: each resumed from its checkpoint with the steps that fit before DEADLINE_S at the rate phase 1
#     measured for it (wall_time_s in its summary.json; 5% held back), and the rate annealed to 0 (cosine)
#     over exactly those steps: the same schedule as one uninterrupted run of that many steps whose anneal
#     starts where phase 1 stopped. A safety time limit stops it at the deadline if the rate drops.
#   After each phase every model is packed into OUT_DIR (world_model/, summary.json, TensorBoard, log);
#   phase 1's pieces are a fallback and are replaced by phase 2's.
# env: MODELS ("name=channels,..."; default "fullres=32 64 128 128"), DEADLINE_S (seconds after this
#   script starts by which phase 2's models must be packed), PHASE1_S, BATCH, RUNS, DATA, OUT_DIR, DREAMGYM, PY
# Usage (on the lent machine, after unpacking the data): OUT_DIR=$OUT bash recipes/device/fullres_two_phase.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)
MODELS="${MODELS:-fullres=32 64 128 128}"
DEADLINE_S="${DEADLINE_S:?seconds after the start by which the trained models must be packed}"
PHASE1_S="${PHASE1_S:?seconds of constant-rate training in phase 1}"
OUT_DIR="${OUT_DIR:?folder to pack the trained models into}"
RUNS="${RUNS:-runs/gpu}"
PY="${PY:-python3}"
export RUNS BATCH="${BATCH:-128}" DATA="${DATA:-data}" DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
IFS=',' read -r -a models <<< "$MODELS"
mkdir -p "$RUNS" "$OUT_DIR"

pack() {  # pack NAME PREFIX: the model's folder without its checkpoint, as 15 MB pieces PREFIX<NAME>.tar.part-aa, -ab, ...
  rm -f "$OUT_DIR/p1-$1.tar.part-"* "$OUT_DIR/$1.tar.part-"*
  tar -C "$RUNS" -cf - --exclude=checkpoint.pt "$1" "$1.log" | split -b 15M - "$OUT_DIR/$2$1.tar.part-"
}

train_all() {  # every model side by side, STEPS/DECAY/MINUTES from the per-model files phase-<name>.env
  local pids=() status=0
  for model in "${models[@]}"; do
    name="${model%%=*}"
    (set -a; . "$RUNS/phase-$name.env"; set +a
     NAME="$name" CHANNELS="${model#*=}" bash recipes/coffee_pull_world_model_gpu.sh train-fullres) &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
  return $status
}

for model in "${models[@]}"; do
  printf 'STEPS=1000000\nDECAY=0\nMINUTES=%s\n' "$("$PY" -c "print($PHASE1_S / 60)")" > "$RUNS/phase-${model%%=*}.env"
done
phase1_start=$(date +%s)
train_all
phase1_seconds=$(( $(date +%s) - phase1_start ))
for model in "${models[@]}"; do pack "${model%%=*}" p1-; done

for model in "${models[@]}"; do
  name="${model%%=*}"
  "$PY" - "$RUNS/$name/summary.json" "$phase1_seconds" "$(( DEADLINE_S - ($(date +%s) - started) ))" > "$RUNS/phase-$name.env" <<'PY'
import json
import sys

summary = json.load(open(sys.argv[1]))
phase1_seconds, seconds_left = float(sys.argv[2]), float(sys.argv[3])
steps_done, trained_s = summary["steps"], summary["wall_time_s"]
overhead_s = phase1_seconds - trained_s + 20  # start, final evaluation and export as in phase 1, and packing
train_s = seconds_left - overhead_s
if train_s < 30:
    sys.exit(f"only {train_s:.0f} s would be left for phase 2; nothing to anneal")
more = int(0.95 * steps_done / trained_s * train_s)
print(f"STEPS={steps_done + more}\nDECAY={more}\nMINUTES={train_s / 60:.2f}")
print(f"phase 2 of {sys.argv[1]}: {steps_done} steps in {trained_s:.0f} s, {more} more in about {train_s:.0f} s", file=sys.stderr)
PY
done
train_all
for model in "${models[@]}"; do pack "${model%%=*}" ""; done
echo "packed in $(( $(date +%s) - started )) s (deadline $DEADLINE_S s):"; ls -la "$OUT_DIR"
