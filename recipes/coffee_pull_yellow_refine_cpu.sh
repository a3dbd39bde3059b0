#!/usr/bin/env bash
# Experiment (issues 9/10, not shipped), after recipes/coffee_pull_yellow_mug_cpu.sh: does the yellow-mug
# dream, which tells failed grasps apart better with every training segment (closed loop it imagines
# 72% of real failures as successes at 4000 steps and 54% at 5500, against 98% in the shipped white
# dream), turn into a real gain?
# 1. The reward classifier again on the yellow data, now with its threshold chosen on held-out
#    episodes (dreamgym.reward.train.choose_threshold); exported with the BUNDLE_STEPS world model as
#    bundle-BUNDLE_STEPS-seq and judged by the decision-fidelity benchmark (label yellow-STEPS-seq).
# 2. Each yellow-frame BC seed refined with `dreamgym refine`'s defaults in that dream (teacher sampler:
#    the bundle has no distilled student); BC and the refined policy evaluated in real Meta-World on the
#    same 50 held-out layouts per seed (the policy benchmark's evaluation seeds) and in the dream.
# 3. Closed-loop decision fidelity of the BC seeds in that dream.
# About 2 min of classifier training, 5 min of decision fidelity, 10 min of refinement and 3 min of
# evaluation per seed, and 7 min of closed loop on the 2-core CPU.
# Like the recipe before it, it applies recipes/patches/coffee_pull_yellow_mug.patch while it runs.
# Usage: bash recipes/coffee_pull_yellow_refine_cpu.sh [RUNS_ROOT]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${1:-runs}/yellow"
STEPS="${BUNDLE_STEPS:-9000}"
DATA="${YELLOW_DATA:-data-yellow}"
BUNDLE="$ROOT/bundle-$STEPS-seq"
LABEL="yellow-$STEPS-seq"
OUT=benchmarks/policy/yellow
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"
source recipes/patches/yellow_mug.sh  # the yellow mug until this recipe exits
[ -e "$ROOT/reward-seq/reward_model" ] || \
  $DREAMGYM train-reward --data "$DATA" --task coffee-pull --out "$ROOT/reward-seq" --steps 2000 --no-progress
if [ ! -e "$BUNDLE/manifest.json" ]; then
  trained=$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['steps'])" "$ROOT/wm/summary.json")
  [ "$trained" = "$STEPS" ] || { echo "$ROOT/wm holds a $trained-step world model, not $STEPS" >&2; exit 2; }
  $DREAMGYM export-bundle --run "$ROOT/wm" --reward-run "$ROOT/reward-seq" --out "$BUNDLE" --initial-state-frames 20 \
    --notes "recipes/coffee_pull_yellow_refine_cpu.sh: mug drawn yellow; $STEPS steps from envs/coffee-pull on $DATA; reward classifier on real frames, threshold chosen on held-out episodes"
fi
[ -e benchmarks/decision_fidelity/results-$LABEL.json ] || \
  $PY benchmarks/decision_fidelity/run.py --bundle "$BUNDLE" --sampler teacher --policy "$ROOT/bc-seed0/bc.zip" --label $LABEL
mkdir -p "$OUT"
for s in 2 1 0; do
  bc="$ROOT/bc-seed$s/bc.zip"
  run="$ROOT/refine-$STEPS-seq-seed$s"
  [ -e "$run/refined.zip" ] || \
    $DREAMGYM refine --method ppo --bc-model "$bc" --bundle "$BUNDLE" --out "$run" --seed $s --no-progress \
      --anchor-kl 1.0 --num-envs 16 --batch-size 128 --iterations 15  # the defaults when this ran
  cp "$run/summary.json" "$OUT/refine-$LABEL-seed$s.json"
  cp "$run/history.json" "$OUT/history-$LABEL-seed$s.json"  # dream success and KL to BC per iteration
  for policy in bc refined; do
    model="$bc"; [ $policy = bc ] || model="$run/refined.zip"
    out="$OUT/eval-$policy-$LABEL-seed$s.json"
    [ -e "$out" ] || $DREAMGYM evaluate --model "$model" --bundle "$BUNDLE" --sampler teacher --seeds $s \
      --episodes 50 --dream-episodes 32 --out "$out" --no-progress
  done
done
for s in 2 1 0; do
  out=benchmarks/decision_fidelity/closed_loop/closed-loop-$LABEL-bc-seed$s-teacher.json
  [ -e "$out" ] || $PY benchmarks/decision_fidelity/closed_loop.py --bundle "$BUNDLE" --sampler teacher \
    --policy "$ROOT/bc-seed$s/bc.zip" --label $LABEL-bc-seed$s-teacher
done
