# The DAG central network for Omniglot (Choi & Im, Sec. 4.1): 8 hidden states of 48 channels, as the
# modular networks it is compared with, downsampling in five of them; grayscale input. kappa = 7, the
# edge count of a chain of 8 states.
model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='BaseDataPreprocessor'),
    backbone=dict(type='DAGNetwork', states='omniglot8', flow_constant=5, in_channels=1),
    policy=dict(type='DAGPolicy', squeeze_weight=0.05, budget=7.0, reduction=dict(method='flow')),
    balancer=dict(type='StaticBalancer'),
)
