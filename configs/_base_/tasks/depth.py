# Depth: a distance per pixel, 0 where there is no label. A dataset base sets the head width (channels).
_depth = dict(head=dict(type='DenseRegressionHead'),
              loss=dict(type='MaskedL1Loss', invalid_value=0.0),
              metric=dict(type='DepthMetric'), weight=1.0)
