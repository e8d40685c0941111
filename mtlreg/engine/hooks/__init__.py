from .model_summary_hook import ModelSummaryHook

__all__ = ['ModelSummaryHook']
