# Surface normals: a unit vector per pixel. A dataset base sets the head width (channels).
_normal = dict(head=dict(type='SurfaceNormalHead'),
               loss=dict(type='NormalCosineLoss'),
               metric=dict(type='SurfaceNormalMetric'), weight=1.0)
