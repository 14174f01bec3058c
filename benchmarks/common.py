"""What the Fashion-MNIST benchmarks share: the command line as run, the allocator, the device, the data, and a results file
under runs/benchmarks/<name>/ whose rows accumulate across runs (each row records its own command and commit)."""
import os, sys
from hpd.core import tune_malloc, get_device, git_info, device_info, run_dir, load_json
from hpd.data import load_dataset


def open_benchmark(name:str, device=None):
    "Returns (command, allocator, device, data, results path, results dict with a 'rows' dict)."
    cmd = 'OMP_NUM_THREADS=%s .venv/bin/python %s' % (os.environ.get('OMP_NUM_THREADS', '<unset>'), ' '.join(sys.argv))
    alloc = tune_malloc()
    device = get_device(device)
    data = load_dataset('fashion_mnist')
    path = run_dir(f'benchmarks/{name}')/f'results_{device.type}.json'
    res = load_json(path) if path.exists() else {}
    res.update(command=cmd, git=git_info(), env=device_info(device), allocator=alloc, precision='float32')
    res.setdefault('rows', {})
    return cmd, alloc, device, data, path, res
