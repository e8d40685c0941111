# Single-task references for Δ_T on PASCAL-Context: the 'Single-Task' row of Choi & Im (CVPR 2023), Table 13,
# for the four tasks whose metric is defined there (semantic and part mIoU, saliency mIoU, normals' mean
# angle). Its boundary column ('Mean', about 0.018) names no protocol, so boundaries (odsF) are reported but
# not part of Δ_T (docs/datasets.md#pascal-context-multi-task-pascalcontextdataset).
_single_task_reference = dict(seg=dict(mIoU=63.9), parts=dict(mIoU=57.6), sal=dict(mIoU=65.2),
                              normal=dict(mean_angle=14.0))
