"""Training loops of a stand-in runner over a four-item dataloader: their schedules, without training."""
from types import SimpleNamespace

from torch.utils.data import DataLoader

from mtlreg.engine.loops import MultiTaskIterBasedTrainLoop
from mtlreg.engine.staged_train_loop import StagedTrainLoop

STAGES = dict(warmup=dict(iters=2), search=dict(iters=5, val_interval=2), retrain=dict(iters=3, val_interval=3))


def _staged_loop(stages=STAGES, val_loop=True, **kwargs):
    runner = SimpleNamespace(val_loop=object() if val_loop else None)
    return StagedTrainLoop(runner, DataLoader(list(range(4))), stages, **kwargs)


def _plain_loop(max_iters, val_interval, val_loop=True, **kwargs):
    runner = SimpleNamespace(val_loop=object() if val_loop else None)
    return MultiTaskIterBasedTrainLoop(runner, DataLoader(list(range(4))), max_iters=max_iters,
                                       val_interval=val_interval, **kwargs)
