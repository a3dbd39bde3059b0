"""The learned reward: a binary success classifier on single frames."""

from dreamgym.reward.classifier import RewardClassifier, RewardClassifierConfig

__all__ = ["RewardClassifier", "RewardClassifierConfig"]
