from .checkpoint_loading import UnreadableCheckpointError, check_matches, load_checkpoint_file
from .multitask_runner import MultiTaskRunner, resolve_task_config
from .random_state import get_random_state, set_random_state

__all__ = ['MultiTaskRunner', 'resolve_task_config', 'load_checkpoint_file', 'check_matches',
           'UnreadableCheckpointError', 'get_random_state', 'set_random_state']
