"""The LibMTL cross-check's problem gives every task the gradients and losses it prescribes, and mtlreg's side runs
without LibMTL (which lives in a throw-away environment the tests do not have)."""

import torch

from tests.tools.tool_module import load_tool

crosscheck = load_tool('analysis/libmtl_crosscheck.py')


def test_the_problem_has_the_cases_it_names():
    worker = crosscheck.load_worker()
    problem, cases = crosscheck.build_problem(num_steps=2, epoch_len=2)
    assert sorted(cases) == sorted(f'K={k} {kind}' for k in (2, 3) for kind in crosscheck.CASE_KINDS)
    for name, case in cases.items():
        for step in case['steps']:
            g = crosscheck.task_gradients_of(problem, step, worker)
            gram = g @ g.T
            off = gram[~torch.eye(len(g), dtype=torch.bool)]
            if case['kind'] == 'conflicting':
                assert (off < 0).all(), name
            elif case['kind'] == 'non-conflicting':
                assert (off > 0).all(), name
            elif case['kind'] == 'one zero':
                assert float(g[-1].norm()) == 0.0 and float(g[0].norm()) > 0, name
            else:
                torch.testing.assert_close(g, g[:1].expand_as(g), atol=1e-6, rtol=0, msg=name)  # float32 inputs


def test_mtlregs_side_of_a_method_runs_on_its_own():
    worker = crosscheck.load_worker()
    problem, cases = crosscheck.build_problem(num_steps=2, epoch_len=2)
    recipe = next(r for r in crosscheck.recipes() if r.name == 'PCGrad')
    twin, module_file = crosscheck.MTLREG_TWINS['PCGrad']
    cls, why = crosscheck.resolve_balancer(twin, module_file)
    assert cls is not None, why
    steps = crosscheck.run_mtlreg(recipe, cls, problem, cases['K=2 non-conflicting'], worker)
    g = crosscheck.task_gradients_of(problem, cases['K=2 non-conflicting']['steps'][0], worker)
    torch.testing.assert_close(steps[0]['grad'].double(), g.sum(0), atol=1e-6, rtol=0)  # no conflict: the sum
