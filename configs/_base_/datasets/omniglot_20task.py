# Omniglot multi-task (Maziarz et al., Sec. V-B, Table II): 20 alphabets as tasks, their characters as
# classes, each character's 20 drawings split 10/4/6 into train/val/test, images downsampled to 28x28.
# The alphabets are the first 20 rows of alphabets.csv (the character-id order of the original
# release; see docs/datasets/omniglot.md). Per-task batches of 16, one batch per task per round.
_base_ = ['./per_task_batches.py']
_data_root = 'data/omniglot'
_image_size = 28
_pipeline = [dict(type='PackMultiTaskInputs', mean=(0.077,), std=(0.223,))]
_alphabets = dict(  # task name: (alphabet, characters)
    arcadian=('Arcadian', 26), armenian=('Armenian', 41), asomtavruli=('Asomtavruli_(Georgian)', 40),
    balinese=('Balinese', 24), bengali=('Bengali', 46),
    blackfoot=('Blackfoot_(Canadian_Aboriginal_Syllabics)', 14), braille=('Braille', 26),
    cyrillic=('Cyrillic', 33), early_aramaic=('Early_Aramaic', 22), syriac=('Syriac_(Estrangelo)', 23),
    futhorc=('Anglo-Saxon_Futhorc', 29), futurama=('Futurama', 26), grantha=('Grantha', 43),
    greek=('Greek', 24), gujarati=('Gujarati', 48), hebrew=('Hebrew', 22),
    hiragana=('Japanese_(hiragana)', 52), inuktitut=('Inuktitut_(Canadian_Aboriginal_Syllabics)', 16),
    jawi=('Malay_(Jawi_-_Arabic)', 40), katakana=('Japanese_(katakana)', 47))


def _datasets(split):
    return dict(type='TaskConcatDataset', datasets={
        task: dict(type='OmniglotDataset', data_root=_data_root, alphabet=alphabet, split=split, label=task,
                   image_size=_image_size, pipeline=_pipeline)
        for task, (alphabet, _) in _alphabets.items()})


train_dataloader = dict(batch_size=16, dataset=_datasets('train'))
val_dataloader = dict(batch_size=128, dataset=_datasets('val'))
test_dataloader = dict(batch_size=128, dataset=_datasets('test'))
del _datasets

tasks = {task: dict(head=dict(type='LinearClassificationHead', num_classes=n, dropout=0.5),
                    loss=dict(type='CrossEntropyLoss'), metric=dict(type='ClassificationMetric'), weight=1.0)
         for task, (_, n) in _alphabets.items()}
val_evaluator = dict(average_metrics=['accuracy'])
test_evaluator = val_evaluator
