# AdaShare on scenes with GLS (Chennupati et al., CVPR Workshops 2019) in every stage: the geometric mean of
# the task losses instead of their sum, in warm-up, search and re-training alike.
_base_ = ['./adashare_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='GLSBalancer'))
