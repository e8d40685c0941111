# The NYUv2 DAG network (nyuv2-3task_dag-m7.py) with flow constant M = 9 (Choi & Im, Table 2).
_base_ = ['./nyuv2-3task_dag-m7.py']
model = dict(backbone=dict(flow_constant=9))
