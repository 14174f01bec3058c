# Set-up and tests for a fresh Linux machine (python3 with venv). README.md gives these same commands.
VENV ?= .venv
PY := $(VENV)/bin/python
export OMP_NUM_THREADS ?= 1

.PHONY: install data run experiment test export clean baselines

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
# hpd-run checks the parameters and writes the executed notebook into the run's own directory (printed first).
run:
	$(VENV)/bin/hpd-run

# Any experiment: make experiment ARGS='-p dataset imwoof -p matcher dsa'
experiment:
	$(VENV)/bin/hpd-run $(ARGS)

baselines:
	$(VENV)/bin/papermill nbs/run_baselines.ipynb runs/baselines/fashion_mnist_dc/run_baselines.ipynb -k python3 -p dataset fashion_mnist

test:
	$(PY) -m pytest tests -q -p no:cacheprovider

export:
	$(VENV)/bin/nbdev_export && $(VENV)/bin/nbdev_clean

clean:
	rm -rf build dist *.egg-info .pytest_cache
