"""Cross-check mtlreg's loss balancers against LibMTL's weighting methods on identical per-task gradients.

LibMTL (the released ``LibMTL==1.1.5``) is not a dependency of mtlreg: it lives in a throw-away virtual
environment, and its side runs there as a subprocess (``libmtl_worker.py`` beside this file), exchanging
inputs and outputs through temporary ``torch.save`` files::

    python tools/analysis/libmtl_crosscheck.py --make-env ../libmtl_env
    python tools/analysis/libmtl_crosscheck.py --libmtl-python ../libmtl_env/bin/python [--methods PCGrad,MGDA]

The problem is fixed and seeded. The shared network is a layer of per-feature gains on a fixed positive
input, ``z = w ⊙ x`` (batch of one), whose gains ``w`` are two shared parameters (a 2×2 block and a
2-vector); each task has a fixed linear head and the loss ``L_k = (a_k · z − t_k)² + c_k``. The heads,
targets and offsets are chosen so that every task has a prescribed gradient of the shared parameters and a
prescribed loss at every step. The cases, each with K = 2 and K = 3 tasks: ``conflicting`` (every pair of
gradients has a negative inner product), ``non-conflicting`` (every pair positive), ``one zero`` (the
conflicting gradients with the last task's replaced by zero; its loss stays positive) and ``equal`` (all
the tasks have the same gradient, their losses differ). Each case is a sequence of ``--steps`` steps whose
gradients drift and whose losses decrease at task-specific, varying rates; stateful methods (DWA, GradNorm, GradVac,
the learnable loss scales of UW and IMTL, stepped by SGD on both sides) carry their state through it. The
input and the gains are positive, so LibMTL's GradDrop, which works on the gradients of the representation
``z``, masks exactly what mtlreg's GradDrop masks on the parameter gradients.

Both sides get the same gradients: LibMTL computes them itself in ``backward`` from the shared parameters;
mtlreg's gradient-level balancers get the same per-task gradients in ``shared_gradients`` (computed with
autograd from the balancer's ``gradient_losses``), loss-level ones are differentiated through ``forward``.
Compared per step: the gradient of the shared parameters, the weights where both report the same
quantity, and the gradients of the balancer's own parameters (UW's, IMTL's and GradNorm's). Random
methods are compared with the randomness matched: RLW's and GradDrop's draws come from the generator
seeded as mtlreg seeds each step; PCGrad's and GradVac's task orders are searched (LibMTL is run under every
order of the other tasks, and the one nearest mtlreg's result is kept; for K = 2 there is only one).

With ``--via-update`` mtlreg's side runs through ``balancer.update()`` (the training step) with a small
optimiser wrapper that records the gradients at its step, instead of calling ``shared_gradients`` and
``forward`` directly.

The table gives, per LibMTL method and case, the largest difference over the steps (absolute; the task
gradients have norms of order 1) and a verdict: ``agrees`` (to ``--tol``), ``differs [n]`` with the reason in
note n, checked where it can be (the difference is recomputed from the reason: the clipping, the rescaling,
the EMA rule, the distance of each solver from a tight solution), or ``n/a [n]`` where LibMTL gives no usable
result and mtlreg's is checked on its own. ``DIFFERS``, ``LibMTL FAILS`` or ``mtlreg FAILS`` (a difference
without a known reason) make the exit code 1. A method whose mtlreg balancer
does not exist (or does not import) yet is listed as such. The exact references use SciPy.
"""
import argparse
import importlib.util
import os
import os.path as osp
import subprocess
import sys
import tempfile

from mtlreg.utils.cli import run_tool

HERE = osp.dirname(osp.abspath(__file__))
WORKER = osp.join(HERE, 'libmtl_worker.py')
LIBMTL_REQUIREMENT = 'LibMTL==1.1.5'
#: what LibMTL's weighting modules import (torchvision only through the package's model module, shimmed)
LIBMTL_IMPORTS = {'torch': 'torch', 'numpy': 'numpy', 'scipy': 'scipy'}

