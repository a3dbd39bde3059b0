#!/usr/bin/env bash
# Experiment (issue 10, not shipped), after recipes/coffee_pull_yellow_refine_cpu.sh. On the 2-core CPU
# the teacher sampler limits how many imagined transitions PPO gets. Here the 9000-step yellow world
# model is distilled into a one-step student, as the shipped bundle's default sampler is. PPO then runs
# the 64-world weak-anchor configuration of recipes/coffee_pull_yellow_refine_weak_anchor_cpu.sh
# (anchor 0.1, minibatch 512) with the student, for ITERATIONS iterations: ITERATIONS/12 times that
# recipe's transitions. Everything else is unchanged.
# Steps:
#   1. distillation (600 steps, about 10 min) into a copy of the bundle: $ROOT/bundle-9000-seq-distilled;
#   2. the student's closed-loop decision fidelity for each BC seed (about 2 min each);
#   3. refinement, with real success monitored every 10 iterations on 20 tuning layouts, never used
#      for training;
#   4. BC and the refined policy in real Meta-World on the 150 held-out layouts of the three evaluation
#      seeds (about 2 min each), and in 32 imagined episodes each with the student.
# Applies the yellow-mug patch while it runs. Resumable: every step skips what it already wrote.
# Usage: [ITERATIONS=48] [SEEDS="2"] bash recipes/coffee_pull_yellow_refine_distilled_cpu.sh [RUNS_ROOT]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${1:-runs}/yellow"
ITERATIONS="${ITERATIONS:-48}"
SEEDS="${SEEDS:-2}"
DATA="${YELLOW_DATA:-data-yellow}"
TEACHER="$ROOT/bundle-9000-seq"
BUNDLE="$ROOT/bundle-9000-seq-distilled"
LABEL="yellow-9000-seq-distilled-anchor0.1-envs64-it$ITERATIONS"
OUT=benchmarks/policy/yellow
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"
[ -e "$TEACHER/manifest.json" ] || { echo "$TEACHER is missing: run recipes/coffee_pull_yellow_refine_cpu.sh first" >&2; exit 2; }
source recipes/patches/yellow_mug.sh  # the yellow mug until this recipe exits
mkdir -p "$OUT"

# 1. The one-step student, added to a copy of the teacher's bundle (the copy is renamed when complete).
$DREAMGYM distill-world-model --teacher "$TEACHER" --data "$DATA" --task coffee-pull --out "$ROOT/distill-9000-seq" \
  --steps 600 --batch-size 16 --lr 1e-4 --checkpoint-every 50 --eval-every 150 --no-progress
if [ ! -e "$BUNDLE/manifest.json" ]; then
  rm -rf "$BUNDLE.partial"
  cp -r "$TEACHER" "$BUNDLE.partial"
  $DREAMGYM add-distilled-world-model --bundle "$BUNDLE.partial" --distill-run "$ROOT/distill-9000-seq" \
    --notes "recipes/coffee_pull_yellow_refine_distilled_cpu.sh: one-step student (600 steps, batch 16, lr 1e-4) of the 9000-step yellow world model"
  mv "$BUNDLE.partial" "$BUNDLE"
fi

for s in $SEEDS; do
  # 2. Does the student imagine BC's outcomes as the teacher does (closed-loop-yellow-9000-seq-bc-seed$s-teacher.json)?
  out=benchmarks/decision_fidelity/closed_loop/closed-loop-yellow-9000-seq-bc-seed$s-distilled.json
  [ -e "$out" ] || $PY benchmarks/decision_fidelity/closed_loop.py --bundle "$BUNDLE" --sampler distilled \
    --policy "$ROOT/bc-seed$s/bc.zip" --label yellow-9000-seq-bc-seed$s-distilled

  # 3. PPO in the student's dream.
  run="$ROOT/refine-$LABEL-seed$s"
  [ -e "$run/refined.zip" ] || \
    $DREAMGYM refine --method ppo --bc-model "$ROOT/bc-seed$s/bc.zip" --bundle "$BUNDLE" --sampler distilled --out "$run" --seed $s \
      --anchor-kl 0.1 --iterations "$ITERATIONS" --num-envs 64 --batch-size 512 --checkpoint-every 10 \
      --monitor-real-episodes 20 --no-progress
  cp "$run/summary.json" "$OUT/refine-$LABEL-seed$s.json"
  cp "$run/history.json" "$OUT/history-$LABEL-seed$s.json"
  cp "$run/monitor_real.json" "$OUT/monitor-real-$LABEL-seed$s.json"

  # 4. Real success on all 150 held-out layouts; dream success with the student.
  for policy in bc refined; do
    model="$ROOT/bc-seed$s/bc.zip"; [ $policy = bc ] || model="$run/refined.zip"
    out="$OUT/eval-$policy-$LABEL-seed$s-150-layouts.json"
    [ -e "$out" ] || $DREAMGYM evaluate --model "$model" --bundle "$BUNDLE" --seeds 0 1 2 --episodes 50 \
      --real-only --out "$out" --no-progress
    out="$OUT/eval-$policy-$LABEL-seed$s-dream.json"
    [ -e "$out" ] || $DREAMGYM evaluate --model "$model" --bundle "$BUNDLE" --sampler distilled --seeds $s \
      --dream-episodes 32 --dream-only --out "$out" --no-progress
  done
done
