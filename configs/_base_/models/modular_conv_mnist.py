# The 4-MNISTs network (Maziarz et al., Sec. V-A and App. B): three modular layers of four components
# (5x5, then 3x3, then 3x3 convolutions with 4 filters and ReLU, no padding), 2x2 average pooling after
# the first two layers; 28x28 -> 3x3x4 features, flattened into linear heads with dropout 0.5.
model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='BaseDataPreprocessor'),
    backbone=dict(type='ModularNetwork', in_channels=1, padding=False, layers=[
        dict(channels=4, components=[dict(type='conv', kernel_size=5)] * 4, after=dict(type='avg_pool', kernel=2)),
        dict(channels=4, components=[dict(type='conv', kernel_size=3)] * 4, after=dict(type='avg_pool', kernel=2)),
        dict(channels=4, components=[dict(type='conv', kernel_size=3)] * 4)]))