#: LibMTL method -> (mtlreg balancer, module file under mtlreg/models/balancers)
MTLREG_TWINS = {
    'EW': ('StaticBalancer', 'static'), 'GradNorm': ('GradNormBalancer', 'gradnorm'),
    'MGDA': ('MGDABalancer', 'mgda'), 'UW': ('UncertaintyBalancer', 'uncertainty'), 'DWA': ('DWABalancer', 'dwa'),
    'GLS': ('GLSBalancer', 'gls'), 'GradDrop': ('GradDropBalancer', 'graddrop'),
    'PCGrad': ('PCGradBalancer', 'pcgrad'), 'GradVac': ('GradVacBalancer', 'gradvac'),
    'IMTL': ('IMTLBalancer', 'imtl'), 'CAGrad': ('CAGradBalancer', 'cagrad'),
    'Nash_MTL': ('NashMTLBalancer', 'nash_mtl'), 'RLW': ('RLWBalancer', 'rlw'), 'MoCo': ('MoCoBalancer', 'moco'),
    'Aligned_MTL': ('AlignedMTLBalancer', 'aligned_mtl'), 'DB_MTL': ('DBMTLBalancer', 'db_mtl'),
    'STCH': ('STCHBalancer', 'stch'), 'ExcessMTL': ('ExcessMTLBalancer', 'excess_mtl'),
    'FairGrad': ('FairGradBalancer', 'fairgrad'), 'FAMO': ('FAMOBalancer', 'famo'), 'MoDo': ('MoDoBalancer', 'modo'),
    'SDMGrad': ('SDMGradBalancer', 'sdmgrad'), 'UPGrad': ('UPGradBalancer', 'upgrad'),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Cross-check mtlreg balancers against LibMTL 1.1.5')
    parser.add_argument('--make-env', metavar='DIR',
                        help=f'create a throw-away virtual environment with {LIBMTL_REQUIREMENT} in DIR and exit')
    parser.add_argument('--libmtl-python', metavar='PATH', help='the python of that environment')
    parser.add_argument('--methods', help='comma-separated LibMTL method names (default: every one with a recipe)')
    parser.add_argument('--steps', type=int, default=6, help='steps per case (default: 6, three LibMTL epochs)')
    parser.add_argument('--epoch-len', type=int, default=2,
                        help='steps per LibMTL epoch = mtlreg window (DWA, GradNorm warm-up); default 2')
    parser.add_argument('--tol', type=float, default=1e-5, help='agreement tolerance (max |Δ|); default 1e-5')
    parser.add_argument('--via-update', action='store_true',
                        help="run mtlreg's side through balancer.update() with a recording optimiser wrapper "
                             '(the training step) instead of shared_gradients()/forward() directly')
    parser.add_argument('--keep', metavar='DIR', help='keep the exchanged files in DIR')
    parser.add_argument('--debug', action='store_true', help='show the full traceback of an error')
    args = parser.parse_args(argv)
    if not args.make_env and not args.libmtl_python:
        parser.error('give --make-env DIR (to create the environment) or --libmtl-python PATH (to run)')
    if args.steps < 1 or args.epoch_len < 1:
        parser.error('--steps and --epoch-len must be >= 1')
    return args


# ============================================================================================ the environment
def make_env(directory: str) -> None:
    """A venv reusing this interpreter's packages (torch, numpy, scipy), with LibMTL installed without deps."""
    import site
    import sysconfig
    directory = osp.abspath(directory)
    print(f'creating {directory} from {sys.executable}')
    subprocess.check_call([sys.executable, '-m', 'venv', '--system-site-packages', directory])
    python = osp.join(directory, 'bin', 'python')
    target = subprocess.check_output([python, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                                     text=True).strip()
    # --system-site-packages reaches the base interpreter's packages; a venv's own (torch here) are added by a .pth
    ours = [p for p in dict.fromkeys(site.getsitepackages() + [sysconfig.get_paths()['purelib']]) if osp.isdir(p)]
    with open(osp.join(target, '_crosscheck_reuse.pth'), 'w') as f:
        f.write('\n'.join(ours) + '\n')
    subprocess.check_call([python, '-m', 'pip', 'install', '--quiet', '--no-deps', LIBMTL_REQUIREMENT])
    missing = [pkg for mod, pkg in LIBMTL_IMPORTS.items()
               if subprocess.call([python, '-c', f'import {mod}'], stderr=subprocess.DEVNULL)]
    if missing:
        print(f'installing what LibMTL imports and this environment lacks: {", ".join(missing)}')
        subprocess.check_call([python, '-m', 'pip', 'install', '--quiet', *missing])
    probe = probe_libmtl(python)
    print(f"LibMTL {probe['version']} (torch {probe['torch']}) in {directory}; weighting methods: "
          f"{', '.join(probe['methods'])}")
    for shim in probe['shims']:
        print(f'  supplied at run time: {shim}')
    print(f'\nrun the cross-check with:\n  {sys.executable} {osp.relpath(__file__)} --libmtl-python {python}')


def run_worker(python: str, argv: list[str]) -> None:
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONNOUSERSITE='1')
    done = subprocess.run([python, WORKER, *argv], env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f'the LibMTL worker failed (exit {done.returncode}):\n{done.stderr[-3000:]}')


def probe_libmtl(python: str) -> dict:
    import torch
    with tempfile.TemporaryDirectory() as tmp:
        out = osp.join(tmp, 'probe.pt')
        run_worker(python, ['--probe', out])
        return torch.load(out, weights_only=False)


def load_worker():
    """The worker module (for the problem's network, shared by both sides), loaded from beside this file."""
    spec = importlib.util.spec_from_file_location('libmtl_worker', WORKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ============================================================================================ the problem
SHAPES = ((2, 2), (2,))
CASE_KINDS = ('conflicting', 'non-conflicting', 'one zero', 'equal')


def base_gradients(kind: str, k: int, dim: int, gen):
    """The K prescribed gradient directions of a case (rows), before the per-step drift."""
    import math
    import torch
    q, _ = torch.linalg.qr(torch.randn(dim, dim, generator=gen, dtype=torch.float64))
    scales = torch.tensor([1.0, 2.0, 0.5][:k], dtype=torch.float64)
    if kind in ('conflicting', 'one zero', 'equal'):
        if k == 2:  # cosine −0.5
            rows = [q[0], -0.5 * q[0] + math.sqrt(0.75) * q[1]]
        else:  # 120° apart in a plane, a little of their own outside it: pairwise cosines about −0.45
            rows = [math.cos(a) * q[0] + math.sin(a) * q[1] + 0.3 * q[2 + i]
                    for i, a in enumerate((0.0, 2 * math.pi / 3, 4 * math.pi / 3))]
        g = torch.stack(rows) * scales[:, None]
        if kind == 'one zero':
            g[-1] = 0
        if kind == 'equal':
            g = g[:1].repeat(k, 1)
        return g
    common = q[0]
    return torch.stack([common + 0.8 * q[1 + i] for i in range(k)]) * scales[:, None]  # cosines about 0.6


def check_case(kind: str, g) -> None:
    dots = g @ g.T
    k = len(g)
    off = [float(dots[i, j]) for i in range(k) for j in range(k) if i < j]
    ok = {'conflicting': all(d < 0 for d in off), 'non-conflicting': all(d > 0 for d in off),
          'one zero': bool(g[-1].abs().max() == 0) and all(float(dots[i, j]) < 0 for i in range(k - 1)
                                                            for j in range(i + 1, k - 1)),
          'equal': bool((g - g[0]).abs().max() == 0)}[kind]
    if not ok:
        raise AssertionError(f'case {kind!r}: the drawn gradients do not have the property (Gram {dots.tolist()})')


def build_problem(num_steps: int, epoch_len: int, seed: int = 2024):
    """The shared parameters, the input and every case's per-step heads/targets/offsets (float32)."""
    import math
    import torch
    gen = torch.Generator().manual_seed(seed)
    dim = sum(math.prod(s) for s in SHAPES)
    theta = torch.empty(dim, dtype=torch.float64).uniform_(0.5, 1.5, generator=gen)
    x = torch.empty(dim, dtype=torch.float64).uniform_(0.5, 1.5, generator=gen)
    z = theta * x
    problem = {'theta0': [c.reshape(s).float() for c, s in
                          zip(torch.split(theta, [math.prod(s) for s in SHAPES]), SHAPES)], 'x': x.float()}
    cases = {}
    for k in (2, 3):
        for kind in CASE_KINDS:
            base = base_gradients(kind, k, dim, gen)
            loss0 = torch.tensor([1.2, 0.8, 2.0][:k], dtype=torch.float64)
            rate = torch.tensor([0.9, 0.75, 0.85][:k], dtype=torch.float64)
            drift = torch.tensor([1.0, -0.5, 0.7][:k], dtype=torch.float64)
            steps = []
            for t in range(num_steps):
                noise = torch.randn(k, dim, generator=gen, dtype=torch.float64) / math.sqrt(dim)
                if kind == 'equal':
                    noise = noise[:1].repeat(k, 1)
                    factor = torch.full((k,), 1.0 + 0.1 * t)
                else:
                    factor = 1.0 + 0.1 * t * drift
                g = base * factor[:, None] + 0.05 * base.norm(dim=1, keepdim=True) * noise
                check_case(kind, g)
                wobble = 1.0 + 0.2 * torch.cos(1.3 * t + torch.arange(k, dtype=torch.float64))  # ratios vary
                loss = loss0 * rate ** t * wobble
                residual = loss.sqrt() / 2  # L = r² + c with c = ¾ L > 0
                heads = g / (2 * residual[:, None] * x)  # ∂L/∂w = 2 r a ⊙ x = g
                targets = heads @ z - residual
                offsets = loss - residual ** 2
                steps.append({'heads': heads.float(), 'targets': targets.float(), 'offsets': offsets.float()})
            cases[f'K={k} {kind}'] = {'tasks': [f't{i}' for i in range(k)], 'steps': steps, 'epoch_len': epoch_len,
                                      'kind': kind, 'K': k}
    return problem, cases


# ============================================================================================ the methods
class Recipe:
    """How one LibMTL method meets its mtlreg twin: arguments on both sides, what to compare, known differences."""

    def __init__(self, name, libmtl_kwargs=None, mtlreg_args=None, label=None, rep_grad=False, lr=0.0,
                 seeded=False, search_orders=False, state_attrs=(), weights='same', own='none',
                 solver_weights=False):
        self.name, self.label = name, label or name
        self.libmtl_kwargs = libmtl_kwargs or {}
        self.mtlreg_args = mtlreg_args or (lambda case: {})
        self.rep_grad, self.lr, self.seeded, self.search_orders = rep_grad, lr, seeded, search_orders
        self.state_attrs = list(state_attrs)
        self.weights, self.own = weights, own
        #: the weights are what a solver picks among the combinations of the gradients (not unique for equal ones)
        self.solver_weights = solver_weights


#: the step size of the balancers' own parameters (UW's, IMTL's and GradNorm's), SGD on both sides
OWN_LR = 0.5


def recipes():
    return [
        Recipe('EW'),
        Recipe('DWA', {'T': 2.0}, lambda c: {'temperature': 2.0, 'window': c['epoch_len']}),
        Recipe('UW', {}, lambda c: {'init_log_var': -0.5}, lr=OWN_LR, own='grad'),
        Recipe('GLS', {}, lambda c: {'eps': 0.0}, weights='gls'),
        Recipe('RLW', {'dist': 'Normal'}, lambda c: {'seed': 0, 'scale': 'paper'}, seeded=True),
        Recipe('GradNorm', {'alpha': 1.5}, lambda c: {'alpha': 1.5, 'gradient_params': 'all_shared',
                                                    'weighting': 'softmax', 'warmup_iters': c['epoch_len']},
               lr=OWN_LR, own='grad'),
        Recipe('MGDA', {'mgda_gn': 'none'}, lambda c: {}, weights='mgda', solver_weights=True),
        Recipe('PCGrad', {}, lambda c: {'seed': 0}, search_orders=True, weights='none'),
        Recipe('GradVac', {'beta': 0.5}, lambda c: {'beta': 0.5}, search_orders=True, state_attrs=['rho_T']),
        Recipe('GradDrop', {'leak': 0.0}, lambda c: {'seed': 0}, rep_grad=True, seeded=True, weights='none'),
        Recipe('IMTL', {}, lambda c: {'init_scale': 0.0}, lr=OWN_LR, own='grad', weights='imtl'),
        Recipe('CAGrad', {'calpha': 0.5, 'rescale': 1}, lambda c: {'c': 0.5}, label='CAGrad (rescale=1)',
               weights='cagrad', solver_weights=True),
        Recipe('CAGrad', {'calpha': 0.5, 'rescale': 0}, lambda c: {'c': 0.5}, label='CAGrad (rescale=0)',
               weights='cagrad', solver_weights=True),
    ]


def resolve_balancer(class_name: str, module_file: str):
    """The mtlreg balancer class, or (None, why not)."""
    import importlib
    from mtlreg.registry import BALANCERS
    cls = BALANCERS.get(class_name)
    if cls is not None:
        return cls, None
    try:
        importlib.import_module(f'mtlreg.models.balancers.{module_file}')
    except ModuleNotFoundError as err:
        if err.name and err.name.endswith(module_file):
            return None, 'not in mtlreg yet'
        return None, f'not importable yet ({type(err).__name__}: {err})'
    except Exception as err:  # noqa: B902 - a module being written may fail in any way
        return None, f'not importable yet ({type(err).__name__}: {err})'
    cls = BALANCERS.get(class_name)
    return (cls, None) if cls is not None else (None, 'not in mtlreg yet')


# ============================================================================================ mtlreg's side
class RecordingWrapper:
    """The parts of an MMEngine optimiser wrapper a balancer's ``update`` uses; records the gradients at the step."""

    def __init__(self, optimizer, shared, balancer):
        self.optimizer, self.shared, self.balancer = optimizer, shared, balancer
        self.recorded = None

    def scale_loss(self, loss):
        return loss

    def backward(self, loss, **kwargs):
        loss.backward(**kwargs)

    def should_update(self):
        return True

    def step(self, **kwargs):
        import torch
        self.recorded = {
            'grad': torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).detach().reshape(-1).clone()
                               for p in self.shared]),
            'own_grad': [(p.grad if p.grad is not None else torch.zeros_like(p)).detach().reshape(-1).clone()
                         for p in self.balancer.parameters()]}
        if self.optimizer is not None:
            self.optimizer.step()

    def zero_grad(self, **kwargs):
        for p in self.shared:
            p.grad = None
        if self.optimizer is not None:
            self.optimizer.zero_grad()

    def update_params(self, loss, **kwargs):
        self.backward(loss)
        self.step()
        self.zero_grad()


