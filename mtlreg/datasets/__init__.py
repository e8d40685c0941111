"""Datasets of mtlreg."""
from .scenes_dataset import ScenesDataset
from .mnist_dataset import MNISTDataset
from . import transforms  # noqa: F401  (registers the transforms)
from .task_concat_dataset import TaskConcatDataset
from .task_rotation_batch_sampler import TaskRotationBatchSampler
