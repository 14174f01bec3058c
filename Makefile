# Set-up and tests for a fresh Linux machine (python3 with venv). README.md gives these same commands.
VENV ?= .venv
PY := $(VENV)/bin/python
export OMP_NUM_THREADS ?= 1

.PHONY: install data run test export clean baselines

install: data
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install torch==2.14.1 torchvision==0.29.1
	$(PY) -m pip install -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name python3

# Fashion-MNIST from Debian's package where apt and root are available; elsewhere hpd.data falls back to torchvision's download.
data:
	@if [ -d /usr/share/datasets/fashion-mnist ]; then echo "Fashion-MNIST present"; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q dataset-fashion-mnist; \
	else echo "apt-get unavailable: Fashion-MNIST will be downloaded by torchvision on first use"; fi

# The main job on the embedded default: H-PD + DM on Fashion-MNIST at IPC=1 with this project's generator (CPU profile).
RUN := runs/experiments/fashion_mnist/hpd_dm_ipc1_cam_distance
run:
	mkdir -p $(RUN)
	$(VENV)/bin/papermill nbs/run_experiment.ipynb $(RUN)/run_experiment.ipynb -k python3 -p dataset fashion_mnist

baselines:
	$(VENV)/bin/papermill nbs/run_baselines.ipynb runs/baselines/fashion_mnist_dc/run_baselines.ipynb -k python3 -p dataset fashion_mnist

test:
	$(PY) -m pytest tests -q -p no:cacheprovider

export:
	$(VENV)/bin/nbdev_export && $(VENV)/bin/nbdev_clean

clean:
	rm -rf build dist *.egg-info .pytest_cache
