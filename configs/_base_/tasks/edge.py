# Edges: an edge strength per pixel. A dataset base sets the head width (channels).
_edge = dict(head=dict(type='DenseRegressionHead'),
             loss=dict(type='MaskedL1Loss'),
             metric=dict(type='DenseRegressionMetric'), weight=1.0)
