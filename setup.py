from setuptools import find_packages, setup


def read_requirements(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith('#')]


setup(
    packages=find_packages(include=['mtlreg', 'mtlreg.*']),
    install_requires=read_requirements('requirements/runtime.txt'),
    extras_require={'tests': read_requirements('requirements/tests.txt'),
                    'solvers': read_requirements('requirements/solvers.txt'),
                    'ray': read_requirements('requirements/ray.txt')},
)
