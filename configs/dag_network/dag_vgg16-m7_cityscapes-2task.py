# DAG central network on Cityscapes, two tasks (seg 19 classes, depth), M = 7 (Choi & Im, Table 3): 12 VGG-16
# states from scratch, DeepLab ASPP heads, cross-entropy for seg and L2 for depth; Table 9: weights lr 1e-4,
# upper-level lr 0.05, lambda_sq 0.01; 5k / 15k / 20k iterations of batch 16. Trains on the release's train
# split less a fixed 10 % that is validated on; the test split is only tested.
_base_ = [
    '../_base_/models/dag_vgg16.py',
    '../_base_/datasets/cityscapes_adashare.py',
    '../_base_/schedules/dag_three_stage.py',
]
model = dict(backbone=dict(flow_constant=7), policy=dict(squeeze_weight=0.01))
optim_wrapper = dict(search=dict(arch_overrides=dict(lr=0.05)))
tasks = dict(depth=dict(loss=dict(_delete_=True, type='L2Loss')))
train_dataloader = dict(dataset={{_base_._holdout_datasets.train}})
val_dataloader = dict(dataset={{_base_._holdout_datasets.val}})

# Single-task references for Δ_T: the values AdaShare's code scores 19-class policies against.
_single_task_reference = dict(seg=dict(mIoU=40.2, pixel_acc=74.7), depth=dict(abs_err=0.017, rel_err=0.33))
val_evaluator = dict(single_task_reference=_single_task_reference)
test_evaluator = val_evaluator
