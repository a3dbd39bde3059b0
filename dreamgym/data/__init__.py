"""Datasets: the episode file format, collection from real Meta-World, and training windows."""

from dreamgym.data.episode import (
    FORMAT_VERSION,
    Episode,
    EpisodeFormatError,
    episode_paths,
    load_episode,
    make_episode,
    save_episode,
)
from dreamgym.data.windows import CONTEXT_FRAMES, TransitionWindows

__all__ = [
    "CONTEXT_FRAMES",
    "FORMAT_VERSION",
    "Episode",
    "EpisodeFormatError",
    "TransitionWindows",
    "episode_paths",
    "load_episode",
    "make_episode",
    "save_episode",
]
