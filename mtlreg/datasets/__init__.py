"""Datasets of mtlreg."""
from .scenes_dataset import ScenesDataset
