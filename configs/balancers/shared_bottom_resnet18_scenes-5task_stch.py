# Shared bottom with STCH (Lin et al., ICML 2024): the μ-smoothed maximum of the log losses relative to the mean
# losses of a warm-up; warm-up of 5 "epochs" of 100 iterations, the last one averaged, as the authors' code.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='STCHBalancer', mu=1.0, warmup_iters=500, nadir_iters=100))
