#!/usr/bin/env bash
# Experiment (issue 10, not shipped), after recipes/coffee_pull_yellow_refine_cpu.sh: with dreamgym
# refine's defaults (behaviour anchor 1.0, 15 iterations) the yellow BC seeds do not move in the
# 9000-step yellow dream (KL to BC ~0.001). Here PPO gets room: a ten times weaker anchor and three
# times as many iterations, every other default unchanged, with real Meta-World success monitored at
# each checkpoint (20 tuning layouts, never used for training) so that the dream and real learning
# curves can be compared. The final policy is evaluated like the defaults were (50 held-out layouts
# of evaluation seed s, 32 dream episodes); BC and the refined policy are also evaluated in real
# Meta-World on the 100 held-out layouts of the other two evaluation seeds, and the refined policy gets
# the closed-loop decision-fidelity check (benchmarks/decision_fidelity/closed_loop.py).
# About 30 min per BC seed on the 2-core CPU (teacher sampler). Applies the yellow-mug patch while it runs.
# NUM_ENVS (default 16, refine's) sets the imagined worlds per iteration. PPO's minibatch grows with it
# (8 x NUM_ENVS), so each iteration makes the same number of gradient steps on NUM_ENVS/16 times as
# many imagined transitions (less noisy updates).
# EXTRA adds further `dreamgym refine` arguments (they override the ones above) and needs a TAG that
# names the variant in its file names, e.g. the unguarded run of the yellow README:
#   ANCHOR=0 ITERATIONS=40 TAG=unguarded \
#   EXTRA="--horizon 50 --reset-mode episode_start --confirm-rerolls 0 --actor-lr 3e-4 --checkpoint-every 10" bash $0
# Usage: [ANCHOR=0.1] [ITERATIONS=45] [NUM_ENVS=16] [SEEDS="2"] [TAG=name EXTRA="args"] bash recipes/coffee_pull_yellow_refine_weak_anchor_cpu.sh [RUNS_ROOT]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${1:-runs}/yellow"
ANCHOR="${ANCHOR:-0.1}"
ITERATIONS="${ITERATIONS:-45}"
SEEDS="${SEEDS:-2}"
NUM_ENVS="${NUM_ENVS:-16}"
BUNDLE="$ROOT/bundle-9000-seq"
LABEL="yellow-9000-seq-anchor$ANCHOR-it$ITERATIONS"
[ "$NUM_ENVS" = 16 ] || LABEL="$LABEL-envs$NUM_ENVS"
TAG="${TAG:-}"
EXTRA="${EXTRA:-}"
[ -z "$EXTRA" ] || [ -n "$TAG" ] || { echo "EXTRA needs a TAG that names the variant" >&2; exit 2; }
[ -z "$TAG" ] || LABEL="$LABEL-$TAG"
OUT=benchmarks/policy/yellow
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"
[ -e "$BUNDLE/manifest.json" ] || { echo "$BUNDLE is missing: run recipes/coffee_pull_yellow_refine_cpu.sh first" >&2; exit 2; }
source recipes/patches/yellow_mug.sh  # the yellow mug until this recipe exits
mkdir -p "$OUT"
for s in $SEEDS; do
  run="$ROOT/refine-$LABEL-seed$s"
  [ -e "$run/refined.zip" ] || \
    $DREAMGYM refine --method ppo --bc-model "$ROOT/bc-seed$s/bc.zip" --bundle "$BUNDLE" --out "$run" --seed $s \
      --anchor-kl "$ANCHOR" --iterations "$ITERATIONS" --num-envs "$NUM_ENVS" --batch-size $((8 * NUM_ENVS)) --monitor-real-episodes 20 --no-progress $EXTRA
  cp "$run/summary.json" "$OUT/refine-$LABEL-seed$s.json"
  cp "$run/history.json" "$OUT/history-$LABEL-seed$s.json"
  cp "$run/monitor_real.json" "$OUT/monitor-real-$LABEL-seed$s.json"
  out="$OUT/eval-refined-$LABEL-seed$s.json"
  [ -e "$out" ] || $DREAMGYM evaluate --model "$run/refined.zip" --bundle "$BUNDLE" --sampler teacher --seeds $s \
    --episodes 50 --dream-episodes 32 --out "$out" --no-progress
  # More held-out layouts for BC and the refined policy: those of the other two evaluation seeds.
  others=$(echo 0 1 2 | tr ' ' '\n' | grep -vx "$s" | tr '\n' ' ')
  for policy in bc refined; do
    model="$ROOT/bc-seed$s/bc.zip"; [ $policy = bc ] || model="$run/refined.zip"
    out="$OUT/eval-$policy-$LABEL-seed$s-more-layouts.json"
    [ -e "$out" ] || $DREAMGYM evaluate --model "$model" --bundle "$BUNDLE" --seeds $others \
      --episodes 50 --real-only --out "$out" --no-progress
  done
  # The refined policy's closed-loop decision fidelity on the benchmark's 30 layouts (about 3 min): where
  # its real and imagined outcomes part (BC's: closed-loop-yellow-9000-seq-bc-seed$s-teacher.json).
  out=benchmarks/decision_fidelity/closed_loop/closed-loop-$LABEL-seed$s-teacher.json
  [ -e "$out" ] || $PY benchmarks/decision_fidelity/closed_loop.py --bundle "$BUNDLE" --sampler teacher \
    --policy "$run/refined.zip" --label $LABEL-seed$s-teacher
done