def run_mtlreg(recipe, cls, problem, case, worker, via_update=False):
    """Every step of the case through the mtlreg balancer: gradient, weights, own parameters, state, seeds."""
    import torch
    from mtlreg.registry import BALANCERS
    tasks = case['tasks']
    balancer = BALANCERS.build(dict(type=cls.__name__, **recipe.mtlreg_args(case)), default_args=dict(task_names=tasks))
    balancer.train()
    own = list(balancer.parameters())
    optimizer = torch.optim.SGD(own, lr=recipe.lr) if own else None
    steps = []
    for step in case['steps']:
        seed = seed_of(balancer) if recipe.seeded else None
        theta = [p.detach().clone().requires_grad_(True) for p in problem['theta0']]
        z = worker.shared_representation(theta, problem['x'])
        losses = dict(zip(tasks, worker.task_losses(z, step['heads'], step['targets'], step['offsets'])))
        own_before = torch.cat([p.detach().reshape(-1).clone() for p in own]) if own else None
        for p in own:
            p.grad = None
        if via_update:
            wrapper = RecordingWrapper(optimizer, theta, balancer)
            objective = balancer(losses)
            weights = balancer.current_weights()  # what the model logs (loss level: this step's)
            balancer.update(losses, objective, lambda: theta, wrapper)
            grad, own_grad = wrapper.recorded['grad'], wrapper.recorded['own_grad']
            if balancer.gradient_level:  # a combination's weights are known after it; unless the step moved them
                weights = None if own else balancer.current_weights()
        else:
            if balancer.gradient_level:
                record = getattr(balancer, 'record_losses', None)
                if record is not None:  # GradNorm notes the step's losses before combining (as its update does)
                    record(losses)
                gradient_losses = balancer.gradient_losses(losses)
                per_task = {}
                for t, loss in gradient_losses.items():
                    got = torch.autograd.grad(loss, theta, retain_graph=True, allow_unused=True)
                    per_task[t] = [torch.zeros_like(p) if g is None else g for g, p in zip(got, theta)]
                combined = balancer.shared_gradients(per_task)
                balancer(losses).backward()  # the objective: the balancer's own parameters (the heads here are fixed)
                grad = torch.cat([g.detach().reshape(-1) for g in combined])
            else:
                balancer(losses).backward()
                grad = torch.cat([p.grad.detach().reshape(-1) for p in theta])
            own_grad = [(p.grad if p.grad is not None else torch.zeros_like(p)).detach().reshape(-1).clone()
                        for p in own]
            # the weights of this step: after forward (loss level) or the combination (gradient level), before
            # the own parameters move
            weights = balancer.current_weights()
            if optimizer is not None:
                optimizer.step()
                renormalise = getattr(balancer, 'renormalise', None)
                if renormalise is not None:
                    renormalise()
        steps.append({'grad': grad.clone(),
                      'weights': None if weights is None else torch.tensor([weights[t] for t in tasks],
                                                                           dtype=torch.float64),
                      'own': own_before, 'own_grad': torch.cat(own_grad) if own_grad else None, 'seed': seed,
                      'state': state_of(balancer, recipe)})
    return steps


