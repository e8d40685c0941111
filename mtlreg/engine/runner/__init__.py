from .multitask_runner import MultiTaskRunner, load_checkpoint_file, resolve_task_config
from .random_state import get_random_state, set_random_state

__all__ = ['MultiTaskRunner', 'resolve_task_config', 'load_checkpoint_file', 'get_random_state',
           'set_random_state']
