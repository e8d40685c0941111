# The Cityscapes DAG network (dag_vgg16-m7_cityscapes-2task.py) with flow constant M = 9 (Choi & Im, Table 3).
_base_ = ['./dag_vgg16-m7_cityscapes-2task.py']
model = dict(backbone=dict(flow_constant=9))
