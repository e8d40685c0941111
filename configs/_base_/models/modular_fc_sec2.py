# Maziarz et al., Sec. II and App. A2: one modular layer of 4 fully connected components with 4 ReLU
# outputs (two of one layer, two of two layers with 4 hidden units), averaged, then linear task heads.
model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='BaseDataPreprocessor'),
    backbone=dict(type='ModularNetwork', vector_input=True, in_channels=128, layers=[
        dict(channels=4, components=[dict(type='fc', depth=1), dict(type='fc', depth=2, units=4),
                                     dict(type='fc', depth=1), dict(type='fc', depth=2, units=4)])]))
