# DomainNet (Peng et al., ICCV 2019) as AdaShare trains it: six domains as six classification tasks over the
# same 345 classes, in the order of AdaShare's public configuration, each its own batches (a round holds one
# batch of every domain). The official cleaned split lists under data/domainnet (docs/datasets.md); AdaShare's
# augmentation: random resized crops of 224 at scale [0.6, 1] and flips for training, a plain resize to 224×224
# for testing, ImageNet normalisation. Validation: a fixed 10 % of each domain's train list (the public code
# selects on the test lists; here nothing is selected on them).
_base_ = ['./per_task_batches.py']
_data_root = 'data/domainnet'
_domains = ('real', 'painting', 'quickdraw', 'clipart', 'infograph', 'sketch')
_normalize = dict(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))
_train_pipeline = [
    dict(type='Albumentations', transforms=[dict(type='RandomResizedCrop', size=(224, 224), scale=(0.6, 1.0)),
                                            dict(type='HorizontalFlip', p=0.5)]),
    dict(type='PackMultiTaskInputs', **_normalize),
]
_test_pipeline = [dict(type='Albumentations', transforms=[dict(type='Resize', height=224, width=224)]),
                  dict(type='PackMultiTaskInputs', **_normalize)]


def _datasets(split, pipeline, *parts):
    """The six domains' datasets, each wrapped in HoldoutDataset parts (fraction, seed, part), innermost first."""
    def one(domain):
        data = dict(type='DomainNetDataset', root=_data_root, domain=domain, split=split, pipeline=pipeline)
        for fraction, seed, part in parts:
            data = dict(type='HoldoutDataset', fraction=fraction, seed=seed, part=part, dataset=data)
        return data
    return dict(type='TaskConcatDataset', datasets={domain: one(domain) for domain in _domains})


_rest, _holdout = (0.1, 0, 'rest'), (0.1, 0, 'holdout')
train_dataloader = dict(batch_size=32, dataset=_datasets('train', _train_pipeline, _rest))
val_dataloader = dict(batch_size=128, dataset=_datasets('train', _test_pipeline, _holdout))
test_dataloader = dict(batch_size=128, dataset=_datasets('test', _test_pipeline))
# AdaShare's search splits of the training data (less the holdout): the weights learn on one half, the policy on
# the other; the loaders of per_task_batches.py with these datasets.
_train_loader = dict(batch_size=32, num_workers=0, sampler=dict(type='InfiniteSampler', shuffle=True),
                     batch_sampler=dict(type='TaskRotationBatchSampler', shuffle_tasks=True),
                     collate_fn=dict(type='default_collate'))
_search_dataloaders = dict(
    train1=dict(_train_loader, dataset=_datasets('train', _train_pipeline, _rest, (0.5, 1, 'holdout'))),
    train2=dict(_train_loader, dataset=_datasets('train', _train_pipeline, _rest, (0.5, 1, 'rest'))))
del _datasets

tasks = {domain: dict(head=dict(type='LinearClassificationHead', num_classes=345),
                      loss=dict(type='CrossEntropyLoss'), metric=dict(type='ClassificationMetric'), weight=1.0)
         for domain in _domains}
val_evaluator = dict(average_metrics=['accuracy'])
test_evaluator = val_evaluator
