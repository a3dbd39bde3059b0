#!/usr/bin/env bash
# Issue 10, session 25: a second, independently trained world model as judge of the dream's confirmed successes.
#
# About half of the imagined successes `dreamgym refine` imitates fail when their actions are replayed in reality, and
# re-imagining them with the same world model reproduces its own mistakes (session 21). A world model trained from
# scratch with another seed may err elsewhere: the H100-trained `gpu-large` one, as a judge, removed four of five
# hallucinated successes in closed loop (benchmarks/decision_fidelity, "A second dream as judge"), but it is not
# available on this machine.
# Step 1 trains a judge on the CPU (the shipped architecture, 64 64 128 128, on the shipped data recipe in `data/`,
# seed 1, STEPS steps at batch 32, the rate annealed over the last DECAY) and exports it with the shipped reward
# classifier.
# Step 2 re-imagines the confirmed successes of the seed-0 one-pass late runs of the three BC policies once with it,
# from the same real start and with the same actions (`dream_episode_rescore.py --judge-bundle`, 3-step sampler), and,
# as the control, once with the shipped world model itself; `dream_judge_table.py` reads the precision of what each
# confirms against the open-loop real replays of session 21 (JUDGE.md). No real step is taken here.
# Imitating only what the judge confirms would be `dream_filtered_bc_pooled.py --judged-by <report>` (not run: the
# judge raised precision by 3-6 points only, and session 24 found no gain from 10).
# Needs `data/` (coffee_pull_goal_disc_cpu.sh steps 1-3), the runs of coffee_pull_dream_filtered_bc_seeds_rounds_cpu.sh
# and their real_replay.json (coffee_pull_dream_filtered_bc_diagnostics_cpu.sh). 2-core CPU: 0.95 s per training
# step (4553 s for 4800 steps); 62-102 s per rescore.
# Usage: STEPS=4800 DECAY=1600 bash recipes/coffee_pull_second_dream_judge_cpu.sh   (a rerun resumes the training)
source "$(dirname "$0")/common.sh"
STEPS="${STEPS:-4800}"
DECAY="${DECAY:-1600}"
RUN="${RUN:-runs/wm-judge-cpu}"
BUNDLE="${BUNDLE:-runs/bundle-judge-cpu}"
OUT=benchmarks/policy/dream-filtered-bc
limit=(); [ -z "${MINUTES:-}" ] || limit=(--time-limit-minutes "$MINUTES")
mkdir -p "$RUN"
$DREAMGYM train-world-model --out "$RUN" --data data --task coffee-pull --channels 64 64 128 128 --layers-per-block 1 \
  --patch-size 2 --batch-size 32 --lr 3e-4 --steps "$STEPS" --lr-decay-steps "$DECAY" --seed 1 \
  --checkpoint-every 500 --eval-every 100000 --no-progress "${limit[@]}" >> "$RUN/train.log" 2>&1 || {
    tail -n 20 "$RUN/train.log"; exit 1; }
[ -e "$BUNDLE/manifest.json" ] || $DREAMGYM export-bundle --run "$RUN" --reward-run envs/coffee-pull --out "$BUNDLE" \
  --initial-state-frames 20 --notes "recipes/coffee_pull_second_dream_judge_cpu.sh: $STEPS steps from scratch, seed 1, 2-core CPU"
for name in bv0s18 bv1s18 bv2s18; do  # step 2
  run="runs/dream-filtered-bc/$name-s0-late"
  report="$OUT/judge-rescore-$name-s0-late.json"
  [ -e "$report" ] || $PY benchmarks/policy/dream_episode_rescore.py "$run" --judge-bundle "$BUNDLE" \
    --sampler teacher --rerolls 1 --which confirmed --out "$report"
  control="$OUT/self-rescore-$name-s0-late.json"
  [ -e "$control" ] || $PY benchmarks/policy/dream_episode_rescore.py "$run" --sampler teacher \
    --rerolls 1 --which confirmed --out "$control"
done
$PY benchmarks/policy/dream_judge_table.py "$OUT" > "$OUT/JUDGE.md"
