# AdaShare's NYUv2 and Cityscapes schedule (the public configs): 4k warm-up, 16k search and 20k
# re-training iterations of batch 16; learning rates halve every 4k iterations of a stage; curriculum
# speed 3. Configs set the policy-epoch phases (one pass over train1, then over train2) and the rates.
_base_ = ['./adashare_stages.py']

train_cfg = dict(stages=dict(warmup=dict(iters=4000), search=dict(iters=16000),
                             retrain=dict(iters=20000, val_interval=2000)))
param_scheduler = dict(
    _delete_=True, arch=[],
    warmup=[dict(type='StepLR', step_size=4000, gamma=0.5, stage='warmup')],
    weights=[dict(type='StepLR', step_size=4000, gamma=0.5, stage='search')],
    retrain=[dict(type='StepLR', step_size=4000, gamma=0.5, stage='retrain')])
named_hooks = dict(curriculum=dict(speed=3))
