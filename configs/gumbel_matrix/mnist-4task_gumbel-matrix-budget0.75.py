# Gumbel-Matrix on 4-MNISTs with the budget penalty (Maziarz et al., Table I, 'Ours (budget = 0.75)').
_base_ = ['./mnist-4task_gumbel-matrix.py']
model = dict(policy=dict(budget=0.75, budget_weight=1.0))
