# The DAG network on scenes with a search four times as long: 1920 search iterations instead of 480 (the
# paper searches 15000). The warm-up, the fine-tuning and its schedule, which counts from the fine-tuning
# stage, are those of the short config. The longer search widens the dense tasks' sub-networks to W = 2-3,
# and Alg. 1's reduced networks end level with the non-reduced one on average over three seeds
# (docs/methods/dag_network.md, 'A four times longer search').
_base_ = ['./dag_vgg16-m3_scenes-5task.py']

_search_iters = 1920
train_cfg = dict(stages=dict(search=dict(iters=_search_iters)))
# a checkpoint at the end of the search (tools/analysis/dag_reduction_comparison.py starts from it)
default_hooks = dict(checkpoint=dict(interval=100 + _search_iters))
