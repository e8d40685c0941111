"""The LibMTL side of ``tools/analysis/libmtl_crosscheck.py``; runs in the throw-away environment that has LibMTL.

    python tools/analysis/libmtl_worker.py --probe OUT
    python tools/analysis/libmtl_worker.py SPEC OUT

``SPEC`` and ``OUT`` are ``torch.save`` files: the cross-check writes the problem and the jobs (one LibMTL
weighting method on one case, several steps) and reads back, per job and step, the gradient LibMTL leaves in
the shared parameters, the weights its ``backward`` returns, its own parameters and their gradients, and
its state. Only torch, numpy and LibMTL are imported here (never mtlreg), and no LibMTL file is edited; what
LibMTL 1.1.5 needs to run on a current torch is supplied at run time:

- ``LibMTL/model/resnet.py`` (imported by the package) imports ``torchvision.models.utils``, which current
  torchvision no longer has; a module of that name offering ``load_state_dict_from_url`` (torch.hub's) is put in
  ``sys.modules`` (and an empty ``torchvision`` too where torchvision is not installed).
- The weighting classes are mixins of LibMTL's architecture (``AbsArchitecture``) and ``Trainer``, which
  hard-codes ``torch.device('cuda:0')``. Here a small host object gives them what they read: ``task_num``,
  ``task_name``, ``device`` (the CPU), ``rep_grad``, ``get_share_params``, ``zero_grad_share_params``,
  ``epoch``, ``train_loss_buffer`` and, for representation gradients, ``rep``/``rep_tasks``.
- ``zero_grad_share_params`` zeroes the gradients in place: LibMTL's ``_reset_grad`` writes
  ``param.grad.data`` and fails on the ``None`` that ``nn.Module.zero_grad()`` leaves since torch 2.0.
- Methods that shuffle the tasks with Python's ``random`` (PCGrad, GradVac) can be given each order in turn:
  the module's ``random`` is replaced, for one call of ``backward``, by an object whose ``shuffle`` puts the
  list in a prescribed order.
"""
import argparse
import copy
import itertools
import sys
import types


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Run LibMTL weighting methods on the cross-check problem')
    parser.add_argument('spec', nargs='?', help='torch.save file with the problem and the jobs')
    parser.add_argument('out', help='torch.save file for the results')
    parser.add_argument('--probe', action='store_true', help='only report the LibMTL version and its methods')
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------------------------- the problem
def shared_representation(theta, x):
    """The shared network: per-feature gains ``z = w ⊙ x`` (``w``: the shared parameters, flattened), batch of one."""
    import torch
    return (torch.cat([p.reshape(-1) for p in theta]) * x).reshape(1, -1)


def task_losses(z, heads, targets, offsets, reps=None, tasks=None):
    """``L_k = (a_k · z − t_k)² + c_k`` for every task k (``reps[task]`` instead of ``z`` where given)."""
    losses = []
    for k in range(len(heads)):
        rep = z if reps is None else reps[tasks[k]]
        prediction = rep @ heads[k]
        losses.append(((prediction - targets[k]) ** 2).mean() + offsets[k])
    return losses


# ---------------------------------------------------------------------------------------------- LibMTL
SHIMS = []


def import_libmtl():
    """``LibMTL.weighting``, with the removed ``torchvision.models.utils`` supplied first."""
    import torch
    try:
        import torchvision.models.utils  # noqa: F401
    except ImportError:
        try:
            import torchvision.models as tv_models
        except ImportError:
            for name in ('torchvision', 'torchvision.models'):
                module = types.ModuleType(name)
                module.__path__ = []
                sys.modules[name] = module
            sys.modules['torchvision'].models = sys.modules['torchvision.models']
            tv_models = sys.modules['torchvision.models']
            SHIMS.append('torchvision (absent): an empty module')
        utils = types.ModuleType('torchvision.models.utils')
        utils.load_state_dict_from_url = torch.hub.load_state_dict_from_url
        sys.modules['torchvision.models.utils'] = utils
        tv_models.utils = utils
        SHIMS.append('torchvision.models.utils: load_state_dict_from_url from torch.hub')
    import LibMTL.weighting
    return LibMTL.weighting


