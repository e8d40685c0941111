# The NYUv2 DAG network (dag_vgg16-m7_nyuv2-3task.py) with flow constant M = 5 (Choi & Im, Table 2).
_base_ = ['./dag_vgg16-m7_nyuv2-3task.py']
model = dict(backbone=dict(flow_constant=5))
