from .model_summary_hook import ModelSummaryHook
from .policy_schedule_hooks import CurriculumHook, TemperatureScheduleHook
from .policy_visualization_hook import PolicyVisualizationHook
from .task_embedding_hook import TaskEmbeddingHook
from .rewind_weights_hook import RewindWeightsHook
from .save_metrics_hook import SaveMetricsHook
from .dag_topology_hook import DAGTopologyHook
from .stage_hooks import BestPolicyHook, DiscretizePolicyHook, PolicyModeHook, ReinitializeWeightsHook

__all__ = ['ModelSummaryHook', 'TemperatureScheduleHook', 'CurriculumHook', 'PolicyVisualizationHook',
           'BestPolicyHook', 'DiscretizePolicyHook', 'PolicyModeHook', 'ReinitializeWeightsHook', 'TaskEmbeddingHook',
           'RewindWeightsHook', 'DAGTopologyHook', 'SaveMetricsHook']
from .checkpoint_hook import SafeCheckpointHook
from .divergence_guard_hook import DivergenceGuardHook

__all__ += ['SafeCheckpointHook', 'DivergenceGuardHook']
from .task_data_check_hook import TaskDataCheckHook

__all__ += ['TaskDataCheckHook']
from .test_metrics_visualizer_hook import TestMetricsVisualizerHook

__all__ += ['TestMetricsVisualizerHook']
from .eta_timer_hook import EtaTimerHook
from .logger_hook import TrainStepLoggerHook

__all__ += ['EtaTimerHook', 'TrainStepLoggerHook']
