# MTAN with Dynamic Weight Average (Liu et al., CVPR 2019): T = 2, an "epoch" of 100 iterations.
_base_ = ['../mtan/mtan_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='DWABalancer', temperature=2.0, window=100))
