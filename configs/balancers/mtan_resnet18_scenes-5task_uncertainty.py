# MTAN with uncertainty weighting (Kendall et al., CVPR 2018): s_k = log sigma_k^2 from -0.5;
# segmentation with the paper's classification factor, the other (regression) tasks with 1/2.
_base_ = ['../mtan/mtan_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='UncertaintyBalancer', init_log_var=-0.5, task_types=dict(seg='classification')))
