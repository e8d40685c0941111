# The splits of AdaShare's dataset releases: train (= train1 + train2), train1, train2 and test, with no
# validation split. The policy must be chosen on data it did not learn from and never on the test
# split, so a fixed 10 % of train2 is held out for validation (HoldoutDataset) and the policy learns
# on the rest of train2. A dataset base fills in `dataset` (type, root, pipeline) of every loader.
_train_loader = dict(batch_size=16, num_workers=2, persistent_workers=True,
                     sampler=dict(type='InfiniteSampler', shuffle=True), collate_fn=dict(type='default_collate'))
_test_loader = dict(batch_size=4, num_workers=2, persistent_workers=True,
                    sampler=dict(type='DefaultSampler', shuffle=False), collate_fn=dict(type='default_collate'))
_holdout = dict(type='HoldoutDataset', fraction=0.1, seed=0)

train_dataloader = dict(_train_loader, dataset=dict(split='train'))
val_dataloader = dict(_test_loader, dataset=dict(_holdout, part='holdout', dataset=dict(split='train2')))
test_dataloader = dict(_test_loader, dataset=dict(split='test'))
# The search's two splits: weights learn on train1, the policy on train2 (less the holdout).
_search_dataloaders = dict(
    train1=dict(_train_loader, dataset=dict(split='train1')),
    train2=dict(_train_loader, dataset=dict(_holdout, part='rest', dataset=dict(split='train2'))))

val_evaluator = dict(type='MultiTaskEvaluator')
test_evaluator = val_evaluator
