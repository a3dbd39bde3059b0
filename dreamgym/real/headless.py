"""Choose an offscreen OpenGL backend for MuJoCo before MuJoCo is imported.

MuJoCo reads ``MUJOCO_GL`` once, at import time. Without a display, ``egl`` (Mesa's software
rasteriser or a GPU driver) or ``osmesa`` must be set, otherwise rendering fails with an obscure
"OpenGL platform library has not been loaded" error. :func:`configure_offscreen_gl` picks one that is
installed, and :data:`RENDERING_FIX` tells the user how to install one when none is.
"""

from __future__ import annotations

import ctypes.util
import os
import sys

RENDERING_FIX = (
    "Offscreen rendering needs EGL or OSMesa. On Debian/Ubuntu install them with\n"
    "    apt-get install -y libegl1 libgl1-mesa-dri libglvnd0 libopengl0 libosmesa6\n"
    "then set MUJOCO_GL=egl (or MUJOCO_GL=osmesa) before starting Python. "
    "`make setup` does this for you."
)


MUJOCO_IMPORTED_TOO_EARLY = False
"""Set when dreamgym had to choose ``MUJOCO_GL`` after ``mujoco`` was already imported (too late for it)."""


def rendering_fix_hint() -> str:
    """How to fix a failed offscreen start, naming an early ``import mujoco`` when that is the cause."""
    if MUJOCO_IMPORTED_TOO_EARLY:
        return (
            "mujoco was imported before dreamgym, so it started without an offscreen backend: import dreamgym "
            "(or dreamgym.real) before mujoco/metaworld, or set MUJOCO_GL=egl in the environment.\n" + RENDERING_FIX
        )
    return RENDERING_FIX


def configure_offscreen_gl() -> str:
    """Set ``MUJOCO_GL`` if the user has not, preferring EGL, then OSMesa; return the backend in use."""
    global MUJOCO_IMPORTED_TOO_EARLY
    chosen = os.environ.get("MUJOCO_GL")
    if chosen:
        return chosen
    MUJOCO_IMPORTED_TOO_EARLY = "mujoco" in sys.modules
    if ctypes.util.find_library("EGL") is None and ctypes.util.find_library("OSMesa") is not None:
        chosen = "osmesa"
    else:
        chosen = "egl"
    os.environ["MUJOCO_GL"] = chosen
    os.environ.setdefault("PYOPENGL_PLATFORM", chosen)
    return chosen
