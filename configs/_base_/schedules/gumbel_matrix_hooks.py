# The Gumbel-Matrix training hooks: the public code's temperature max(0.5, τ0 / sqrt(step + 1)) from the
# policy's τ0 (temperature=50.0 in the configs, as in that code), task embeddings and allocation
# probabilities in TensorBoard and the work dir, the final allocation.
named_hooks = dict(
    temperature=dict(type='TemperatureScheduleHook', schedule='inverse_sqrt', minimum=0.5),
    # the policy's report (GumbelMatrixPolicy: task embeddings, allocation probabilities); files in
    # <work_dir>/task_embeddings/ after training
    task_embedding=dict(type='PolicyReportHook', interval=500),
    policy_visualization=dict(type='PolicyVisualizationHook', interval=500))
