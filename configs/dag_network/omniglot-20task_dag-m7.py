# The Omniglot DAG network (omniglot-20task_dag-m5.py) with flow constant M = 7 (Choi & Im, Table 1).
_base_ = ['./omniglot-20task_dag-m5.py']
model = dict(backbone=dict(flow_constant=7))
