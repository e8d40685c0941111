# DAG central network on PASCAL-Context, five tasks (seg 21 classes, human parts, normals, saliency, boundaries),
# M = 9 (Choi & Im, Table 4, 'Ours (M=9)'): 12 VGG-16 states from scratch, DeepLab ASPP heads, cross-entropy for
# seg and L2 for the others (Sec. 4; human parts, a class map, keep cross-entropy; saliency and boundaries
# regress sigmoid maps); no task weights. Table 9: weights lr 1e-4, upper-level lr 0.01, lambda_sq 0.005;
# App. A: 10k / 20k / 30k iterations (batch 16; the paper gives no batch size or input size). The network trains
# on train less a fixed 10 % holdout, which is validated on; val (the release's test split) is only tested.
_base_ = [
    '../_base_/models/dag_vgg16.py',
    '../_base_/datasets/pascal_context_5task.py',
    '../_base_/schedules/dag_three_stage.py',
    '../_base_/references/pascal_context_5task_dag.py',
]
model = dict(backbone=dict(flow_constant=9), policy=dict(squeeze_weight=0.005))
train_cfg = dict(stages=dict(warmup=dict(iters=10000), search=dict(iters=20000),
                             finetune=dict(iters=30000, val_interval=3000)))
optim_wrapper = dict(search=dict(arch_overrides=dict(lr=0.01)))
_sigmoid_map = dict(_delete_=True, type='DenseRegressionHead', activation='sigmoid', channels=256)
tasks = dict(seg=dict(weight=1.0), parts=dict(weight=1.0),
             normal=dict(loss=dict(_delete_=True, type='L2Loss'), weight=1.0),
             sal=dict(head=_sigmoid_map, loss=dict(_delete_=True, type='L2Loss'), weight=1.0),
             edge=dict(head=_sigmoid_map, loss=dict(_delete_=True, type='L2Loss'), weight=1.0))
val_evaluator = dict(single_task_reference={{_base_._single_task_reference}})
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(interval=5000))
