"""PyTorch's side of the GPU benchmarks, the same work as xgrad_gpu_bench.cpp on the same GPU.

One result a line, `gpu <what> torch <value>` / `gpu gemm<n> torch_gflops <value>`:
the Fashion-MNIST MLP 784-256-256-10 ReLU, Adam lr 1e-3, batches of 256 shuffled each epoch with
the data on the device (mean seconds of the epochs after the first, the first, test accuracy), and
float32 matmul GFLOP/s at n = 1024 and 4096 (best of 3 runs; TF32 off, PyTorch's default), and
notebook 004's y += x on 1e6 float64 elements on the CPU and on the device (`gpu add1e6_us
torch_cpu|torch_cuda <us>`, best of 3 runs of 200 adds).
Needs only torch (no numpy, no torchvision, no network).
Usage: torch_gpu_bench.py [--data DIR] [--epochs N] [--no-mlp] [--no-gemm] [--no-add]
Exits 77 without a CUDA device.
"""
import argparse
import gzip
import os
import sys
import time

import torch
import torch.nn.functional as F


def put(what, who, value):
    print(f"gpu {what} {who} {value:.6g}", flush=True)


def read_idx(path):
    """An IDX file (.gz or plain) as a uint8 tensor of its shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(shape)


def find(d, stem):
    for name in (stem + ".gz", stem):
        if os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    raise FileNotFoundError(f"no {stem}[.gz] in {d}")


def load(d, train, device):
    prefix = "train" if train else "t10k"
    x = read_idx(find(d, f"{prefix}-images-idx3-ubyte"))
    y = read_idx(find(d, f"{prefix}-labels-idx1-ubyte"))
    x = x.reshape(x.shape[0], -1).to(torch.float32).div_(255.0)
    return x.to(device), y.to(torch.int64).to(device)


def mlp(d, epochs, device):
    torch.manual_seed(0)
    xs, ys = load(d, True, device)
    xt, yt = load(d, False, device)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
                                torch.nn.ReLU(), torch.nn.Linear(256, 10)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n, batch = xs.shape[0], 256
    seconds = []
    for epoch in range(epochs):
        model.train()
        torch.cuda.synchronize()
        start = time.perf_counter()
        order = torch.randperm(n, device=device)
        for i in range(0, n, batch):
            idx = order[i:i + batch]
            x, y = xs[idx], ys[idx]
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        torch.cuda.synchronize()
        seconds.append(time.perf_counter() - start)
        print(f"# torch epoch {epoch + 1}: {seconds[-1]:.3f} s", flush=True)
    with torch.no_grad():
        model.eval()
        accuracy = (model(xt).argmax(1) == yt).double().mean().item()
    later = seconds[1:] or seconds
    put("mlp_epoch_s", "torch", sum(later) / len(later))
    put("mlp_first_epoch_s", "torch", seconds[0])
    put("mlp_test_accuracy", "torch", accuracy)


def gemm(n, iters, device):
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    for _ in range(3):
        torch.mm(a, b)
    torch.cuda.synchronize()
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(iters):
            torch.mm(a, b)
        torch.cuda.synchronize()
        best = max(best, 2.0 * n * n * n * iters / (time.perf_counter() - start) / 1e9)
    put(f"gemm{n}", "torch_gflops", best)


def best_us(iters, body, sync):
    for _ in range(3):
        body()
    sync()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(iters):
            body()
        sync()
        best = min(best, (time.perf_counter() - start) / iters * 1e6)
    return best


def add(n, device):
    x = torch.rand(n, dtype=torch.float64)
    y = torch.rand(n, dtype=torch.float64)
    put("add1e6_us", "torch_cpu", best_us(200, lambda: y.add_(x), lambda: None))
    xc, yc = x.to(device), y.to(device)
    put("add1e6_us", "torch_cuda", best_us(200, lambda: yc.add_(xc), torch.cuda.synchronize))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--no-mlp", action="store_true")
    p.add_argument("--no-gemm", action="store_true")
    p.add_argument("--no-add", action="store_true")
    args = p.parse_args()
    if not torch.cuda.is_available():
        print("torch_gpu_bench: SKIPPED: no CUDA device")
        return 77
    torch.backends.cuda.matmul.allow_tf32 = False  # the default; xgrad and cuBLAS run plain FP32
    device = torch.device("cuda")
    print(f"# device {torch.cuda.get_device_name(0)}, torch {torch.__version__}", flush=True)
    if not args.no_add:
        add(1000000, device)
    if not args.no_gemm:
        gemm(1024, 500, device)
        gemm(4096, 30, device)
    if not args.no_mlp:
        if not os.path.isdir(args.data):
            print(f"torch_gpu_bench: no Fashion-MNIST at {args.data} (--data DIR)", file=sys.stderr)
            return 1
        mlp(args.data, max(1, args.epochs), device)
    return 0


if __name__ == "__main__":
    sys.exit(main())
