# A single-task check of the CPU-scale Omniglot network: one alphabet (Japanese hiragana, 52 characters) alone,
# 2000 iterations (2000 updates of its head), otherwise shared_bottom_modular-small_omniglot-20task.py. Its
# test error against the about 35 % Meyerson & Miikkulainen (ICLR 2018) report for single-task networks on
# this split says whether the network and schedule learn (docs/methods/gumbel_matrix.md). Width and
# augmentation as options: --cfg-options model.backbone.stem_channels=32 ... (see that page).
_base_ = ['./shared_bottom_modular-small_omniglot-20task.py']
_pipeline = [dict(type='PackMultiTaskInputs', mean=(0.077,), std=(0.223,))]


def _dataset(split):
    return dict(_delete_=True, type='TaskConcatDataset', datasets=dict(hiragana=dict(
        type='OmniglotDataset', data_root='data/omniglot', alphabet='Japanese_(hiragana)', split=split,
        label='hiragana', image_size=28, pipeline=_pipeline)))


train_dataloader = dict(dataset=_dataset('train'))
val_dataloader = dict(dataset=_dataset('val'))
test_dataloader = dict(dataset=_dataset('test'))
del _dataset
tasks = dict(_delete_=True, hiragana=dict(head=dict(type='LinearClassificationHead', num_classes=52, dropout=0.5),
                                          loss=dict(type='CrossEntropyLoss'), metric=dict(type='ClassificationMetric'),
                                          weight=1.0))
train_cfg = dict(max_iters=2000, val_interval=500)
default_hooks = dict(checkpoint=dict(interval=500))
