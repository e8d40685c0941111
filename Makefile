# Set-up and the two entry points: `make train` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TRAIN_CONFIG ?= configs/adashare/adashare_resnet18_scenes-5task.py
# the suite runs in this many processes (pytest-xdist), one thread each: the two cores of the reference machine
TEST_WORKERS ?= 2
export NO_ALBUMENTATIONS_UPDATE := 1
export HF_HUB_OFFLINE := 1

.PHONY: train test docs install clean

install: $(STAMP)

$(STAMP): setup.py setup.cfg requirements/runtime.txt requirements/tests.txt requirements/solvers.txt requirements/ray.txt \
		requirements/docs.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip 'setuptools<81' wheel
	$(PY) -m pip install --quiet -r requirements/runtime.txt -r requirements/tests.txt -r requirements/solvers.txt \
		-r requirements/ray.txt -r requirements/docs.txt
	$(PY) -m pip install --quiet --no-build-isolation --no-deps -e .
	touch $(STAMP)

train: $(STAMP)
	$(PY) tools/train.py $(TRAIN_CONFIG)

test: $(STAMP)
	$(PY) -m pytest tests -q -n $(TEST_WORKERS)

docs: $(STAMP)
	$(PY) -m sphinx -W --keep-going -q -b html docs docs/_build/html
	@echo "open docs/_build/html/index.html"

clean:
	rm -rf $(VENV) work_dirs *.egg-info docs/_build
