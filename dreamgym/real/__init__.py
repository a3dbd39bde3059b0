"""The real simulator side of dreamgym: Meta-World rendered to small upright RGB frames."""

from dreamgym.real.headless import configure_offscreen_gl

configure_offscreen_gl()  # must run before mujoco is imported anywhere below

from dreamgym.real.experts import ScriptedExpert  # noqa: E402
from dreamgym.real.metaworld_env import MetaWorldPixelEnv  # noqa: E402
from dreamgym.real.rendering import FrameRenderer, RenderingUnavailableError  # noqa: E402

__all__ = ["FrameRenderer", "MetaWorldPixelEnv", "RenderingUnavailableError", "ScriptedExpert"]
