# Set-up and tests for a fresh Linux machine (python3 with venv). README.md gives these same commands.
VENV ?= .venv
PY := $(VENV)/bin/python
export OMP_NUM_THREADS ?= 1
# Runs started by make are alone on the machine: they use every core (threads in distillation, a process per model in
# evaluation; hpd.core.cpu_plan) unless OMP_NUM_THREADS came from the caller (e.g. OMP_NUM_THREADS=1 for runs side by side).
ALONE := $(if $(filter file,$(origin OMP_NUM_THREADS)),env -u OMP_NUM_THREADS)

.PHONY: install data run experiment experts reproduce test export clean baselines

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
	$(ALONE) $(VENV)/bin/hpd-run

# Any experiment: make experiment ARGS='-p dataset imwoof -p matcher dsa'
experiment:
	$(ALONE) $(VENV)/bin/hpd-run $(ARGS)

# MTT's expert trajectories on the embedded default (git-ignored, so built on the machine that runs MTT; resumes expert by expert;
# about 30 min on one CPU thread, 2 × 875 s measured): runs/experts/fashion_mnist, where hpd.experts.expert_dir looks
experts:
	$(ALONE) $(PY) -c "from hpd.core import tune_malloc; from hpd.data import load_dataset; from hpd.experts import generate_experts, expert_dir; \
	print('allocator:', tune_malloc(), flush=True); generate_experts(load_dataset('fashion_mnist'), expert_dir('fashion_mnist'), num_experts=2, epochs=4, seed=0)"

# Every grid of a profile (hpd.experiment.PROFILE_GRIDS, in its order), then the paper's tables and figures from runs/: make reproduce PROFILE=cpu
PROFILE ?= cpu
reproduce: experts
	@grids="$$($(PY) -c "from hpd.experiment import PROFILE_GRIDS as P; print(' '.join(P.get('$(PROFILE)', [])) or exit('No grids for PROFILE=$(PROFILE); profiles with grids: ' + ', '.join(P)))")" || exit 2; \
	mkdir -p runs/grids; \
	for g in $$grids; do echo "grid $$g"; $(ALONE) $(VENV)/bin/papermill nbs/run_grid.ipynb runs/grids/$$g.ipynb -k python3 -p grid $$g || exit 1; done
	$(VENV)/bin/papermill nbs/paper_figures.ipynb runs/grids/paper_figures.ipynb -k python3
	$(VENV)/bin/papermill nbs/paper_tables.ipynb runs/grids/paper_tables.ipynb -k python3 --cwd nbs

baselines:
	$(VENV)/bin/papermill nbs/run_baselines.ipynb runs/baselines/fashion_mnist_dc/run_baselines.ipynb -k python3 -p dataset fashion_mnist

test:
	$(PY) -m pytest tests -q -p no:cacheprovider

export:
	$(VENV)/bin/nbdev_export && $(VENV)/bin/nbdev_clean

clean:
	rm -rf build dist *.egg-info .pytest_cache
