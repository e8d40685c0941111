"""Hooks: one per file. Those registered under MMEngine's names (CheckpointHook, IterTimerHook, LoggerHook)
replace MMEngine's in every config."""
from .best_policy_hook import BestPolicyHook
from .checkpoint_hook import SafeCheckpointHook
from .curriculum_hook import CurriculumHook
from .discretize_policy_hook import DiscretizePolicyHook
from .divergence_guard_hook import DivergenceGuardHook
from .eta_timer_hook import EtaTimerHook
from .logger_hook import TrainStepLoggerHook
from .model_summary_hook import ModelSummaryHook
from .policy_mode_hook import PolicyModeHook
from .policy_report_hook import PolicyReportHook
from .policy_visualization_hook import PolicyVisualizationHook
from .reinitialize_weights_hook import ReinitializeWeightsHook
from .rewind_weights_hook import RewindWeightsHook
from .save_metrics_hook import SaveMetricsHook
from .stage_hook import StageHook
from .task_affinity_hook import TaskAffinityHook
from .task_data_check_hook import TaskDataCheckHook
from .temperature_schedule_hook import TemperatureScheduleHook
from .test_metrics_visualizer_hook import TestMetricsVisualizerHook

__all__ = ['BestPolicyHook', 'CurriculumHook', 'DiscretizePolicyHook', 'DivergenceGuardHook', 'EtaTimerHook',
           'ModelSummaryHook', 'PolicyModeHook', 'PolicyReportHook', 'PolicyVisualizationHook',
           'ReinitializeWeightsHook', 'RewindWeightsHook', 'SafeCheckpointHook', 'SaveMetricsHook', 'StageHook',
           'TaskAffinityHook', 'TaskDataCheckHook', 'TemperatureScheduleHook', 'TestMetricsVisualizerHook', 'TrainStepLoggerHook']
