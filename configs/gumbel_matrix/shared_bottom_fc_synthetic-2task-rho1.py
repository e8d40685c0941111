# Maziarz et al., Sec. II (Fig. 1): two tasks that are the same up to noise (rho = 1), both using all four components.
_base_ = [
    '../_base_/models/modular_fc_sec2.py',
    '../_base_/datasets/synthetic_2task_rho1.py',
    '../_base_/schedules/synthetic_3k_per_task.py',
]
model = dict(policy=dict(type='SharedBottomPolicy'))
train_cfg = dict(max_iters=6000)  # 3000 batches per task
