# The task-cluster network of Maziarz et al. (Sec. V-C): a shared 1x1 convolution, 3 modular layers of
# 16 components (8 conv 3x3, 8 conv 5x5), 8 channels, stride 2 in every layer, padding, GroupNorm +
# ReLU after every convolution and layer; 28x28 -> 4x4x8 features into linear task heads.
model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='BaseDataPreprocessor'),
    backbone=dict(type='ModularNetwork', in_channels=1, stem_channels=8, norm_groups=2, layers=[
        dict(channels=8, stride=2,
             components=[dict(type='conv', kernel_size=3)] * 8 + [dict(type='conv', kernel_size=5)] * 8)
        for _ in range(3)]))
