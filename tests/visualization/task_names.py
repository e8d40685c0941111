"""The task names the picture tests draw."""

TASKS = ['seg', 'depth', 'edge']
