# DAG central network on multi-task Omniglot (20 alphabets as tasks), M = 5 (Choi & Im, Table 1): 8 states of
# 48 channels, linear heads; Table 9: weights lr 1e-4, upper-level lr 0.01, lambda_sq 0.05; 2k / 3k / 5k
# iterations (App. A), per-task batches of 16. The best fine-tuned checkpoint by mean validation accuracy is
# tested.
_base_ = [
    '../_base_/models/dag_omniglot8.py',
    '../_base_/datasets/omniglot_20task.py',
    '../_base_/schedules/dag_three_stage.py',
]
model = dict(backbone=dict(flow_constant=5))
train_cfg = dict(stages=dict(warmup=dict(iters=2000), search=dict(iters=3000, val_interval=1000),
                             finetune=dict(iters=5000, val_interval=1000)))
default_hooks = dict(checkpoint=dict(interval=1000, max_keep_ckpts=1, save_best='mean/accuracy', rule='greater'),
                     logger=dict(interval=100))
test_checkpoint = 'best'
