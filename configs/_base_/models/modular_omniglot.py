# The Omniglot network of Maziarz et al. (Sec. V-B, Fig. 3-4, after Ramachandran & Le 2019): a shared
# 1x1 convolution, 8 modular layers of 7 components (conv3x3->conv3x3, conv5x5->conv5x5,
# conv7x7->conv7x7, conv1x7->conv7x1, 3x3 max pool, 3x3 average pool, identity: a strided 1x1
# convolution where the layer has stride 2), 48 channels, GroupNorm + ReLU after every convolution and
# every layer, stride 2 in 5 layers (here layers 1, 2, 4, 6 and 8: 28x28 -> 1x1), linear task heads.
_omniglot_components = [
    dict(type='conv', depth=2, kernel_size=3), dict(type='conv', depth=2, kernel_size=5),
    dict(type='conv', depth=2, kernel_size=7), dict(type='conv', depth=2, kernel_size=[(1, 7), (7, 1)]),
    dict(type='max_pool'), dict(type='avg_pool'), dict(type='identity')]
model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='BaseDataPreprocessor'),
    backbone=dict(type='ModularNetwork', in_channels=1, stem_channels=48, norm_groups=8, layers=[
        dict(channels=48, stride=s, components=_omniglot_components) for s in (2, 2, 1, 2, 1, 2, 1, 2)]))
