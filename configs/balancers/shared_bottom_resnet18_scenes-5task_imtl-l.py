# Shared bottom with IMTL-L (Liu et al., ICLR 2021, Sec. 3.1): learned loss scales, e^s_k L_k − s_k per task,
# the s_k trained with the network.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='IMTLLBalancer'))
