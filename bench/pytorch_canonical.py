"""The canonical training step in PyTorch, for a same-run comparison with mini-neural-lm.

The same model, data, initial weights, minibatches (in the same order) and update as
`bench/compare.ts`, which writes them to a folder and runs this program on it:

    x = concat(E[c1], ..., E[c4])            [B, 240]
    h = relu(x W1^T + b1)                    [B, 100]
    s = h Wout^T + bout                      [B, |V|]
    L = mean_b (logsumexp(s_b) - s_b[t_b])   cross-entropy, nats
    m = beta m + (1 - beta) g ;  W = W - lr m   for every parameter (dense, E included)

The update is written out by hand under torch.no_grad(): torch.optim.SGD's momentum is another
form (v = mu v + g; W -= lr v). Nothing is downloaded; the folder holds

    meta.json                  shapes, batch size, lr, beta, warm-up and timed step counts
    contexts.i32, targets.i32  the minibatches, in order, little-endian int32
    E.f32 W1.f32 b1.f32 Wout.f32 bout.f32   the initial weights, little-endian float32, row-major

Usage: python3 bench/pytorch_canonical.py FOLDER [--threads N] [--steps N]

Prints one JSON line: examples/s of the timed steps (after the warm-up), the median step, the
loss of every step (before its update), the BLAS library loaded and the peak resident memory.
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def read_tensor(folder, name, dtype, shape):
    """A tensor from a raw little-endian file of the folder, checked against its shape."""
    with open(os.path.join(folder, name), "rb") as f:
        data = bytearray(f.read())
    t = torch.frombuffer(data, dtype=dtype)
    count = 1
    for n in shape:
        count *= n
    if t.numel() != count:
        sys.exit(f"pytorch_canonical: {name} holds {t.numel()} numbers, expected {count} {shape}")
    return t.reshape(shape).clone()


def blas_libraries():
    """The BLAS / LAPACK shared libraries mapped into this process (Linux only)."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line or "lapack" in line}
        return sorted(p for p in paths if p.startswith("/"))
    except OSError:
        return []


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: keep)")
    parser.add_argument("--steps", type=int, default=-1, help="fewer timed steps than the folder's")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)

    with open(os.path.join(args.folder, "meta.json")) as f:
        meta = json.load(f)
    V, C, m, H = meta["vocabSize"], meta["contextSize"], meta["embedDim"], meta["hidden"]
    B, lr, beta = meta["batchSize"], meta["lr"], meta["beta"]
    warmup, stored = meta["warmup"], meta["steps"]
    contexts = read_tensor(args.folder, "contexts.i32", torch.int32, [warmup + stored, B, C]).long()
    targets = read_tensor(args.folder, "targets.i32", torch.int32, [warmup + stored, B]).long()
    steps = stored if args.steps < 0 else args.steps
    if not 0 < steps <= stored:
        sys.exit(f"pytorch_canonical: --steps expected 1 to {stored}, got {steps}")
    total = warmup + steps
    shapes = {"E": [V, m], "W1": [H, C * m], "b1": [H], "Wout": [V, H], "bout": [V]}
    params = {
        name: read_tensor(args.folder, f"{name}.f32", torch.float32, shape).requires_grad_()
        for name, shape in shapes.items()
    }
    order = list(shapes)
    velocity = {name: torch.zeros_like(p) for name, p in params.items()}

    def step(s):
        E, W1, b1, Wout, bout = (params[name] for name in order)
        x = F.embedding(contexts[s], E).reshape(B, C * m)
        h = torch.relu(F.linear(x, W1, b1))
        loss = F.cross_entropy(F.linear(h, Wout, bout), targets[s])
        grads = torch.autograd.grad(loss, [params[name] for name in order])
        with torch.no_grad():
            for name, g in zip(order, grads):
                v = velocity[name]
                v.mul_(beta).add_(g, alpha=1 - beta)  # m = beta m + (1 - beta) g
                params[name].sub_(v, alpha=lr)  # W = W - lr m
        return loss.item()

    losses = [step(s) for s in range(warmup)]
    times = []
    started = time.perf_counter()
    for s in range(warmup, total):
        t0 = time.perf_counter()
        losses.append(step(s))
        times.append(time.perf_counter() - t0)
    seconds = time.perf_counter() - started
    print(json.dumps({
        "examplesPerSecond": steps * B / seconds,
        "medianStepSeconds": statistics.median(times),
        "seconds": seconds,
        "losses": losses,
        "torch": torch.__version__,
        "torchThreads": torch.get_num_threads(),
        "openblasThreads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "blas": blas_libraries(),
        "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
