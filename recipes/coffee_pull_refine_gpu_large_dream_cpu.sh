#!/usr/bin/env bash
# Experiment (issue 10, after benchmarks/decision_fidelity/GPU.md): does refinement gain more in reality when
# PPO trains in the dream of the H100-trained `gpu-large` world model, which imagines about half as many of
# BC's real failed grasps as successes in closed loop as the shipped one (29 vs 57 of 64), but misses 23 of
# 116 real successes?  On the 2-core CPU:
#   1. a one-step student of gpu-large (runs/bundle-gpu-large-reward: its world model + the classifier
#      retrained on its imagined frames) distilled the shipped way (600 steps, ~15 min), in a copy of that bundle;
#   2. closed-loop decision fidelity of the student on the three BC seeds (labels gpu-large-student-*);
#   3. `dreamgym refine` with the cheap CPU recipe (anchor 0.1, 64 worlds, batch 512, ITERATIONS iterations)
#      in that dream for each BC seed, evaluated on the same 150 held-out real layouts as
#      benchmarks/policy/gpu-scale/ (compare with cpu-anchor0.1-envs64-it24-seed<s>.json, the shipped dream).
# Needs: runs/bundle-gpu-large-reward (recipes/coffee_pull_world_model_gpu.sh + GPU.md), runs/bc-seed{1,2}.
# Resumable. Usage: bash recipes/coffee_pull_refine_gpu_large_dream_cpu.sh   (env: SEEDS, ITERATIONS)
set -euo pipefail
cd "$(dirname "$0")/.."
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"
ITERATIONS="${ITERATIONS:-24}"
BUNDLE=runs/bundle-gpu-large-student
OUT=benchmarks/policy/gpu-large-dream
mkdir -p "$OUT"
if [ ! -d "$BUNDLE/distilled_world_model" ]; then
  $DREAMGYM distill-world-model --teacher runs/bundle-gpu-large-reward --data data --task coffee-pull \
    --out runs/distill-gpu-large --steps 600 --batch-size 16 --lr 1e-4 --checkpoint-every 50 --eval-every 150 --no-progress
  rm -rf "$BUNDLE.tmp" && cp -r runs/bundle-gpu-large-reward "$BUNDLE.tmp"
  $DREAMGYM add-distilled-world-model --bundle "$BUNDLE.tmp" --distill-run runs/distill-gpu-large \
    --notes "Experiment: a one-step student of the H100-trained gpu-large world model (600 steps, batch 16, lr 1e-4, CPU)."
  mv "$BUNDLE.tmp" "$BUNDLE"
fi
bc_of() { if [ "$1" = 0 ]; then echo envs/coffee-pull/policies/bc.zip; else echo "runs/bc-seed$1/bc.zip"; fi; }
for s in ${SEEDS:-0 1 2}; do
  cl=benchmarks/decision_fidelity/closed_loop/closed-loop-gpu-large-student-bc-seed$s-distilled.json
  [ -e "$cl" ] || $PY benchmarks/decision_fidelity/closed_loop.py --bundle "$BUNDLE" --sampler distilled \
    --policy "$(bc_of "$s")" --label "gpu-large-student-bc-seed$s-distilled"
  run="runs/refine-gpu-large-dream/anchor0.1-envs64-it$ITERATIONS-seed$s"
  [ -e "$run/refined.zip" ] || $DREAMGYM refine --method ppo --bundle "$BUNDLE" --bc-model "$(bc_of "$s")" --out "$run" --seed 0 \
    --anchor-kl 0.1 --num-envs 64 --batch-size 512 --iterations "$ITERATIONS" --checkpoint-every 6 --no-progress
  cp "$run/history.json" "$OUT/history-anchor0.1-envs64-it$ITERATIONS-seed$s.json"
  out="$OUT/anchor0.1-envs64-it$ITERATIONS-seed$s.json"
  [ -e "$out" ] || $DREAMGYM evaluate --model "$run/refined.zip" --seeds 0 1 2 --episodes 50 --real-only --out "$out" --no-progress
done
