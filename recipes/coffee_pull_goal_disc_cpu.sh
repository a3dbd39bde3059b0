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
#   9. experiment, not shipped (benchmarks/policy/bcseeds/README.md): rollouts and branches of BC seeds 1 and 2
#      in the data, the world model fine-tuned on them, reward classifier, export to $ROOT/bundle-bcseeds,
#      its decision fidelity (label bcseeds-teacher) and BC in its dream
#  10. the shipped world model distilled into a one-step student (600 steps, ~10 min), added to
#      envs/coffee-pull as the default sampler; decision fidelity, fidelity and speed of student vs teacher
# Resumable: collection skips recorded episodes and training resumes from its checkpoint.
# Usage: bash recipes/coffee_pull_goal_disc_cpu.sh [RUNS_ROOT]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${1:-runs}"
WM_STEPS="${WM_STEPS:-1500}"
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"
$DREAMGYM collect --task coffee-pull --out data --workers 2 --no-progress
# --keep best-validated: BC as it was made when this recipe ran (train-bc now saves weight-averaged BC by default)
[ -e "$ROOT/bc-coffee-pull/bc.zip" ] || \
  $DREAMGYM train-bc --data data --task coffee-pull --out "$ROOT/bc-coffee-pull/bc.zip" --steps 4000 --seed 0 --keep best-validated --no-progress
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
    $DREAMGYM train-bc --data data --task coffee-pull --out "$ROOT/bc-coffee-pull-seed$s/bc.zip" --steps 4000 --seed $s --keep best-validated --no-progress
done
$PY benchmarks/policy/run.py --runs "$ROOT/policy-bench" --iterations 15 --curve-episodes 12 --criterion-episodes 16 \
  --bc "$ROOT/bc-coffee-pull/bc.zip" "$ROOT/bc-coffee-pull-seed1/bc.zip" "$ROOT/bc-coffee-pull-seed2/bc.zip"
cp "$ROOT/policy-bench/combined-seed0/refined.zip" envs/coffee-pull/policies/refined.zip
# 9. Experiment (not shipped): coverage of the failures of two more BC policies.
for s in 1 2; do
  $DREAMGYM collect --task coffee-pull --out data-bcseeds/s$s --expert 0 --noisy-expert 0 --random 0 \
    --bc 100 --branch 100 --bc-policy "$ROOT/bc-coffee-pull-seed$s/bc.zip" --seed-offset ${s}0000 --workers 2 --no-progress
done
if [ ! -d data-mix ]; then  # one dataset root: hard links to data/ and the new episodes
  mkdir -p data-mix/coffee-pull
  cp -al data/coffee-pull/* data-mix/coffee-pull/
  for s in 1 2; do for src in bc branch; do cp -al data-bcseeds/s$s/coffee-pull/$src data-mix/coffee-pull/$src-bcseed$s; done; done
fi
$DREAMGYM train-world-model --data data-mix --task coffee-pull --out "$ROOT/world-model-coffee-pull-bcseeds" \
  --init-from "$ROOT/world-model-coffee-pull-disc/world_model" --batch-size 32 --lr 3e-4 --steps 1500 \
  --checkpoint-every 250 --eval-every 1500 --seed 0 --no-progress
$DREAMGYM train-reward --data data-mix --task coffee-pull --out "$ROOT/reward-coffee-pull-bcseeds" --steps 2000 --no-progress \
  --world-model "$ROOT/world-model-coffee-pull-bcseeds/world_model" --imagined-horizon 8
$DREAMGYM export-bundle --run "$ROOT/world-model-coffee-pull-bcseeds" --reward-run "$ROOT/reward-coffee-pull-bcseeds" \
  --out "$ROOT/bundle-bcseeds" --initial-state-frames 14 \
  --notes "CPU recipe: recipes/coffee_pull_goal_disc_cpu.sh step 9 (the step-4 world model fine-tuned 1500 more steps on data with rollouts and branches of BC seeds 1 and 2)."
$PY benchmarks/decision_fidelity/run.py --bundle "$ROOT/bundle-bcseeds" --sampler teacher --policy envs/coffee-pull/policies/bc.zip --label bcseeds-teacher
# (benchmarks/policy/bcseeds/results.json: the same simulator, with a distilled student as step 10 makes, copied into
# envs/coffee-pull for the first step of: benchmarks/policy/run.py --runs "$ROOT/policy-bench-bcseeds" --variants combined
# --full-variants combined --iterations 15 --curve-episodes 12 --criterion-episodes 16 --out benchmarks/policy/bcseeds/results.json)

# 10. The shipped world model distilled into a one-step student, the bundle's default sampler.
$DREAMGYM distill-world-model --teacher envs/coffee-pull --data data --task coffee-pull --out "$ROOT/distill-shipped" \
  --steps 600 --batch-size 16 --lr 1e-4 --checkpoint-every 50 --eval-every 150 --no-progress
$DREAMGYM add-distilled-world-model --bundle envs/coffee-pull --distill-run "$ROOT/distill-shipped" \
  --notes "Default sampler: a one-step student of this world model (dreamgym distill-world-model, 600 steps, batch 16, lr 1e-4, from its 3-step sampler; stored in float16)."
# the teacher's decision fidelity is label "shipped" (step 7: same bundle files, trials and dream seed)
$PY benchmarks/decision_fidelity/run.py --sampler distilled --label shipped-distilled
$PY benchmarks/world_model_fidelity/run.py --out benchmarks/world_model_fidelity/distilled \
  --model teacher-3-steps=envs/coffee-pull/world_model@3 --model teacher-1-step=envs/coffee-pull/world_model@1 \
  --model distilled-1-step=envs/coffee-pull/distilled_world_model@1
$PY benchmarks/dream_throughput/run.py --bundle envs/coffee-pull --device cpu --num-envs 1 4 16 64 256 --denoising-steps 1 3
$PY benchmarks/dream_throughput/threads.py --bundle envs/coffee-pull
# The refined.zip shipped until recipes/coffee_pull_refine_gpu.sh replaced it: dreamgym refine's defaults of
# that time (anchor 1.0, 16 worlds, batch 128, 15 iterations; now the explicit flags) with the distilled
# sampler on each BC seed, each evaluated on its 50 held-out layouts (benchmarks/policy/distilled-sampler/).
for s in 0 1 2; do
  bc="$ROOT/bc-coffee-pull/bc.zip"; [ $s = 0 ] || bc="$ROOT/bc-coffee-pull-seed$s/bc.zip"
  $DREAMGYM refine --method ppo --bc-model "$bc" --out "$ROOT/refine-distilled-seed$s" --seed $s --no-progress \
    --anchor-kl 1.0 --num-envs 16 --batch-size 128 --iterations 15
  $DREAMGYM evaluate --model "$ROOT/refine-distilled-seed$s/refined.zip" --seeds $s --episodes 50 --real-only \
    --no-progress --out "$ROOT/refine-distilled-seed$s/eval-real.json"
done
# (it was copied to envs/coffee-pull/policies/refined.zip; the shipped one now comes from coffee_pull_refine_gpu.sh)
