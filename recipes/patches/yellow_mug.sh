# Sourced by the yellow-mug recipes (bash, from the repository root): draws the coffee-pull mug yellow
# while the recipe runs by applying coffee_pull_yellow_mug.patch to dreamgym/tasks.py, and takes it
# back when the recipe exits, however it exits. The shipped rendering keeps the white mug.
patch=recipes/patches/coffee_pull_yellow_mug.patch
git apply --check "$patch" || { echo "cannot apply $patch to dreamgym/tasks.py (changed there?)" >&2; exit 2; }
git apply "$patch"
trap 'git apply -R "$patch"' EXIT
