# Boundaries: a binary contour map, learned as logits with the class-balanced BCE (positives weighted 0.95,
# as MTI-Net and InvPT train PASCAL-Context and NYUD-v2 edges) and scored by the BSDS F-measure (odsF, oisF).
# A dataset base sets the head width (channels) and the matching tolerance (max_dist: 0.0075 PASCAL-Context,
# 0.011 NYUD-v2).
_boundary = dict(head=dict(type='BinaryMapHead'),
                 loss=dict(type='BalancedBCELoss', pos_weight=0.95),
                 metric=dict(type='BoundaryMetric', max_dist=0.0075, thresholds=99), weight=1.0)
