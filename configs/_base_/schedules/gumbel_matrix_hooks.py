# The Gumbel-Matrix training hooks: the public code's temperature max(0.5, 50 / sqrt(step + 1)), task
# embeddings and allocation probabilities in TensorBoard and the work dir, the final allocation.
named_hooks = dict(
    temperature=dict(type='TemperatureScheduleHook', schedule='inverse_sqrt', start=50.0, minimum=0.5),
    task_embedding=dict(type='TaskEmbeddingHook', interval=500),
    policy_visualization=dict(type='PolicyVisualizationHook', interval=500))
