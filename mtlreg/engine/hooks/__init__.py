from .model_summary_hook import ModelSummaryHook
from .policy_schedule_hooks import CurriculumHook, TemperatureScheduleHook

__all__ = ['ModelSummaryHook', 'TemperatureScheduleHook', 'CurriculumHook']
