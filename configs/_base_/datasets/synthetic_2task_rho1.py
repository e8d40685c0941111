# Two synthetic regression tasks of Maziarz et al., Sec. II and App. A1, the same up to noise (rho = 1).
_base_ = ['./synthetic_2task_rho0.py']
_rho1 = dict(datasets=dict(task1=dict(rho=1.0), task2=dict(rho=1.0)))
_rho = 1.0
train_dataloader = dict(dataset=_rho1)
val_dataloader = dict(dataset=_rho1)
test_dataloader = dict(dataset=_rho1)
del _rho1
