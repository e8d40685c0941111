# AdaShare on scenes with FAMO (Liu et al., NeurIPS 2023) in every stage: softmax weights on the log losses,
# their logits moved by Adam (lr 0.025, weight decay 1e-3) from the decrease of the log losses between steps.
_base_ = ['./adashare_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='FAMOBalancer', lr=0.025, weight_decay=1e-3))
