"""Datasets of mtlreg."""
from .scenes_dataset import ScenesDataset
from .mnist_dataset import MNISTDataset
from .omniglot_dataset import OmniglotDataset, read_alphabets
from .taskonomy_dataset import TaskonomyDataset, taskonomy_class_weights
from .nyuv2_dataset import NYUv2Dataset
from .cityscapes_dataset import CityscapesDataset
from .pascal_context_dataset import PascalContextDataset
from .domainnet_dataset import DomainNetDataset
from . import transforms  # noqa: F401  (registers the transforms)
from .synthetic_regression_dataset import SyntheticRegressionDataset
from .holdout_dataset import HoldoutDataset
from .task_concat_dataset import TaskConcatDataset
from .task_rotation_batch_sampler import TaskRotationBatchSampler
