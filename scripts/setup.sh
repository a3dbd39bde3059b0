#!/usr/bin/env bash
# Set up everything dreamgym needs, idempotently: a virtual environment in .venv, torch==2.13.0 (CPU)
# before anything that depends on torch, dreamgym with its extras, and Debian's EGL/OSMesa packages
# when offscreen rendering does not work yet. A second run only checks and returns in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
TORCH_VERSION="2.13.0"
EXTRAS="${DREAMGYM_EXTRAS:-metaworld,sb3,dev}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
fi
PY="$VENV/bin/python"

if ! "$PY" -c "import sys, torch; sys.exit(torch.__version__.split('+')[0] != '$TORCH_VERSION')" 2>/dev/null; then
  echo "[setup] installing torch==$TORCH_VERSION first (CPU build; a later unpinned torch would pull CUDA)"
  "$PY" -m pip install --quiet "torch==$TORCH_VERSION"
fi

stamp="$VENV/.dreamgym-installed"
wanted="$(sha1sum pyproject.toml | cut -d' ' -f1) $EXTRAS"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "[setup] installing dreamgym[$EXTRAS] (editable)"
  "$PY" -m pip install --quiet -e ".[$EXTRAS]"
  echo "$wanted" > "$stamp"
fi

if [[ ",$EXTRAS," == *",metaworld,"* ]] && ! "$VENV/bin/dreamgym" check-rendering 2>/dev/null; then
  echo "[setup] offscreen rendering does not work yet: installing Debian's EGL and OSMesa packages"
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libegl1 libgl1-mesa-dri libglvnd0 libopengl0 libosmesa6 >/dev/null
  else
    echo "[setup] run as root (or with sudo): apt-get install -y libegl1 libgl1-mesa-dri libglvnd0 libopengl0 libosmesa6" >&2
  fi
  "$VENV/bin/dreamgym" check-rendering || MUJOCO_GL=osmesa "$VENV/bin/dreamgym" check-rendering
fi
echo "[setup] ready: $("$PY" -c 'import dreamgym, torch; print("dreamgym", dreamgym.__version__, "torch", torch.__version__)')"
