# A CPU-scale Omniglot network: the 7 component types of Maziarz et al.'s Omniglot network (Sec. V-B)
# in 4 modular layers of 16 channels, every layer with stride 2 (28x28 -> 2x2).
_base_ = ['./modular_omniglot.py']
model = dict(backbone=dict(stem_channels=16, norm_groups=4, layers=[
    dict(channels=16, stride=2, components={{_base_._omniglot_components}}) for _ in range(4)]))
