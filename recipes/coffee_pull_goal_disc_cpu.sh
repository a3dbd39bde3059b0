#!/usr/bin/env bash
# Regenerate the shipped envs/coffee-pull learned simulator and BC policy on a 2-core CPU, as they were produced:
# frames with the goal drawn as a 7 cm disc (the success radius; dreamgym.tasks.GoalMarker), data with
# counterfactual branches, and the world model fine-tuned from the previous simulator.
#   1. the World4RL mix in the new rendering: 50 expert + 150 noisy-expert + 30 random episodes (~2 min)
#   2. BC on the 50 expert demos (4000 steps, ~4 min; the weights with the best held-out NLL are kept)
#   3. 150 BC-policy rollouts and 150 counterfactual branches (expert or BC up to a random decision,
#      then stop / slow / weak grip / release / lift / lateral offset) (~10 min)
#   4. the world model fine-tuned from the previous shipped simulator (commit c57ea61, trained on the old
#      rendering: recipes/world_model_cpu.sh + recipes/policy_cpu.sh) on all 530 episodes (WM_STEPS steps)
#   5. the reward classifier on real frames and frames imagined by that world model (2000 steps)
#   6. export (first 20 frames of every training episode as starting states: bundle under 50 MB), BC shipped
#   7. benchmarks: decision fidelity (new simulator), world-model fidelity (PSNR), reward classifier
#   8. two more BC seeds, the policy benchmark (every refinement variant), the shipped refined.zip
# Resumable: collection skips recorded episodes and training resumes from its checkpoint.
# Usage: bash recipes/coffee_pull_goal_disc_cpu.sh [RUNS_ROOT]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${1:-runs}"
WM_STEPS="${WM_STEPS:-1500}"
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"
$DREAMGYM collect --task coffee-pull --out data --workers 2 --no-progress
[ -e "$ROOT/bc-coffee-pull/bc.zip" ] || \
  $DREAMGYM train-bc --data data --task coffee-pull --out "$ROOT/bc-coffee-pull/bc.zip" --steps 4000 --seed 0 --no-progress
$DREAMGYM collect --task coffee-pull --out data --expert 0 --noisy-expert 0 --random 0 \
  --bc 150 --branch 150 --bc-policy "$ROOT/bc-coffee-pull/bc.zip" --workers 2 --no-progress
if [ ! -e "$ROOT/previous-bundle/manifest.json" ]; then
  mkdir -p "$ROOT/previous-bundle"
  git archive c57ea61 envs/coffee-pull | tar -x -C "$ROOT/previous-bundle" --strip-components 2
fi
# That release predates recorded checksums; it comes from this repository's history, so record them.
$PY -c "import sys; from dreamgym.bundle import record_checksums; record_checksums(sys.argv[1])" "$ROOT/previous-bundle"
$DREAMGYM train-world-model --data data --task coffee-pull --out "$ROOT/world-model-coffee-pull-disc" \
  --init-from "$ROOT/previous-bundle" --batch-size 32 --lr 3e-4 --steps "$WM_STEPS" \
  --checkpoint-every 250 --eval-every 1250 --seed 0 --no-progress
$DREAMGYM train-reward --data data --task coffee-pull --out "$ROOT/reward-coffee-pull-disc" --steps 2000 --no-progress \
  --world-model "$ROOT/world-model-coffee-pull-disc/world_model" --imagined-horizon 8
$DREAMGYM export-bundle --run "$ROOT/world-model-coffee-pull-disc" --reward-run "$ROOT/reward-coffee-pull-disc" \
  --out envs/coffee-pull --initial-state-frames 20 \
  --notes "CPU recipe: recipes/coffee_pull_goal_disc_cpu.sh (goal drawn as a 7 cm disc; data with counterfactual branches; world model fine-tuned $WM_STEPS steps from the previous simulator, commit c57ea61)."
mkdir -p envs/coffee-pull/policies
cp "$ROOT/bc-coffee-pull/bc.zip" envs/coffee-pull/policies/bc.zip
$PY benchmarks/decision_fidelity/run.py --label shipped
$PY benchmarks/world_model_fidelity/run.py --model two_hot=envs/coffee-pull/world_model
$PY benchmarks/reward_classifier/run.py --bundle envs/coffee-pull
# Three independently trained BC policies, every refinement variant of the policy benchmark (about
# 100 min on the 2-core CPU), and the shipped refined policy: dreamgym refine's defaults (the
# combined guards) on BC seed 0.
for s in 1 2; do
  [ -e "$ROOT/bc-coffee-pull-seed$s/bc.zip" ] || \
    $DREAMGYM train-bc --data data --task coffee-pull --out "$ROOT/bc-coffee-pull-seed$s/bc.zip" --steps 4000 --seed $s --no-progress
done
$PY benchmarks/policy/run.py --runs "$ROOT/policy-bench" --iterations 15 --curve-episodes 12 --criterion-episodes 16 \
  --bc "$ROOT/bc-coffee-pull/bc.zip" "$ROOT/bc-coffee-pull-seed1/bc.zip" "$ROOT/bc-coffee-pull-seed2/bc.zip"
cp "$ROOT/policy-bench/combined-seed0/refined.zip" envs/coffee-pull/policies/refined.zip
