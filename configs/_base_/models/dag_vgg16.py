# The DAG central network of Choi & Im (CVPR 2023): the 12 states of VGG-16 (App. A, Table 7), edges
# conv3x3-BN-ReLU-maxpool under the flow restriction j - i <= M, read-in and read-out layers, and the
# per-task upper-level parameters A, B, Gamma (DAGPolicy). The squeeze budget kappa is the edge count of a
# plain chain of the 12 states (the paper does not give its value; docs/methods/dag_network.md).
model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='BaseDataPreprocessor'),
    backbone=dict(type='DAGNetwork', states='vgg16', flow_constant=7, width_multiplier=1.0),
    policy=dict(type='DAGPolicy', squeeze_weight=0.05, budget=11.0, reduction=dict(method='flow')),
    balancer=dict(type='StaticBalancer'),
)