def libmtl_version() -> str:
    from importlib import metadata
    try:
        return metadata.version('LibMTL')
    except metadata.PackageNotFoundError:
        return 'unknown'


def make_host(weighting_class, tasks, rep_grad, epochs):
    """A LibMTL weighting object with the attributes its methods read (on the CPU)."""
    import numpy as np
    import torch

    class Host(weighting_class):
        def __init__(self):
            super().__init__()
            self.task_name = list(tasks)
            self.task_num = len(tasks)
            self.device = torch.device('cpu')
            self.rep_grad = rep_grad
            self.epoch = 0
            self.train_loss_buffer = np.zeros((len(tasks), epochs))
            self.shared = []
            if rep_grad:
                self.rep, self.rep_tasks = None, {}
            self.init_param()

        def get_share_params(self):
            return iter(self.shared)

        def zero_grad_share_params(self):
            for p in self.shared:
                if p.grad is not None:
                    p.grad.detach_()
                    p.grad.zero_()

    return Host()


class FixedOrders:
    """Stands in for ``random`` in a LibMTL module: the i-th ``shuffle`` puts ``orders[i]`` last, in that order.

    PCGrad shuffles all the task indices (task i itself included, where it projects on nothing); GradVac
    the other tasks only. Either way the other tasks come in the order given.
    """

    def __init__(self, orders):
        self.orders = [list(o) for o in orders]
        self.calls = 0

    def shuffle(self, seq):
        order = self.orders[self.calls % len(self.orders)]
        self.calls += 1
        rest = [j for j in seq if j not in order]
        if sorted(rest + order) != sorted(seq):
            raise ValueError(f'prescribed order {order} does not fit {seq}')
        seq[:] = rest + order


def order_choices(num_tasks):
    """Every assignment of an order of the other tasks to each task: ((K−1)!)^K of them."""
    per_task = [list(itertools.permutations([j for j in range(num_tasks) if j != i])) for i in range(num_tasks)]
    return list(itertools.product(*per_task))


def run_step(host, weighting_module, problem, case, step, kwargs, order=None, seed=None):
    """One LibMTL ``backward`` on a fresh copy of the shared parameters; what it leaves and returns."""
    import numpy as np
    import torch

    theta = [p.detach().clone().requires_grad_(True) for p in problem['theta0']]
    host.shared = theta
    z = shared_representation(theta, problem['x'])
    if host.rep_grad:
        host.rep = z
        host.rep_tasks = {t: z.detach().clone().requires_grad_(True) for t in case['tasks']}
        losses = task_losses(z, step['heads'], step['targets'], step['offsets'], host.rep_tasks, case['tasks'])
    else:
        losses = task_losses(z, step['heads'], step['targets'], step['offsets'])
    losses = torch.stack(losses)
    for p in host.parameters():
        p.grad = None
    own = [p.detach().clone() for p in host.parameters()]
    saved_random = getattr(weighting_module, 'random', None)
    if order is not None:
        weighting_module.random = FixedOrders(order)
    try:
        if seed is not None:
            torch.manual_seed(seed)
        weights = host.backward(losses, **kwargs)
    finally:
        if order is not None:
            weighting_module.random = saved_random
    grad = torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).detach().reshape(-1).clone()
                      for p in theta])
    result = {'grad': grad, 'losses': losses.detach().clone(),
              'weights': None if weights is None else torch.as_tensor(np.asarray(weights, dtype=np.float64)),
              'own': torch.cat([p.reshape(-1) for p in own]) if own else None,
              'own_grad': torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).detach().reshape(-1)
                                     for p in host.parameters()]) if own else None,
              'order': order}
    return result


