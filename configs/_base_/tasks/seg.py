# Semantic segmentation: a class per pixel, 255 where there is no label. A dataset base sets the number of
# classes (the head's out_channels and the metric's num_classes) and the head width (channels).
_seg = dict(head=dict(type='SegmentationHead'),
            loss=dict(type='CrossEntropyLoss', ignore_index=255),
            metric=dict(type='SegmentationMetric'), weight=1.0)
