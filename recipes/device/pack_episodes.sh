#!/usr/bin/env bash
# Pack a dreamgym episode folder into one .tar.xz small enough to carry to a lent GPU machine:
# every episode rewritten as an uncompressed .npz (same arrays), then tar | xz -6. xz over the raw
# frames finds the redundancy that zlib inside each .npz misses (530 coffee-pull episodes: 48 MB of
# .npz -> 27 MB). Unpack there with `tar -xJf OUT`; the folder comes back under its own name (its
# last path component, also when DATA_FOLDER is given as an absolute path).
# Usage: bash recipes/device/pack_episodes.sh DATA_FOLDER OUT.tar.xz   (run from the repository root)
set -euo pipefail
data="${1:?episode folder, e.g. data}"; out="${2:?output .tar.xz}"
PY="${PY:-.venv/bin/python}"
staging=$(mktemp -d); trap 'rm -rf "$staging"' EXIT
"$PY" - "$data" "$staging" <<'PY'
import sys
from pathlib import Path

import numpy as np

data, staging = Path(sys.argv[1]), Path(sys.argv[2])
files = sorted(data.rglob("*.npz"))
for path in files:
    target = staging / data.resolve().name / path.relative_to(data)  # never a path outside the staging folder
    target.parent.mkdir(parents=True, exist_ok=True)
    with np.load(path, allow_pickle=False) as archive:
        np.savez(target, **{name: archive[name] for name in archive.files})
print(f"{len(files)} episodes repacked")
PY
tar -C "$staging" -cf - "$(basename "$(realpath "$data")")" | xz -T2 -6 > "$out"
ls -la "$out"
