# Maziarz et al., App. A3: one modular layer of 4 fully connected components (3 layers of 16 units, one
# linear output unit each) and no task heads: tasks using the same components compute the same function.
model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='BaseDataPreprocessor'),
    backbone=dict(type='ModularNetwork', vector_input=True, in_channels=128, layers=[
        dict(channels=1, components=[dict(type='fc', depth=3, units=16, final_relu=False)] * 4)]))
