# The splits of the PASCAL-Context and NYUD-v2 multi-task releases: train and val only. As in the papers that
# use them, val is the test set; nothing is selected on it. A fixed 10 % of train is held out for validation
# (HoldoutDataset), the rest trains; learned-sharing searches split the rest in halves, the weights learning on
# train1, the architecture on train2. A dataset base fills in `dataset` (type, root, pipeline) of every loader.
_train_loader = dict(batch_size=16, num_workers=2, persistent_workers=True,
                     sampler=dict(type='InfiniteSampler', shuffle=True), collate_fn=dict(type='default_collate'))
_test_loader = dict(batch_size=4, num_workers=2, persistent_workers=True,
                    sampler=dict(type='DefaultSampler', shuffle=False), collate_fn=dict(type='default_collate'))
_holdout = dict(type='HoldoutDataset', fraction=0.1, seed=0)
_halves = dict(type='HoldoutDataset', fraction=0.5, seed=1)

train_dataloader = dict(_train_loader, dataset=dict(_holdout, part='rest', dataset=dict(split='train')))
val_dataloader = dict(_test_loader, dataset=dict(_holdout, part='holdout', dataset=dict(split='train')))
test_dataloader = dict(_test_loader, dataset=dict(split='val'))
_search_dataloaders = dict(
    train1=dict(_train_loader, dataset=dict(_halves, part='holdout',
                                            dataset=dict(_holdout, part='rest', dataset=dict(split='train')))),
    train2=dict(_train_loader, dataset=dict(_halves, part='rest',
                                            dataset=dict(_holdout, part='rest', dataset=dict(split='train')))))

val_evaluator = dict(type='MultiTaskEvaluator')
test_evaluator = val_evaluator
