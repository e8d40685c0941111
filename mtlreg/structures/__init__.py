"""Data structures shared by the policies, the backbones, the compilers, the hooks and the pictures.

The bottom layer beside ``mtlreg.registry``: it imports only torch, numpy and
``mtlreg.utils``. It holds the DAG network's unit grid (:mod:`mtlreg.structures.dag_grid`), the
reduction of a weighted DAG grid to a binary one (:mod:`mtlreg.structures.graph_reduction`),
task embeddings of a discrete mask (:mod:`mtlreg.structures.task_embedding`), a discrete policy
on disk (:mod:`mtlreg.structures.policy_file`) and the report a policy gives of itself
(:mod:`mtlreg.structures.policy_report`).
"""
from .dag_grid import DAGGrid, DAGParts, flow_restricted_edges, merged_validity
from .policy_file import load_policy_mask, save_policy
from .policy_report import PolicyReport, ReportFigure

__all__ = ['DAGGrid', 'DAGParts', 'PolicyReport', 'ReportFigure', 'flow_restricted_edges', 'load_policy_mask',
           'merged_validity', 'save_policy']
