# omniglot_20task.py with random affine augmentation of the training drawings (shifts up to 10 %, rotations and
# shears up to 10°, scaling by 0.9 to 1.1): each character has only 10 training drawings, and without it a
# CPU-scale network fits them all and stops learning (docs/methods/gumbel_matrix.md). Validation and test
# drawings are not augmented.
_base_ = ['./omniglot_20task.py']
# the task names of omniglot_20task.py (a config cannot iterate over its base's values)
_tasks = ('arcadian', 'armenian', 'asomtavruli', 'balinese', 'bengali', 'blackfoot', 'braille', 'cyrillic',
          'early_aramaic', 'syriac', 'futhorc', 'futurama', 'grantha', 'greek', 'gujarati', 'hebrew', 'hiragana',
          'inuktitut', 'jawi', 'katakana')
_train_pipeline = [
    dict(type='Albumentations', transforms=[dict(type='Affine', translate_percent=(-0.1, 0.1), rotate=(-10, 10),
                                                 scale=(0.9, 1.1), shear=(-10, 10), p=1.0)]),
    dict(type='PackMultiTaskInputs', mean=(0.077,), std=(0.223,))]
train_dataloader = dict(dataset=dict(datasets={task: dict(pipeline=_train_pipeline) for task in _tasks}))
# No dropout before the heads (App. C1 sets 0.5 for its 48-channel, 8-layer network): with augmented drawings
# the 32-channel network's features underfit under dropout 0.5 (training loss 1.8 at the end of the schedule,
# docs/methods/gumbel_matrix.md).
tasks = {task: dict(head=dict(dropout=0.0)) for task in _tasks}
