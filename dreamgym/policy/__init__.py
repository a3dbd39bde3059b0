"""Policies for the learned simulator: behaviour cloning into SB3 PPO, PPO refinement in the dream, evaluation.

* :mod:`dreamgym.policy.model`: the SB3 PPO image policy shared by all stages, and portable saving.
* :mod:`dreamgym.policy.bc`: ``dreamgym train-bc``, a Gaussian image policy fit to expert demos.
* :mod:`dreamgym.policy.refine`: ``dreamgym refine``, PPO inside ``DreamWorld-<Task>-v0`` with std clipping.
* :mod:`dreamgym.policy.evaluate`: ``dreamgym evaluate``, success in real Meta-World and in the dream.
"""

from dreamgym.policy.model import actor_critic_parameters, load_policy, new_ppo, save_model

__all__ = ["actor_critic_parameters", "load_policy", "new_ppo", "save_model"]
