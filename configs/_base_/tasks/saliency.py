# Saliency: a binary salient-object map, learned as logits with the class-balanced BCE (HED's batch weight, as
# MTI-Net trains it) and scored by the max F-measure (β² = 0.3) and the mIoU of the multi-task literature.
# A dataset base sets the head width (channels).
_saliency = dict(head=dict(type='BinaryMapHead'),
                 loss=dict(type='BalancedBCELoss'),
                 metric=dict(type='SaliencyMetric'), weight=1.0)
