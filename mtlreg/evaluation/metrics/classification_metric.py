"""Top-1 accuracy of image classification."""
from __future__ import annotations

import torch

from mtlreg.registry import METRICS
from .base_task_metric import ArrayLike, BaseTaskMetric


@METRICS.register_module()
class ClassificationMetric(BaseTaskMetric):
    """Computes the top-1 accuracy of a classification task in percent.

    ``accuracy = 100 * #(pred == gt) / #samples`` (higher is better). The
    prediction is a class id; floating-point scores with a trailing class
    dimension are arg-maxed first. Per sample, the number of correct
    predictions and of labels are stored.

    Takes the arguments of :class:`BaseTaskMetric`.

    Examples:
        >>> ClassificationMetric.calculate(torch.tensor([0, 2, 1, 1]), torch.tensor([0, 1, 1, 1]))
        {'accuracy': 75.0}
        >>> ClassificationMetric.calculate(torch.tensor([[0.1, 0.9], [0.8, 0.2]]), torch.tensor([1, 1]))
        {'accuracy': 50.0}
    """

    #: the label kinds it accepts (``mtlreg.testing.examples.LABEL_KINDS``)
    label_kinds = ('class',)

    #: Names of the outputs, without the prefix.
    metric_names: tuple[str, ...] = ('accuracy',)

    @staticmethod
    def compute_stats(pred: ArrayLike, gt: ArrayLike) -> dict:
        """Counts correct predictions.

        Args:
            pred (Tensor | np.ndarray): Predicted class ids (scalar or
                ``[N]``), or floating-point scores ``[C]`` / ``[N, C]``.
            gt (Tensor | np.ndarray): Ground-truth class ids (scalar or
                ``[N]``).

        Returns:
            dict: ``{'correct': int, 'count': int}``.
        """
        pred, gt = torch.as_tensor(pred), torch.as_tensor(gt)
        if pred.is_floating_point() and pred.dim() >= 1 and pred.numel() != gt.numel():
            pred = pred.argmax(dim=-1)
        pred, gt = pred.reshape(-1), gt.reshape(-1)
        if pred.numel() != gt.numel():
            raise ValueError(f'{pred.numel()} predictions for {gt.numel()} labels.')
        return {'correct': int((pred.long() == gt.long()).sum()), 'count': int(gt.numel())}

    @staticmethod
    def metrics_from_stats(stats: dict) -> dict:
        """Returns ``{'accuracy': float}`` in percent; NaN for zero samples."""
        return BaseTaskMetric.averages(stats, {'accuracy': 'correct'}, scale=100.0)