def state_of(host, names):
    import torch
    return {n: copy.deepcopy(getattr(host, n)) for n in names if isinstance(getattr(host, n, None), torch.Tensor)}


def restore_state(host, names, state):
    for n in names:
        if n in state:
            setattr(host, n, copy.deepcopy(state[n]))
        elif n in host.__dict__:
            delattr(host, n)


def distance(result, reference, reference_state, state, state_names):
    """How far a LibMTL step is from mtlreg's (gradient, and state where both keep one)."""
    if reference is None:
        return 0.0
    d = float((result['grad'].double() - reference.double()).abs().max())
    if reference_state is not None:
        for n in state_names:
            if n in state:
                d += float((state[n].double() - reference_state.double()).abs().max())
    return d if d == d else float('inf')


def run_job(weighting, problem, case, job):
    """All steps of one method on one case; ``{'steps': [...], 'error': str | None}``."""
    import torch

    cls = getattr(weighting, job['method'])
    module = sys.modules[cls.__module__]
    steps, epoch_len = case['steps'], case['epoch_len']
    epochs = (len(steps) + epoch_len - 1) // epoch_len
    host = make_host(cls, case['tasks'], job['rep_grad'], epochs)
    params = list(host.parameters())
    optimizer = torch.optim.SGD(params, lr=job['lr']) if params else None
    names = job.get('state_attrs', [])
    out, epoch_losses = [], []
    try:
        for t, step in enumerate(steps):
            epoch = t // epoch_len
            if t and t % epoch_len == 0:
                host.train_loss_buffer[:, epoch - 1] = torch.stack(epoch_losses).double().mean(0).numpy()
                epoch_losses = []
            host.epoch = epoch
            seed = job['seeds'][t] if job.get('seeds') else None
            orders = order_choices(len(case['tasks'])) if job.get('search_orders') else [None]
            reference = job['reference'][t] if job.get('reference') else None
            reference_state = job['reference_state'][t] if job.get('reference_state') else None
            before = state_of(host, names)
            best = None
            for order in orders:
                restore_state(host, names, before)
                result = run_step(host, module, problem, case, step, job['kwargs'], order, seed)
                after = state_of(host, names)
                score = distance(result, reference, reference_state, after, names)
                if best is None or score < best[0]:
                    best = (score, order, result, after)
            if len(orders) > 1:  # run the chosen order again, so that the own parameters' gradients are its own
                restore_state(host, names, before)
                result = run_step(host, module, problem, case, step, job['kwargs'], best[1], seed)
            else:
                result = best[2]
            result['state'] = {n: v.detach().clone() for n, v in state_of(host, names).items()}
            result['orders_tried'] = len(orders)
            out.append(result)
            epoch_losses.append(result['losses'])
            if optimizer is not None:
                optimizer.step()
    except Exception as err:  # noqa: B902 - a LibMTL failure is a result of the cross-check
        return {'steps': out, 'error': f'{type(err).__name__}: {err}', 'failed_step': len(out)}
    return {'steps': out, 'error': None}


def main(argv=None):
    args = parse_args(argv)
    import torch
    torch.set_num_threads(1)
    weighting = import_libmtl()
    if args.probe:
        methods = [m for m in getattr(weighting, '__all__', []) if m != 'AbsWeighting']
        torch.save({'version': libmtl_version(), 'methods': methods, 'shims': list(SHIMS),
                    'torch': torch.__version__}, args.out)
        return
    if args.spec is None:
        raise SystemExit('libmtl_worker: SPEC is required unless --probe')
    spec = torch.load(args.spec, weights_only=False)
    results = {}
    for job in spec['jobs']:
        results[job['key']] = run_job(weighting, spec['problem'], spec['cases'][job['case']], job)
    torch.save({'version': libmtl_version(), 'shims': list(SHIMS), 'results': results}, args.out)


if __name__ == '__main__':
    main()
