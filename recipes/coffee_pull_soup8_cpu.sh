#!/usr/bin/env bash
# Session 33 (issue 10): do more clonings shrink the strong BC's remaining losses? The two draws of the soup default that
# lost 4.7 points on the shipped BC (seed 3: runs/refine-default31/shipped-s3, seed 4: runs/refine-default33/shipped-s4)
# re-imitated as a soup of eight (--imitation-seeds 8; its first four clonings are the four-cloning soup's). A probe
# for the next session, not a rule: two draws cannot change the default.
# Each refined policy is evaluated on the 150 held-out layouts of benchmarks/policy/gpu-scale/.
# Cost on a 2-core CPU: about 5 min of imitation and 3-4 min of evaluation per draw.
# Usage: bash recipes/coffee_pull_soup8_cpu.sh
source "$(dirname "$0")/common.sh"
refine_on_copied_episodes soup8 shipped envs/coffee-pull/policies/bc.zip 3 runs/refine-default31/shipped-s3 --imitation-seeds 8
refine_on_copied_episodes soup8 shipped envs/coffee-pull/policies/bc.zip 4 runs/refine-default33/shipped-s4 --imitation-seeds 8
