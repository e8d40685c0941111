"""A stand-in runner at a given iteration around a tiny AdaShare model."""
from types import SimpleNamespace

from mmengine.logging import MessageHub

from mtlreg.models import MultiTaskModel


def _runner(it):
    tasks = dict(seg=dict(head=dict(type='SegmentationHead', out_channels=2, channels=4),
                          loss=dict(type='CrossEntropyLoss')))
    model = MultiTaskModel(dict(type='DilatedResNet', width_multiplier=0.125), tasks,
                           policy=dict(type='AdaSharePolicy'))
    return SimpleNamespace(model=model, iter=it, message_hub=MessageHub.get_instance('policy_schedule_test'))
