"""Fast offscreen rendering of a MuJoCo scene from a free camera, as uint8 ``(3, H, W)`` frames.

MuJoCo's defaults (4x multisampling, shadows, reflections) cost 6-9 frames/s in software GL. With
those off, a 64x64 frame costs a few milliseconds. Each :class:`FrameRenderer` owns its own GL
context and makes it current on every render, so several renderers can live and die in one process
without blanking each other's frames.
"""

from __future__ import annotations

import atexit
import os
import weakref

import mujoco
import numpy as np

from dreamgym.real.headless import RENDERING_FIX, rendering_fix_hint
from dreamgym.tasks import CameraConfig, RenderingConfig


class RenderingUnavailableError(RuntimeError):
    """Offscreen rendering could not be started; the message says how to fix it."""


_LIVE_RENDERERS: weakref.WeakSet = weakref.WeakSet()
_CLOSE_AT_EXIT: list[bool] = []


def _close_live_renderers() -> None:
    """Free every renderer still open at interpreter exit (an env nobody closed), while EGL still works.

    MuJoCo's EGL backend terminates its display at exit (``atexit``, registered by the first GL context); a
    context freed later, by a garbage-collected renderer, prints an ``EGLError`` traceback.
    """
    for renderer in list(_LIVE_RENDERERS):
        try:
            renderer.close()
        except Exception:  # noqa: BLE001 - exiting: nothing useful left to do
            pass


class FrameRenderer:
    """Render ``data`` of ``model`` from a free camera at ``width`` x ``height``.

    :param model: the MuJoCo model; its offscreen multisampling is switched off (a cheap setting
        that only affects rendering).
    :param camera: where the free camera looks from.
    """

    def __init__(self, model: mujoco.MjModel, camera: CameraConfig, width: int = 64, height: int = 64):
        if width < 8 or height < 8:
            raise ValueError(f"Frame size must be at least 8x8 pixels, got {width}x{height}.")
        model.vis.quality.offsamples = 0
        if model.vis.global_.offwidth < width or model.vis.global_.offheight < height:
            model.vis.global_.offwidth = max(width, model.vis.global_.offwidth)
            model.vis.global_.offheight = max(height, model.vis.global_.offheight)
        try:
            self._renderer = mujoco.Renderer(model, height=height, width=width)
        except Exception as error:  # mujoco raises several types depending on the backend
            backend = os.environ.get("MUJOCO_GL", "<unset>")
            raise RenderingUnavailableError(
                f"Could not start offscreen rendering with MUJOCO_GL={backend}: {error}\n{rendering_fix_hint()}"
            ) from error
        _LIVE_RENDERERS.add(self)
        if not _CLOSE_AT_EXIT:  # registered after MuJoCo's EGL exit handler (made with the first context): runs before it
            atexit.register(_close_live_renderers)
            _CLOSE_AT_EXIT.append(True)
        flags = self._renderer.scene.flags
        flags[mujoco.mjtRndFlag.mjRND_SHADOW] = 0
        flags[mujoco.mjtRndFlag.mjRND_REFLECTION] = 0
        self._camera = mujoco.MjvCamera()
        self._camera.type = mujoco.mjtCamera.mjCAMERA_FREE
        self._camera.lookat[:] = camera.lookat
        self._camera.distance = camera.distance
        self._camera.azimuth = camera.azimuth
        self._camera.elevation = camera.elevation
        self.width, self.height = width, height

    def render(self, data: mujoco.MjData) -> np.ndarray:
        """Return the current scene as an upright uint8 array of shape ``(3, height, width)``."""
        if self._renderer is None:
            raise RuntimeError("This FrameRenderer was closed; create a new one.")
        self._renderer.update_scene(data, camera=self._camera)
        image = self._renderer.render()  # (H, W, 3), already flipped upright by mujoco
        return np.ascontiguousarray(image.transpose(2, 0, 1))

    def close(self) -> None:
        """Free the GL context. Safe to call twice."""
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing useful left to do
            pass


GOAL_MARKER_HALF_HEIGHT = 0.001
"""Half height (m) of the goal disc: thin enough to look flat, high enough to show above the table."""


def apply_rendering(model: mujoco.MjModel, rendering: RenderingConfig) -> None:
    """Change how ``model`` draws its goal site and bodies as ``rendering`` asks (visual properties only).

    :raises ValueError: if the goal marker names a site, or a body colour a body, the model does not have.
    """
    marker = rendering.goal_marker
    if marker is not None:
        site_id = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, marker.site)
        if site_id < 0:
            names = [mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_SITE, i) for i in range(model.nsite)]
            raise ValueError(f"Goal marker site {marker.site!r} is not in this Meta-World model; its sites are {names}.")
        model.site_type[site_id] = mujoco.mjtGeom.mjGEOM_CYLINDER
        model.site_size[site_id] = [marker.radius, GOAL_MARKER_HALF_HEIGHT, 0.0]
        model.site_rgba[site_id] = marker.rgba
    for color in rendering.body_colors:
        body_id = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, color.body)
        if body_id < 0:
            names = [mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_BODY, i) for i in range(model.nbody)]
            raise ValueError(f"Body colour names body {color.body!r}, which is not in this Meta-World model; its bodies are {names}.")
        geoms = np.flatnonzero(model.geom_bodyid == body_id)
        model.geom_matid[geoms] = -1  # a material's colour would override the geom's
        model.geom_rgba[geoms] = color.rgba


def check_offscreen_rendering() -> None:
    """Render one frame of an empty scene; raise :class:`RenderingUnavailableError` (with the fix) if that fails."""
    model = mujoco.MjModel.from_xml_string(
        '<mujoco><worldbody><light pos="0 0 3"/><geom size="1" type="sphere" rgba="1 1 1 1"/></worldbody></mujoco>'
    )
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    renderer = FrameRenderer(model, CameraConfig(lookat=(0.0, 0.0, 0.0), distance=4.0), width=16, height=16)
    try:
        frame = renderer.render(data)
    finally:
        renderer.close()
    if frame.max() == 0:
        raise RenderingUnavailableError(f"Offscreen rendering produced a black frame.\n{RENDERING_FIX}")
