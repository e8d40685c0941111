# Inherits the core shared-bottom config and swaps in the plugin's loss, balancer and head.
_base_ = ['../../../configs/baselines/shared_bottom_resnet18_scenes-5task.py']

model = dict(balancer=dict(type='GeometricMeanBalancer'))
tasks = dict(depth=dict(loss=dict(type='BerHuLoss', _delete_=True),
                        head=dict(type='LightDenseHead', channels=16, _delete_=True)))
