#!/usr/bin/env bash
# Experiment (issue 10): model-ensemble pessimism. PPO trains in the shipped dream (its one-step student),
# but an imagined success pays only if a second, independently trained learned simulator agrees: the
# H100-trained gpu-large world model (its one-step student, runs/bundle-gpu-large-student, made by
# recipes/coffee_pull_refine_gpu_large_dream_cpu.sh) replays the whole imagined episode with the same
# actions from its real start context, and its own classifier must fire on the last frame
# (`dreamgym refine --confirm-rerolls 1 --confirm-horizon 20 --confirm-judge ...`).
#   1. closed-loop decision fidelity with the judge (--confirm-horizon 47: the whole 50-decision episode
#      after the real first 4 frames) for the GPU-refined policies (benchmarks/policy/gpu-scale/, whose real
#      failures the shipped dream imagines as successes 44 of 48 times) and for the three BC seeds (with and
#      without the judge);
#   2. `dreamgym refine` with the cheap CPU recipe (anchor 0.1, 64 worlds, batch 512, ITERATIONS iterations)
#      and the judge, for each BC seed, evaluated on the same 150 held-out real layouts as
#      benchmarks/policy/gpu-scale/ (compare with cpu-anchor0.1-envs64-it24-seed<s>.json: the same without judge).
# Needs runs/refine-gpu (recipes/coffee_pull_refine_gpu.sh) and runs/bc-seed{1,2}. Resumable.
# The refine stage was run with SEEDS="1 2 0"; seed 0 was stopped at iteration 8 (another experiment needed the
# CPU) and resumed later from its iteration-6 checkpoint with STAGES=refine SEEDS=0.
# Usage: bash recipes/coffee_pull_refine_judge_cpu.sh   (env: SEEDS, default 0 1 2; ITERATIONS, default 24; STAGES)
set -euo pipefail
cd "$(dirname "$0")/.."
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"
ITERATIONS="${ITERATIONS:-24}"
JUDGE=runs/bundle-gpu-large-student
OUT=benchmarks/policy/gpu-scale
CL_OUT=benchmarks/decision_fidelity/closed_loop
bc_of() { if [ "$1" = 0 ]; then echo envs/coffee-pull/policies/bc.zip; else echo "runs/bc-seed$1/bc.zip"; fi; }
closed_loop() {  # policy label [confirmation flags]
  [ -e "$CL_OUT/closed-loop-$2.json" ] || $PY benchmarks/decision_fidelity/closed_loop.py --sampler distilled \
    --policy "$1" --label "$2" "${@:3}"
}
JUDGED=(--confirm-rerolls 1 --confirm-horizon 47 --confirm-judge "$JUDGE")
for stage in ${STAGES:-closed-loop refine}; do
  for s in ${SEEDS:-0 1 2}; do
    if [ "$stage" = closed-loop ]; then
      closed_loop "runs/refine-gpu/anchor0.1-seed$s/refined.zip" "judge-gpu-refined-anchor0.1-seed$s-distilled" "${JUDGED[@]}"
      closed_loop "$(bc_of "$s")" "judge-bc-seed$s-distilled" "${JUDGED[@]}"
      closed_loop "$(bc_of "$s")" "shipped-distilled-bc-seed$s"  # the same without the judge
      if [ "$s" = 1 ]; then  # does the judge only disagree on when the mug arrives? any of its 47 frames may confirm
        closed_loop "runs/refine-gpu/anchor0.1-seed$s/refined.zip" "judge-window47-gpu-refined-anchor0.1-seed$s-distilled" \
          "${JUDGED[@]}" --confirm-window 47
        closed_loop "$(bc_of "$s")" "judge-window47-bc-seed$s-distilled" "${JUDGED[@]}" --confirm-window 47
      fi
    else
      run="runs/refine-judge/anchor0.1-envs64-it$ITERATIONS-seed$s"
      [ -e "$run/refined.zip" ] || $DREAMGYM refine --method ppo --bc-model "$(bc_of "$s")" --out "$run" --seed 0 --anchor-kl 0.1 \
        --num-envs 64 --batch-size 512 --iterations "$ITERATIONS" --checkpoint-every 6 --no-progress \
        --confirm-rerolls 1 --confirm-horizon 20 --confirm-judge "$JUDGE"
      cp "$run/history.json" "$OUT/cpu-history-judge-anchor0.1-envs64-it$ITERATIONS-seed$s.json"
      out="$OUT/cpu-judge-anchor0.1-envs64-it$ITERATIONS-seed$s.json"
      [ -e "$out" ] || $DREAMGYM evaluate --model "$run/refined.zip" --seeds 0 1 2 --episodes 50 --real-only --out "$out" --no-progress
    fi
  done
done
