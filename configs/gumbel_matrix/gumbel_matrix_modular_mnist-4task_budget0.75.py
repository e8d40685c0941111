# Gumbel-Matrix on 4-MNISTs with the budget penalty (Maziarz et al., Table I, 'Ours (budget = 0.75)').
_base_ = ['./gumbel_matrix_modular_mnist-4task.py']
model = dict(policy=dict(budget=0.75, budget_weight=1.0))