def seed_of(balancer) -> int:
    """The seed of the balancer's draws in its next step (``step_seed`` of its seed and step count)."""
    from mtlreg.models.balancers.jacobian_balancer import step_seed
    return step_seed(balancer.seed, balancer.steps)


def state_of(balancer, recipe):
    if recipe.name == 'GradVac' and hasattr(balancer, 'aggregator_state'):
        phi = balancer.aggregator_state().get('phi_hat')
        return None if phi is None else phi.detach().clone()
    return None


# ============================================================================================ the comparison
def task_gradients_of(problem, step, worker):
    """The per-task gradients of the shared parameters at one step (K × n, float64), by autograd."""
    import torch
    theta = [p.detach().double().requires_grad_(True) for p in problem['theta0']]
    z = worker.shared_representation(theta, problem['x'].double())
    rows = []
    for loss in worker.task_losses(z, step['heads'].double(), step['targets'].double(), step['offsets'].double()):
        got = torch.autograd.grad(loss, theta, retain_graph=True)
        rows.append(torch.cat([g.reshape(-1) for g in got]))
    return torch.stack(rows)


def max_abs(a, b) -> float:
    import torch
    d = (torch.as_tensor(a).double() - torch.as_tensor(b).double()).abs()
    return float('nan') if torch.isnan(d).any() else float(d.max()) if d.numel() else 0.0


def libmtl_weights(recipe, lib_step, jacobian):
    """LibMTL's reported weights turned into the quantity mtlreg reports, or None where they are not comparable."""
    import torch
    w = lib_step['weights']
    if w is None or recipe.weights in ('none', 'gls'):
        return None
    w = w.double()
    if recipe.weights == 'imtl':  # LibMTL returns α; mtlreg logs α_k e^{s_k}, the weight of the loss L_k itself
        return w * torch.exp(lib_step['own'].double())
    if recipe.weights == 'cagrad':  # LibMTL returns the simplex w; mtlreg logs 1/K + (√φ / ‖g_w‖) w_k
        k = len(w)
        calpha = recipe.libmtl_kwargs['calpha']
        gram = jacobian @ jacobian.T
        c = calpha * float((gram.mean() + 1e-8).sqrt()) + 1e-8
        gw = (w[:, None] * jacobian).sum(0)
        return 1.0 / k + c / (float(gw.norm()) + 1e-8) * w
    return w


