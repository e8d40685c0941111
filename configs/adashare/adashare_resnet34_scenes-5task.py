# AdaShare on scenes where the policy has choices: the quarter-width dilated ResNet-34 (16 blocks), a search of
# 24 policy epochs (480 iterations) so that the curriculum releases every block (one per epoch) and 8 epochs
# search all of them, as the ResNet-18 config's 12 epochs do for its 8 blocks; τ falls by 0.866 per epoch
# (5 → 0.16, as there). Re-training: the baselines' 1000 iterations. Δ_T against the single-task ResNet-34
# networks (configs/baselines/single_task_resnet34_scenes-5task.py).
_base_ = ['./adashare_resnet18_scenes-5task.py', '../_base_/references/scenes_5task_resnet34.py']
model = dict(backbone=dict(depth=34))
val_evaluator = dict(single_task_reference={{_base_._single_task_reference_resnet34}})
test_evaluator = val_evaluator

_retrain_start = 580
train_cfg = dict(stages=dict(search=dict(iters=480)))
named_hooks = dict(temperature=dict(decay=0.866))
default_hooks = dict(checkpoint=dict(interval=_retrain_start))
