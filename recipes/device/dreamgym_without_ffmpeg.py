"""``dreamgym`` for a bare GPU machine whose Python has no video encoder (no imageio-ffmpeg, no PyAV).

Runs the ``dreamgym`` command line with the given arguments, except that the MP4 rollout videos a
training run writes at each evaluation are skipped (with one note) instead of stopping the run: the
lent machines of recipes/coffee_pull_world_model_gpu.sh carry dreamgym's wheels but not ffmpeg's.
Everything else (TensorBoard images included) is unchanged.

Usage: python recipes/device/dreamgym_without_ffmpeg.py train-world-model --data data ...
"""

import sys
from pathlib import Path

import dreamgym.media
from dreamgym.cli import main


def _skip_video(path, frames, fps: int = 10, scale: int = 4) -> Path:
    if not getattr(_skip_video, "noted", False):
        print(f"note: no video encoder on this machine; rollout videos such as {path} are not written", file=sys.stderr)
        _skip_video.noted = True
    return Path(path)


if __name__ == "__main__":
    dreamgym.media.write_video = _skip_video
    sys.exit(main())
