# Shared bottom on PASCAL-Context, five tasks (seg 21 classes, human parts, normals, saliency, boundaries): one
# dilated ResNet-34 for all tasks, an ASPP head per task; 20k iterations of batch 16, Adam at 1e-4. Δ_T against
# Choi & Im's single-task references (configs/_base_/references/pascal_context_5task_dag.py).
_base_ = [
    '../_base_/models/resnet18_shared_bottom.py',
    '../_base_/datasets/pascal_context_5task.py',
    '../_base_/schedules/iter_20k_adam.py',
    '../_base_/references/pascal_context_5task_dag.py',
]
# pretrained: path of a local ImageNet ResNet-34 state dict (timm/torchvision keys), nothing is downloaded
model = dict(backbone=dict(depth=34, width_multiplier=1.0, pretrained=None))
val_evaluator = dict(single_task_reference={{_base_._single_task_reference}})
test_evaluator = val_evaluator
