"""Task grouping: which tasks should share a network under an inference budget (Standley et al., 2020)."""
from .affinity_groups import affinity_group_scores
from .candidates import canonical_group, group_name, parse_group_name, task_subsets
from .higher_order import higher_order_estimates
from .selection import Selection, branch_and_bound, brute_force_selection, make_selection

__all__ = ['affinity_group_scores', 'task_subsets', 'canonical_group', 'group_name', 'parse_group_name', 'higher_order_estimates',
           'Selection', 'branch_and_bound', 'brute_force_selection', 'make_selection']
