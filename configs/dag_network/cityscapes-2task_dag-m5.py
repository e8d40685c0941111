# The Cityscapes DAG network (cityscapes-2task_dag-m7.py) with flow constant M = 5 (Choi & Im, Table 3).
_base_ = ['./cityscapes-2task_dag-m7.py']
model = dict(backbone=dict(flow_constant=5))
