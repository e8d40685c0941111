# DAG central network on NYUv2, three tasks (seg 40 classes, normal, depth), M = 7 (Choi & Im, Table 2):
# 12 VGG-16 states from scratch, DeepLab ASPP heads, cross-entropy for seg and L2 for the others;
# Table 9: weights lr 1e-4, upper-level lr 0.01, lambda_sq 0.05; 5k / 15k / 20k iterations of batch 16.
# The network trains on the release's train split less a fixed 10 % that selects nothing but is
# validated on; the test split is only tested.
_base_ = [
    '../_base_/models/dag_vgg16.py',
    '../_base_/datasets/nyuv2_adashare.py',
    '../_base_/schedules/dag_three_stage.py',
    '../_base_/references/nyuv2_3task_official.py',
]
model = dict(backbone=dict(flow_constant=7), policy=dict(squeeze_weight=0.05))
optim_wrapper = dict(search=dict(arch_overrides=dict(lr=0.01)))
tasks = dict(normal=dict(loss=dict(_delete_=True, type='L2Loss')), depth=dict(loss=dict(_delete_=True, type='L2Loss')))

train_dataloader = dict(dataset={{_base_._holdout_datasets.train}})
val_dataloader = dict(dataset={{_base_._holdout_datasets.val}})
val_evaluator = dict(single_task_reference={{_base_._single_task_reference}})
test_evaluator = val_evaluator
