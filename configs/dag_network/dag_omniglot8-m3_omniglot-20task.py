# The Omniglot DAG network (dag_omniglot8-m5_omniglot-20task.py) with flow constant M = 3 (Choi & Im, Table 1).
_base_ = ['./dag_omniglot8-m5_omniglot-20task.py']
model = dict(backbone=dict(flow_constant=3))
