"""Where a DAG network's search sends its gradient: the upper-level parameters per state and task (Choi & Im).

Runs a DAG config's warm-up and search (the fine-tuning for one iteration, so that the reduction runs and
writes its report), records the gradient that reaches the read-in logits α, the read-out logits β and the
edge logits γ at every search iteration (the sum of the task loss' and the squeeze loss' parts, what the
optimiser sees), and prints, per hidden state, the root mean square over iterations and tasks of
∂L/∂α_i, ∂L/∂β_i and ∂L/∂γ_ij (the edges into state i), the final σ(α) of every task, where its read-in
argmax falls and the depth D of its reduced sub-network. A state whose α-gradient is orders of
magnitude below the others' is decided by noise.

Example::

    python tools/analysis/dag_search_diagnostics.py configs/dag_network/dag_vgg16-m3_scenes-5task.py \\
        --work-dir work_dirs/dag_diagnostics/paper
    python tools/analysis/dag_search_diagnostics.py configs/dag_network/dag_vgg16-m3_scenes-5task.py \\
        --work-dir work_dirs/dag_diagnostics/no_squeeze --cfg-options model.policy.squeeze_weight=0
"""
import argparse
import json
import math
import os.path as osp
import sys

from mtlreg.utils.cli import ConfigOptionsAction, run_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Gradients of a DAG search per state and task')
    parser.add_argument('config', help='a DAG network config')
    parser.add_argument('--work-dir', default='work_dirs/dag_search_diagnostics')
    parser.add_argument('--seed', type=int, default=0, help='randomness.seed of the run')
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptionsAction, default={},
                        help='config overrides, KEY=VALUE')
    parser.add_argument('--data-root', action='append', default=[], metavar='PREFIX=PATH')
    parser.add_argument('--out', help='JSON file of the summary (default: <work-dir>/search_diagnostics.json)')
    return parser.parse_args(argv)


class GradientRecorder:
    """Sums the squared gradients of the policy's logits over the search iterations (tensor hooks)."""

    def __init__(self, policy):
        import torch
        self.policy = policy
        self.sums = {name: torch.zeros_like(getattr(policy, name)) for name in
                     ('read_in_logits', 'read_out_logits', 'edge_logits')}
        self.steps = {name: 0 for name in self.sums}
        for name in self.sums:
            getattr(policy, name).register_hook(self._hook(name))

    def _hook(self, name):
        def record(grad):
            if self.policy.mode == 'search':
                self.sums[name] += grad.detach().double().pow(2).to(self.sums[name].dtype)
                self.steps[name] += 1
        return record

    def rms(self, name):
        """The root mean square over iterations, per task and entry."""
        return (self.sums[name] / max(self.steps[name], 1)).sqrt()


def summarise(policy, recorder, topology: dict) -> dict:
    """Per state: RMS gradients of α, β and the edges into it; per task: σ(α), its argmax and the reduced depth."""
    valid = policy.edge_validity().float()
    alpha, beta = recorder.rms('read_in_logits'), recorder.rms('read_out_logits')
    gamma = recorder.rms('edge_logits') * valid
    n = policy.num_states
    states = []
    for i in range(n):
        into = valid[:, i].sum()
        states.append(dict(
            state=i + 1,
            alpha=float(alpha[:, i].pow(2).mean().sqrt()),
            beta=float(beta[:, i].pow(2).mean().sqrt()),
            gamma_in=float(gamma[:, :, i].pow(2).sum() / (into * len(policy.task_names))) ** 0.5 if into else None))
    tasks = {}
    sigma_alpha = policy.read_in_logits.detach().sigmoid()
    sigma_beta = policy.read_out_logits.detach().sigmoid()
    sigma_gamma = policy.edge_logits.detach().sigmoid()
    for k, task in enumerate(policy.task_names):
        tasks[task] = dict(sigma_alpha=[round(float(v), 3) for v in sigma_alpha[k]],
                           sigma_beta=[round(float(v), 3) for v in sigma_beta[k]],
                           mean_sigma_gamma=round(float((sigma_gamma[k] * valid).sum() / valid.sum()), 3),
                           read_in_argmax=int(sigma_alpha[k].argmax()) + 1,
                           read_out_argmax=int(sigma_beta[k].argmax()) + 1,
                           depth=(topology.get(task) or {}).get('depth'),
                           width=(topology.get(task) or {}).get('width'),
                           sparsity=(topology.get(task) or {}).get('sparsity'))
    return dict(iterations=recorder.steps['read_in_logits'], states=states, tasks=tasks)


def print_summary(summary: dict) -> None:
    print(f'search iterations recorded: {summary["iterations"]}')
    print('state   rms dL/dα     rms dL/dβ     rms dL/dγ (edges in)')
    for s in summary['states']:
        gamma = f'{s["gamma_in"]:.3e}' if s['gamma_in'] is not None else '—'
        print(f'{s["state"]:>5}   {s["alpha"]:.3e}     {s["beta"]:.3e}     {gamma}')
    print('task        argmax α  argmax β  mean σ(γ)  D    W    S       σ(α) by state | σ(β) by state')
    for task, t in summary['tasks'].items():
        shape = '   '.join('—' if t[k] is None else f'{t[k]:g}' for k in ('depth', 'width', 'sparsity'))
        print(f'{task:<11} {t["read_in_argmax"]:>8}  {t["read_out_argmax"]:>8}  {t["mean_sigma_gamma"]:>9.3f}  {shape}   '
              + ' '.join(f'{v:.2f}' for v in t['sigma_alpha']) + ' | ' + ' '.join(f'{v:.2f}' for v in t['sigma_beta']))
    collapsed = [task for task, t in summary['tasks'].items() if t['depth'] == 0]
    print(f'tasks reduced to read-in -> read-out (D = 0): {collapsed or "none"}')


def main(argv=None):
    args = parse_args(argv)
    from mtlreg.engine.config_loading import load_config
    from mtlreg.engine.config_utils import parse_data_roots, remap_data_roots
    from mtlreg.engine.runner import MultiTaskRunner
    from mtlreg.registry import register_all_modules
    from mtlreg.utils.atomic_io import write_json_atomic
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)
    if args.data_root:
        remap_data_roots(cfg, parse_data_roots(args.data_root))
    cfg.work_dir = args.work_dir
    cfg.randomness = dict(seed=args.seed)
    stages = cfg.train_cfg.stages
    stages.finetune.iters = 1  # the reduction and its report run when the fine-tuning starts
    for stage in stages.values():
        stage.pop('val_interval', None)
    cfg.test_after_train = False
    runner = MultiTaskRunner.from_cfg(cfg)
    model = runner.model.module if hasattr(runner.model, 'module') else runner.model
    recorder = GradientRecorder(model.policy)
    runner.train()
    path = osp.join(cfg.work_dir, 'topology', 'topology.json')
    topology = {}
    if osp.isfile(path):
        with open(path) as f:
            topology = json.load(f).get('tasks', {})
    summary = summarise(model.policy, recorder, topology)
    summary.update(config=args.config, seed=args.seed, cfg_options={k: str(v) for k, v in args.cfg_options.items()})
    write_json_atomic(args.out or osp.join(cfg.work_dir, 'search_diagnostics.json'), summary)
    print_summary(summary)
    if not all(math.isfinite(s['alpha']) for s in summary['states']):
        sys.exit(1)


if __name__ == '__main__':
    run_tool(main)
