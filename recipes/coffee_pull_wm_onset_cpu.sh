#!/usr/bin/env bash
# Experiment (issue 9, deliverable 3: coverage-aware sampling where decisions are made). The dream's remaining errors are
# "action-marginalised": the real gripper re-opens or weakens and the mug stays behind, the imagined mug follows the arm.
# A counterfactual branch holds exactly that moment: up to its decision the frames are the base policy's, from there
# on the action differs, so in its first windows only the actions tell what happens next. Uniform sampling draws them
# rarely; `--window-sampling branch-onset` gives the first DECISIONS windows of every branch a fixed share of every
# batch (dreamgym.data.branch_windows). Everything else is the `slips` run of coffee_pull_wm_slips_cpu.sh, its
# matched control (same data, steps, rate and seed; uniform windows):
#   1. data-slipmix/ (coffee_pull_wm_slips_cpu.sh steps 1-2; needs data/ from coffee_pull_goal_disc_cpu.sh steps 1-3)
#   2. the shipped world model fine-tuned 1500 steps at batch 32, lr 1e-4 cosine-annealed to 0, seed 0, with
#      SHARE (default 0.3) of every batch from the first DECISIONS (default 4) windows of the 390 branches (label onset)
#   3. exported with the shipped reward classifier; decision fidelity with the 3-step teacher sampler on the benchmark's
#      layouts and on the second set (--seed-offset 5000), like slips, slips-control and shipped
#   4. PSNR on held-out real trajectories next to the shipped model
#   5. the shipped simulator judged again on the same real trials (label shipped-session27: real trials recorded on
#      another machine differ in BC's actions' last digits), and both pooled over the two layout sets (pool.py)
# Resumable: a step whose output exists is skipped. Usage: bash recipes/coffee_pull_wm_onset_cpu.sh [RUNS_ROOT]
source "$(dirname "$0")/common.sh"
ROOT="${1:-runs}"
STEPS="${ONSET_STEPS:-1500}"
SHARE="${ONSET_SHARE:-0.3}"
DECISIONS="${ONSET_DECISIONS:-4}"
LABEL="${ONSET_LABEL:-onset}"
SLIPS_DATA_ONLY=1 bash recipes/coffee_pull_wm_slips_cpu.sh "$ROOT"

run="$ROOT/wm-$LABEL"
bundle="$ROOT/bundle-$LABEL"
[ -e "$run/world_model/model.safetensors" ] || \
  $DREAMGYM train-world-model --data data-slipmix --task coffee-pull --out "$run" --init-from envs/coffee-pull \
    --batch-size 32 --lr 1e-4 --lr-decay-steps "$STEPS" --steps "$STEPS" --checkpoint-every 250 \
    --eval-every "$STEPS" --seed 0 --window-sampling branch-onset --branch-onset "$SHARE" "$DECISIONS" --no-progress
[ -e "$bundle/manifest.json" ] || \
  $DREAMGYM export-bundle --run "$run" --reward-run envs/coffee-pull --out "$bundle" --initial-state-frames 20 \
    --notes "recipes/coffee_pull_wm_onset_cpu.sh (label $LABEL): $STEPS steps from envs/coffee-pull on data-slipmix, branch-onset windows $SHARE x $DECISIONS, lr 1e-4 annealed, shipped classifier"
[ -e "benchmarks/decision_fidelity/results-$LABEL.json" ] || \
  $PY benchmarks/decision_fidelity/run.py --bundle "$bundle" --sampler teacher \
    --policy envs/coffee-pull/policies/bc.zip --label "$LABEL"
[ -e "benchmarks/decision_fidelity/results-$LABEL-layouts5000.json" ] || \
  $PY benchmarks/decision_fidelity/run.py --bundle "$bundle" --sampler teacher --seed-offset 5000 \
    --policy envs/coffee-pull/policies/bc.zip --label "$LABEL-layouts5000"
[ -e "benchmarks/world_model_fidelity/$LABEL/results.json" ] || \
  $PY benchmarks/world_model_fidelity/run.py --out "benchmarks/world_model_fidelity/$LABEL" --data "$ROOT/wmf-heldout" \
    --model shipped=envs/coffee-pull/world_model@3 --model "${LABEL//-/_}=$run/world_model@3" \
    --note "recipes/coffee_pull_wm_onset_cpu.sh: the shipped world model fine-tuned $STEPS steps (lr 1e-4 annealed) on data-slipmix with branch-onset windows ($SHARE of every batch from the first $DECISIONS windows of every branch)"
for offset in 0 5000; do
  suffix=""; [ $offset = 0 ] || suffix="-layouts$offset"
  [ -e "benchmarks/decision_fidelity/results-shipped-session27$suffix.json" ] || \
    $PY benchmarks/decision_fidelity/run.py --bundle envs/coffee-pull --sampler teacher --seed-offset $offset \
      --policy envs/coffee-pull/policies/bc.zip --label "shipped-session27$suffix"
done
for label in "$LABEL" shipped-session27; do
  $PY benchmarks/decision_fidelity/pool.py --label "$label-60-layouts" \
    "benchmarks/decision_fidelity/results-$label.json" "benchmarks/decision_fidelity/results-$label-layouts5000.json"
done
