"""Shipped learned simulators, one folder per task (installed as the data package ``dreamgym_envs``)."""
