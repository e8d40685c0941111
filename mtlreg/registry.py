"""Registries of mtlreg: one per extension category.

Two kinds live here:

* the MMEngine-facing registries (``MODELS``, ``DATASETS``, ``HOOKS``, ...) are
  children of MMEngine's roots under the scope ``mtlreg``, so the Runner finds
  them with ``default_scope='mtlreg'``;
* the mtlreg categories (``BACKBONES``, ``POLICIES``, ``HEADS``, ``LOSSES``,
  ``BALANCERS``) are roots of their own, also with scope ``mtlreg``. MMEngine
  allows one child per scope under a parent and, while a default scope is
  active, resolves a build through the child of that scope in the root's tree;
  giving each category its own tree keeps its members listed on their own and
  ``type=`` resolving inside it.
"""
import importlib

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import INFERENCERS as MMENGINE_INFERENCERS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS

from mtlreg.utils.plugins import load_plugins
from mtlreg.utils.registry_base import MtlRegistry
from mtlreg.utils.setup_env import set_runtime_env

# Runner
RUNNERS = MtlRegistry('runner', parent=MMENGINE_RUNNERS, scope='mtlreg', locations=['mtlreg.engine'])
RUNNER_CONSTRUCTORS = MtlRegistry('runner constructor', parent=MMENGINE_RUNNER_CONSTRUCTORS, scope='mtlreg', locations=['mtlreg.engine'])
LOOPS = MtlRegistry('loop', parent=MMENGINE_LOOPS, scope='mtlreg', locations=['mtlreg.engine'])
HOOKS = MtlRegistry('hook', parent=MMENGINE_HOOKS, scope='mtlreg', locations=['mtlreg.engine'])
LOG_PROCESSORS = MtlRegistry('log processor', parent=MMENGINE_LOG_PROCESSORS, scope='mtlreg', locations=['mtlreg.engine'])

# Data
DATASETS = MtlRegistry('dataset', parent=MMENGINE_DATASETS, scope='mtlreg', locations=['mtlreg.datasets'])
DATA_SAMPLERS = MtlRegistry('data sampler', parent=MMENGINE_DATA_SAMPLERS, scope='mtlreg', locations=['mtlreg.datasets'])
TRANSFORMS = MtlRegistry('transform', parent=MMENGINE_TRANSFORMS, scope='mtlreg', locations=['mtlreg.datasets.transforms'])
FUNCTIONS = MtlRegistry('function', parent=MMENGINE_FUNCTIONS, scope='mtlreg', locations=['mtlreg.datasets'])

# Models: the MMEngine-facing registry and mtlreg's own categories
MODELS = MtlRegistry('model', parent=MMENGINE_MODELS, scope='mtlreg', locations=['mtlreg.models'])
MODEL_WRAPPERS = MtlRegistry('model wrapper', parent=MMENGINE_MODEL_WRAPPERS, scope='mtlreg', locations=['mtlreg.engine'])
WEIGHT_INITIALIZERS = MtlRegistry('weight initializer', parent=MMENGINE_WEIGHT_INITIALIZERS, scope='mtlreg', locations=['mtlreg.models'])
BACKBONES = MtlRegistry('backbone', scope='mtlreg', locations=['mtlreg.models.backbones'])
POLICIES = MtlRegistry('policy', scope='mtlreg', locations=['mtlreg.models.policies'])
HEADS = MtlRegistry('head', scope='mtlreg', locations=['mtlreg.models.heads'])
LOSSES = MtlRegistry('loss', scope='mtlreg', locations=['mtlreg.models.losses'])
BALANCERS = MtlRegistry('balancer', scope='mtlreg', locations=['mtlreg.models.balancers'])

# Optimisation
OPTIMIZERS = MtlRegistry('optimizer', parent=MMENGINE_OPTIMIZERS, scope='mtlreg', locations=['mtlreg.engine'])
OPTIM_WRAPPERS = MtlRegistry('optim wrapper', parent=MMENGINE_OPTIM_WRAPPERS, scope='mtlreg', locations=['mtlreg.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = MtlRegistry('optim wrapper constructor', parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, scope='mtlreg', locations=['mtlreg.engine'])
PARAM_SCHEDULERS = MtlRegistry('parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS, scope='mtlreg', locations=['mtlreg.engine'])

# Evaluation
METRICS = MtlRegistry('metric', parent=MMENGINE_METRICS, scope='mtlreg', locations=['mtlreg.evaluation'])
EVALUATOR = MtlRegistry('evaluator', parent=MMENGINE_EVALUATOR, scope='mtlreg', locations=['mtlreg.evaluation'])
TASK_UTILS = MtlRegistry('task util', parent=MMENGINE_TASK_UTILS, scope='mtlreg', locations=['mtlreg.models'])

# Visualisation
VISUALIZERS = MtlRegistry('visualizer', parent=MMENGINE_VISUALIZERS, scope='mtlreg', locations=['mtlreg.visualization'])
VISBACKENDS = MtlRegistry('vis backend', parent=MMENGINE_VISBACKENDS, scope='mtlreg', locations=['mtlreg.visualization'])
INFERENCERS = MtlRegistry('inferencer', parent=MMENGINE_INFERENCERS, scope='mtlreg')

#: Every registry by the category name used in docs and ``tools/misc/list_modules.py``.
ALL_REGISTRIES = {
    'runners': RUNNERS, 'loops': LOOPS, 'hooks': HOOKS, 'log_processors': LOG_PROCESSORS,
    'datasets': DATASETS, 'data_samplers': DATA_SAMPLERS, 'transforms': TRANSFORMS,
    'functions': FUNCTIONS, 'models': MODELS, 'model_wrappers': MODEL_WRAPPERS,
    'weight_initializers': WEIGHT_INITIALIZERS, 'backbones': BACKBONES, 'policies': POLICIES,
    'heads': HEADS, 'losses': LOSSES, 'balancers': BALANCERS, 'optimizers': OPTIMIZERS,
    'optim_wrappers': OPTIM_WRAPPERS, 'optim_wrapper_constructors': OPTIM_WRAPPER_CONSTRUCTORS,
    'param_schedulers': PARAM_SCHEDULERS, 'metrics': METRICS, 'evaluator': EVALUATOR,
    'task_utils': TASK_UTILS, 'visualizers': VISUALIZERS, 'vis_backends': VISBACKENDS,
    'inferencers': INFERENCERS, 'runner_constructors': RUNNER_CONSTRUCTORS,
}


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mtlreg module and the installed plugins, so that all registries are filled.

    The modules are the registries' own ``locations`` (the packages MMEngine would import on a lookup),
    so this needs no list of its own and imports nothing above the registries until it is called.

    Args:
        init_default_scope: also make ``mtlreg`` the current default scope.
    """
    set_runtime_env()
    for registry in ALL_REGISTRIES.values():
        for location in registry._locations:
            importlib.import_module(location)
    load_plugins()
    if init_default_scope:
        from mmengine.registry import DefaultScope, init_default_scope as _init
        current = DefaultScope.get_current_instance()
        if current is None or current.scope_name != 'mtlreg':
            _init('mtlreg')