def compare(recipe, case, mt_steps, lib, problem, worker):
    """Per-step differences: gradient, weights, own parameters' gradients."""
    rows = []
    for t, (mt, lb) in enumerate(zip(mt_steps, lib['steps'])):
        jacobian = task_gradients_of(problem, case['steps'][t], worker)
        lw = libmtl_weights(recipe, lb, jacobian)
        rows.append({'grad': max_abs(mt['grad'], lb['grad']),
                     'weights': None if lw is None or mt['weights'] is None else max_abs(mt['weights'], lw),
                     'weight_sum': None if lw is None or mt['weights'] is None
                     else abs(float(mt['weights'].sum() - lw.sum())),
                     'own': None if recipe.own == 'none' or mt['own_grad'] is None or lb['own_grad'] is None
                     else max_abs(mt['own_grad'], lb['own_grad']),
                     'jacobian': jacobian})
    return rows


def worst(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return float('nan') if any(v != v for v in values) else max(values)


# ---------------------------------------------------------------------------------------------- known reasons
def simplex_minimum(fun, k):
    """The minimiser of ``fun`` over the probability simplex (SLSQP to 1e-15, from the centre)."""
    import numpy as np
    from scipy.optimize import minimize
    res = minimize(fun, np.full(k, 1.0 / k), method='SLSQP', bounds=[(0, 1)] * k,
                   constraints=[{'type': 'eq', 'fun': lambda a: a.sum() - 1}], options={'ftol': 1e-15, 'maxiter': 1000})
    return res.x


def min_norm_point(jacobian):
    """The exact minimum-norm point of the convex hull of the rows."""
    import torch
    gram = (jacobian @ jacobian.T).numpy()
    alpha = torch.as_tensor(simplex_minimum(lambda a: a @ gram @ a, len(gram)), dtype=torch.float64)
    return alpha @ jacobian


def cagrad_point(jacobian, c):
    """CAGrad's update ``g₀ + √φ g_w/‖g_w‖``, ``w = argmin g_w·g₀ + √φ‖g_w‖`` on the simplex, ``√φ = c‖g₀‖``."""
    import numpy as np
    import torch
    gram = (jacobian @ jacobian.T).numpy()
    k = len(gram)
    g0 = jacobian.mean(0)
    sqrt_phi = c * float(g0.norm())
    w = simplex_minimum(lambda a: a @ gram @ np.full(k, 1.0 / k) + sqrt_phi * np.sqrt(max(a @ gram @ a, 0.0)), k)
    gw = torch.as_tensor(w, dtype=torch.float64) @ jacobian
    return g0 + sqrt_phi / float(gw.norm()) * gw


class Note:
    """Why a row differs: ``text`` shared by the rows of one ``key``, ``detail`` the numbers of this row."""

    def __init__(self, key, text, detail=None):
        self.key, self.text, self.detail = key, text, detail


def explain_mgda(recipe, case, mt_steps, lib, deltas, tol, worker):
    import torch
    if case['K'] == 2:
        residual = 0.0
        for mt, lb, d in zip(mt_steps, lib['steps'], deltas):
            gamma = float(mt['weights'][0].clamp(0.001, 0.999))
            alpha = torch.tensor([gamma, 1 - gamma], dtype=torch.float64)
            residual = max(residual, max_abs(alpha @ d['jacobian'], lb['grad']), max_abs(alpha, lb['weights']))
        return Note('MGDA:clip', "LibMTL's two-task solution (from the official MGDA code) clips γ to [0.001, 0.999]: "
                    "where one gradient's projection on the other exceeds the other's squared norm, or one gradient "
                    "is zero, LibMTL keeps 0.001 of the second gradient; mtlreg's Frank-Wolfe reaches the vertex. "
                    "Checked: mtlreg's α clipped the same way gives LibMTL's gradient and weights",
                    f'to {residual:.1e}'), residual <= tol
    from mtlreg.registry import BALANCERS
    tight = BALANCERS.build(dict(type='MGDABalancer', epsilon=1e-6), default_args=dict(task_names=case['tasks']))
    lib_gap = mt_gap = tight_gap = 0.0
    for mt, lb, d in zip(mt_steps, lib['steps'], deltas):
        exact = min_norm_point(d['jacobian'])
        lib_gap, mt_gap = max(lib_gap, max_abs(lb['grad'], exact)), max(mt_gap, max_abs(mt['grad'], exact))
        rows = {t: [row.float()] for t, row in zip(case['tasks'], d['jacobian'])}
        tight_gap = max(tight_gap, max_abs(tight.shared_gradients(rows)[0], exact))
    return Note('MGDA:solver', "Solver tolerances: LibMTL's projected-gradient solver stops when Σ|Δα| < 1e-5 "
                "(at most 250 iterations, from the best pair, clipped to [0.001, 0.999]); mtlreg's Frank-Wolfe "
                "(torchjd) when its step γ < epsilon = 1e-3 (at most 100 iterations). Distance of each from the "
                "exact min-norm point (SciPy, 1e-15), and of mtlreg's with epsilon=1e-6",
                f'LibMTL {lib_gap:.1e}, mtlreg {mt_gap:.1e}, mtlreg with epsilon=1e-6 {tight_gap:.1e}'), \
        max(lib_gap, mt_gap) <= 1e-2 and tight_gap <= 1e-5


def cagrad_factor(recipe):
    c = recipe.libmtl_kwargs['calpha']
    return {0: 1.0, 1: 1 + c ** 2, 2: 1 + c}[recipe.libmtl_kwargs['rescale']]


def explain_cagrad(recipe, case, mt_steps, lib, deltas, tol, worker):
    c, rescale, factor = recipe.libmtl_kwargs['calpha'], recipe.libmtl_kwargs['rescale'], cagrad_factor(recipe)
    rescaled = (f"LibMTL's default rescale={rescale} divides the update by {factor:g} "
                f"(1 + c{'²' if rescale == 1 else ''}, an option of the official code); mtlreg does not rescale "
                f"(documented), so mtlreg/{factor:g} is compared. ") if rescale else ''
    if case['kind'] == 'one zero':
        to_mean = max(max_abs(lb['grad'].double() * factor, d['jacobian'].mean(0))
                      for lb, d in zip(lib['steps'], deltas))
        mt_size = max(float(mt['grad'].abs().max()) for mt in mt_steps)
        return Note(f'{recipe.label}:stationary', rescaled + "With a zero gradient the zero vector is in the hull "
                    "(Pareto-stationary): the minimising w puts all weight on that task, g_w = 0, and "
                    "g₀ + √φ g_w/‖g_w‖ is undefined; mtlreg returns 0 (documented: ‖g_w‖ < norm_eps), LibMTL "
                    "divides by ‖g_w‖ + 1e-8 and so returns the mean gradient g₀ (its weights "
                    "1/K + √φ w_k/(‖g_w‖ + 1e-8) reach 1e7)",
                    f'largest |d| of mtlreg {mt_size:.1e}; LibMTL{"×" + format(factor, "g") if rescale else ""} '
                    f'− g₀ {to_mean:.1e}'), mt_size <= tol and to_mean <= 1e-5
    residual = max(max_abs(mt['grad'].double() / factor, lb['grad']) for mt, lb in zip(mt_steps, lib['steps']))
    lib_gap = mt_gap = 0.0
    for mt, lb, d in zip(mt_steps, lib['steps'], deltas):
        exact = cagrad_point(d['jacobian'], c)
        lib_gap = max(lib_gap, max_abs(lb['grad'].double() * factor, exact))
        mt_gap = max(mt_gap, max_abs(mt['grad'], exact))
    detail = [f'mtlreg{"/" + format(factor, "g") if rescale else ""} vs LibMTL {residual:.1e}',
              f'from the exact solution: LibMTL {lib_gap:.1e}, mtlreg {mt_gap:.1e}']
    ok = residual <= 1e-3
    if case['kind'] == 'equal':
        sums = worst(d['weight_sum'] for d in deltas) or 0.0
        detail.append(f'weight sums {sums:.1e}')
        ok = ok and sums <= 1e-4
        extra = 'Equal gradients: the weights are not unique (only their sum matters). '
    else:
        weights = worst(d['weights'] for d in deltas) or 0.0
        detail.append(f'weights {weights:.1e}')
        ok = ok and weights <= 1e-2
        extra = ''
    key = f"{recipe.label}:{'equal' if extra else 'solver'}"
    return Note(key, rescaled + extra + "The weights w come from different solvers: LibMTL's SciPy SLSQP (default "
                "ftol 1e-6; 1e-8 added under the square root), mtlreg's cvxpy/Clarabel; distances from CAGrad's update "
                "solved here with SciPy to 1e-15", '; '.join(detail)), ok


def gradvac_reference(jacobians, beta, every_visit, orders=None, match=None, match_state=None, order_choices=None):
    """GradVac (whole model) on given gradients, the EMA updated at every visit or on corrections only.

    The task orders are ``orders`` (one per step), or, per step, the one of ``order_choices`` whose update and
    targets are nearest ``match`` and ``match_state`` (the state carried on from it). Returns the updates and
    the orders used.
    """
    import torch
    k = jacobians[0].shape[0]
    phi_hat = torch.zeros(k, k, dtype=torch.float64)
    updates, used = [], []

    def one(g, order, phi_hat):
        phi_hat = phi_hat.clone()
        corrected = g.clone()
        for i in range(k):
            for j in order[i]:
                gi = corrected[i]
                denom = float(gi.norm() * g[j].norm())
                phi = float(gi @ g[j]) / denom if denom > 0 else 0.0
                target = float(phi_hat[i, j])
                if phi < target:
                    w = float(gi.norm()) * (target * (1 - phi ** 2) ** 0.5 - phi * (1 - target ** 2) ** 0.5) / (
                        float(g[j].norm()) * (1 - target ** 2) ** 0.5)
                    corrected[i] = gi + w * g[j]
                if every_visit or phi < target:
                    phi_hat[i, j] = (1 - beta) * target + beta * phi
        return corrected.sum(0), phi_hat

    for t, g in enumerate(jacobians):
        if orders is not None:
            candidates = [orders[t]]
        else:
            candidates = order_choices
        best = None
        for order in candidates:
            update, new_phi = one(g, order, phi_hat)
            score = 0.0 if match is None else max_abs(update, match[t])
            if match_state is not None and match_state[t] is not None:
                score += max_abs(new_phi, match_state[t])
            if best is None or score < best[0]:
                best = (score, order, update, new_phi)
        _, order, update, phi_hat = best
        updates.append(update)
        used.append(order)
    return updates, used


def explain_gradvac(recipe, case, mt_steps, lib, deltas, tol, worker):
    k = case['K']
    default = tuple(tuple(j for j in range(k) if j != i) for i in range(k))
    lib_orders = [lb['order'] or default for lb in lib['steps']]
    jacobians = [d['jacobian'] for d in deltas]
    beta = recipe.libmtl_kwargs['beta']
    as_libmtl, _ = gradvac_reference(jacobians, beta, every_visit=False, orders=lib_orders)
    as_paper, _ = gradvac_reference(jacobians, beta, every_visit=True, match=[mt['grad'] for mt in mt_steps],
                                    match_state=[mt['state'] for mt in mt_steps], order_choices=worker.order_choices(k))
    res_lib = max(max_abs(a, lb['grad']) for a, lb in zip(as_libmtl, lib['steps']))
    res_mt = max(max_abs(a, mt['grad']) for a, mt in zip(as_paper, mt_steps))
    first = next((t for t, d in enumerate(deltas) if d['grad'] > tol), None)
    return Note('GradVac:ema', "The EMA of the cosine targets: mtlreg (torchjd) updates φ̂_ij at every visit of the "
                "pair (the rule mtlreg's docstring gives for Wang et al.'s Alg. 1); LibMTL only when it corrects g_i, so a pair that needed no "
                "correction keeps its old target. Checked by recomputing GradVac here from the same gradients: the "
                "every-visit rule gives mtlreg, the on-correction rule (with LibMTL's task orders) gives LibMTL",
                f'first difference at step {first} (from 0); every-visit vs mtlreg {res_mt:.1e}, on-correction vs '
                f'LibMTL {res_lib:.1e}'), max(res_lib, res_mt) <= 1e-4


EXPLAIN = {'MGDA': explain_mgda, 'CAGrad': explain_cagrad, 'GradVac': explain_gradvac}


def known_libmtl_failure(recipe, case, lib):
    """(key, text) where LibMTL 1.1.5 cannot give a comparable result, for a known reason; else None."""
    error = lib.get('error') or ''
    if recipe.name == 'CAGrad' and case['K'] != 3 and 'reshape' in error:
        return 'CAGrad:three-tasks', ("LibMTL 1.1.5's CAGrad objective reshapes the weights to 1×3 "
                                      '(`x.reshape(1,3)`): it runs for three tasks only. mtlreg checked on its own')
    if recipe.name == 'IMTL' and case['kind'] == 'equal':
        return 'IMTL:singular', ('LibMTL inverts D Uᵀ (differences of the gradients and of the unit gradients), '
                                 'singular for linearly dependent gradients: round-off-level differences give weights '
                                 "of 1e6, or an error; mtlreg uses torchjd's pseudo-inverse (documented). mtlreg "
                                 'checked on its own')
    if recipe.name == 'IMTL' and case['kind'] == 'one zero' and lib.get('nan'):
        return 'IMTL:nan', ("LibMTL divides the zero gradient by its norm (0/0) and every value is NaN; mtlreg "
                            "(torchjd's pseudo-inverse) gives the zero task weight 0. mtlreg checked on its own")
    if recipe.name == 'MGDA' and 'NoneType' in error:
        return 'MGDA:none', "LibMTL's MGDA returns None when its solver has not converged in 250 iterations"
    return None


def mtlreg_property(recipe, case, mt_steps, deltas):
    """A check of mtlreg's result on its own where LibMTL gives none: (detail, ok)."""
    import torch
    if any(not torch.isfinite(mt['grad']).all() for mt in mt_steps):
        return 'mtlreg: not finite', False
    if recipe.name == 'IMTL':
        spread = 0.0
        for mt, d in zip(mt_steps, deltas):
            g = d['jacobian']
            nonzero = [i for i in range(len(g)) if float(g[i].norm()) > 0]
            proj = torch.stack([mt['grad'].double() @ g[i] / g[i].norm() for i in nonzero])
            spread = max(spread, float(proj.max() - proj.min()))
        return f"mtlreg's projections onto the non-zero tasks' unit gradients equal to {spread:.1e}", spread <= 1e-4
    if recipe.name == 'CAGrad':
        c = recipe.libmtl_kwargs['calpha']
        if case['kind'] == 'one zero':
            size = max(float(mt['grad'].abs().max()) for mt in mt_steps)
            return f'Pareto-stationary (a zero gradient): mtlreg returns 0 (documented), largest |d| {size:.1e}', \
                size <= 1e-5
        gap = max(max_abs(mt['grad'], cagrad_point(d['jacobian'], c)) for mt, d in zip(mt_steps, deltas))
        return f"mtlreg {gap:.1e} from CAGrad's update solved here with SciPy to 1e-15", gap <= 1e-4
    return None, True


GLS_WEIGHTS = Note('GLS:weights', "Weights not compared: LibMTL returns L_k / (K Π_j L_j), mtlreg the gradient weight "
                   "∂L/∂L_k = L / (K L_k) (as mtlreg's docstring says); the objectives are the same")
EQUAL_WEIGHTS = ('equal:weights', 'Equal gradients: the weights are not unique (any weights with the same sum give '
                 'the same update); the updates agree, and the weight sums')


def judge(recipe, case, mt_steps, lib, problem, worker, tol):
    """(max Δ grad, max Δ weights, max Δ own, verdict, Note or None, expected)."""
    import torch
    lib = dict(lib)
    lib['nan'] = any(not torch.isfinite(s['grad']).all() for s in lib['steps'])
    deltas = compare(recipe, case, mt_steps, lib, problem, worker)
    if len(lib['steps']) < len(mt_steps):  # the steps LibMTL did not do: only their gradients, for the checks
        deltas += [{'grad': None, 'weights': None, 'weight_sum': None, 'own': None,
                    'jacobian': task_gradients_of(problem, case['steps'][t], worker)}
                   for t in range(len(lib['steps']), len(mt_steps))]
    dg, dw, do = worst(d['grad'] for d in deltas), worst(d['weights'] for d in deltas), worst(d['own'] for d in deltas)
    known = known_libmtl_failure(recipe, case, lib)
    if known is not None:
        detail, ok = mtlreg_property(recipe, case, mt_steps, deltas)
        return dg, dw, do, 'n/a' if ok else 'mtlreg FAILS', Note(*known, detail), ok
    if lib.get('error') or lib['nan']:
        what = lib.get('error') or 'NaN'
        return dg, dw, do, 'LibMTL FAILS', Note(f'{recipe.label}:{case["kind"]}:{case["K"]}:fails',
                                                f"LibMTL fails at step {lib.get('failed_step', '?')}: {what}"), False
    if all(v is None or v <= tol for v in (dg, dw, do)):
        return dg, dw, do, 'agrees', GLS_WEIGHTS if recipe.weights == 'gls' else None, True
    sums = worst(d['weight_sum'] for d in deltas)
    if recipe.solver_weights and case['kind'] == 'equal' and dg <= tol and (do is None or do <= tol) \
            and sums is not None and sums <= tol:
        return dg, dw, do, 'differs', Note(*EQUAL_WEIGHTS, f'weight sums {sums:.1e}'), True
    explain = EXPLAIN.get(recipe.name)
    if explain is not None:
        note, ok = explain(recipe, case, mt_steps, lib, deltas, tol, worker)
        return dg, dw, do, 'differs' if ok else 'DIFFERS', note, ok
    return dg, dw, do, 'DIFFERS', Note(f'{recipe.label}:unknown', 'no known reason'), False


# ============================================================================================ main
def selected(recipes_list, methods: str | None):
    if not methods:
        return recipes_list, []
    wanted = [m.strip() for m in methods.split(',') if m.strip()]
    lookup = {n.lower(): n for n in MTLREG_TWINS}
    lookup.update({cls.lower(): n for n, (cls, _) in MTLREG_TWINS.items()})
    names, unknown = [], []
    for m in wanted:
        name = lookup.get(m.lower())
        (names if name else unknown).append(name or m)
    if unknown:
        raise SystemExit(f'unknown methods {unknown}; LibMTL names: {", ".join(MTLREG_TWINS)}')
    return [r for r in recipes_list if r.name in names], [n for n in names if n not in {r.name for r in recipes_list}]


def fmt(value) -> str:
    if value is None:
        return '-'
    return 'nan' if value != value else f'{value:.1e}'


def main():
    args = parse_args()
    if args.make_env:
        make_env(args.make_env)
        return
    import torch
    from mtlreg.registry import register_all_modules
    torch.set_num_threads(1)
    register_all_modules()
    worker = load_worker()
    probe = probe_libmtl(args.libmtl_python)
    chosen, no_recipe = selected(recipes(), args.methods)
    problem, cases = build_problem(args.steps, args.epoch_len)

    rows, jobs, mt_results = [], [], {}
    for recipe in chosen:
        twin, module_file = MTLREG_TWINS[recipe.name]
        if recipe.name not in probe['methods']:
            rows.append((recipe.label, twin, '-', None, None, None, f"not in LibMTL {probe['version']}", None, True))
            continue
        cls, why = resolve_balancer(twin, module_file)
        if cls is None:
            rows.append((recipe.label, twin, '-', None, None, None, why, None, True))
            continue
        for name, case in cases.items():
            key = f'{recipe.label}|{name}'
            try:
                mt_results[key] = run_mtlreg(recipe, cls, problem, case, worker, args.via_update)
            except Exception as err:  # noqa: B902 - reported in the table
                mt_results[key] = f'{type(err).__name__}: {err}'
                continue
            steps = mt_results[key]
            jobs.append({'key': key, 'method': recipe.name, 'case': name, 'kwargs': recipe.libmtl_kwargs,
                         'rep_grad': recipe.rep_grad, 'lr': recipe.lr, 'state_attrs': recipe.state_attrs,
                         'seeds': [s['seed'] for s in steps] if recipe.seeded else None,
                         'search_orders': recipe.search_orders,
                         'reference': [s['grad'] for s in steps] if recipe.search_orders else None,
                         'reference_state': [s['state'] for s in steps]
                         if recipe.search_orders and steps[0]['state'] is not None else None})
    for name in no_recipe:
        rows.append((name, MTLREG_TWINS[name][0], '-', None, None, None,
                     f"not in LibMTL 1.1.5 (installed: {probe['version']}): no recipe here", None, True))

    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or tmp
        os.makedirs(where, exist_ok=True)
        spec_path, out_path = osp.join(where, 'spec.pt'), osp.join(where, 'libmtl_out.pt')
        torch.save({'problem': problem, 'cases': cases, 'jobs': jobs}, spec_path)
        run_worker(args.libmtl_python, [spec_path, out_path])
        lib_results = torch.load(out_path, weights_only=False)['results']

    table = []
    for recipe in chosen:
        for name, case in cases.items():
            key = f'{recipe.label}|{name}'
            if key not in mt_results:
                continue
            twin = MTLREG_TWINS[recipe.name][0]
            mt = mt_results[key]
            if isinstance(mt, str):
                table.append((recipe.label, twin, name, None, None, None, 'mtlreg FAILS',
                              Note(f'{recipe.label}:{name}:mtlreg', f'mtlreg fails: {mt}'), False))
                continue
            table.append((recipe.label, twin, name,
                          *judge(recipe, case, mt, lib_results[key], problem, worker, args.tol)))
    table += rows
    norms = [float(n) for case in cases.values() for step in case['steps']
             for n in task_gradients_of(problem, step, worker).norm(dim=1) if n > 0]
    print_table(table, probe, args, (min(norms), max(norms)))
    if any(not row[-1] for row in table):
        sys.exit(1)


def print_table(table, probe, args, norms):
    mode = ('balancer.update() with a recording optimiser wrapper' if args.via_update
            else 'shared_gradients() / forward()')
    print(f"LibMTL {probe['version']} vs mtlreg ({mode}); {args.steps} steps per case, LibMTL epoch = mtlreg "
          f'window = {args.epoch_len} steps; tolerance {args.tol:g} (absolute; the non-zero task gradients have norms '
          f'{norms[0]:.2f}–{norms[1]:.2f})')
    header = f"{'LibMTL':20s} {'mtlreg':20s} {'case':20s} {'Δ grad':>8s} {'Δ weights':>9s} {'Δ own':>8s}  verdict"
    print(header)
    print('-' * len(header))
    keys, texts, details = [], {}, {}
    for label, twin, case, dg, dw, do, verdict, note, _ in table:
        mark = ''
        if note is not None:
            if note.key not in texts:
                keys.append(note.key)
                texts[note.key], details[note.key] = note.text, []
            if note.detail:
                details[note.key].append(f'{label}, {case}: {note.detail}' if case != '-' else note.detail)
            mark = f' [{keys.index(note.key) + 1}]'
        print(f'{label:20s} {twin:20s} {case:20s} {fmt(dg):>8s} {fmt(dw):>9s} {fmt(do):>8s}  {verdict}{mark}')
    if keys:
        print()
    for i, key in enumerate(keys, 1):
        print(f'[{i}] {texts[key]}')
        for line in details[key]:
            print(f'      {line}')


if __name__ == '__main__':
    run_tool(main)
