# modular_omniglot_small.py at twice the width: 4 layers of 7 components, 32 channels (GroupNorm of 8 groups).
_base_ = ['./modular_omniglot.py']
model = dict(backbone=dict(stem_channels=32, norm_groups=8, layers=[
    dict(channels=32, stride=2, components={{_base_._omniglot_components}}) for _ in range(4)]))
