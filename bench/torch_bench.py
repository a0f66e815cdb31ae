"""PyTorch's side of the benchmark: the workloads of xgrad_bench.cpp in Python, on the data
`xgrad_bench export` wrote. Intra-op threads 1, OpenBLAS keeps its own (the fastest setting on a
2-core machine).  Usage: torch_bench.py W<n> DIR [EPOCHS]"""
import resource
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

W0_OPS, W0_CHAINS, W1_ITERS, W6_LENGTH = 200000, 2000, 20000, 1000000
FASHION_MEAN, FASHION_STD = 0.2860, 0.3530  # W7 standardizes the pixels with these


def put(key, value):
    print(f"{key} {value:.6g}")


def load(d, name, features):
    x = np.fromfile(f"{d}/{name}_x.f32", dtype=np.float32).reshape(-1, features)
    y = np.fromfile(f"{d}/{name}_y.i64", dtype=np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def accuracy(model, x, y):
    with torch.no_grad():
        model.eval()
        return (model(x).argmax(1) == y).double().mean().item()


def per_op(body, ops):
    t = []
    for rep in range(6):
        start = time.perf_counter()
        body()
        if rep:
            t.append((time.perf_counter() - start) * 1e6 / ops)
    return statistics.median(t)


def w0(_d, _e):
    a = torch.ones(4, requires_grad=True)
    b = torch.ones(4)

    def grad_mode():
        for _ in range(W0_OPS):
            a + b

    def no_grad():
        with torch.no_grad():
            for _ in range(W0_OPS):
                a + b

    def chains():
        for _ in range(W0_CHAINS):
            x = a
            for _ in range(100):
                x = x + b
            x.sum().backward()

    put("add_grad_us", per_op(grad_mode, W0_OPS))
    put("add_nograd_us", per_op(no_grad, W0_OPS))
    put("chain_us", per_op(chains, W0_CHAINS * 100))


def worked_net(dtype):
    net = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3), torch.nn.Tanh(),
                              torch.nn.Linear(3, 3)).to(dtype)
    with torch.no_grad():
        for p in net.parameters():
            p.fill_(0.1)
    return net


def w1(_d, _e):
    for dtype in (torch.float64, torch.float32):
        net = worked_net(dtype)
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        x = torch.tensor([[1.0, 0.0, 1.0, 0.0]], dtype=dtype)
        y = torch.tensor([[0.0, 1.0, 0.0]], dtype=dtype)

        def step():
            opt.zero_grad()
            z3 = net(x)
            loss = 0.5 * (z3 - y).pow(2).sum()
            loss.backward()
            opt.step()
            return z3, loss

        if dtype == torch.float64:
            z3, loss = step()
            print(f"check_z3 {z3[0, 0].item():.17g}\ncheck_loss {loss.item():.17g}")
            continue

        def loop():
            for _ in range(W1_ITERS):
                step()

        put("us_per_iter", per_op(loop, W1_ITERS))


def normal_init(model, w_std, b_mean, b_std):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "bias" in name:
                p.fill_(b_mean) if b_std == 0 else p.normal_(b_mean, b_std)
            else:
                p.normal_(0, w_std)


def w2(d, _e):
    (xt, yt), (xv, yv) = load(d, "digits_train", 64), load(d, "digits_test", 64)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 50), torch.nn.Sigmoid(), torch.nn.Linear(50, 10))
    normal_init(model, 1.0, 0.01, 0)
    weights = [p for n, p in model.named_parameters() if "bias" not in n]
    biases = [p for n, p in model.named_parameters() if "bias" in n]
    opt = torch.optim.SGD([{"params": weights, "weight_decay": 0.1}, {"params": biases}], lr=0.01)
    n = xt.shape[0]
    t = []
    for _ in range(100):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(n)
        for b in range(n // 100):
            idx = order[b * 100:(b + 1) * 100]
            x, y = xt.index_select(0, idx), yt.index_select(0, idx)
            opt.zero_grad()
            F.cross_entropy(model(x), y, reduction="sum").backward()
            opt.step()
        t.append((time.perf_counter() - start) * 1e3)
    put("ms_per_epoch", statistics.median(t))
    put("train_accuracy", accuracy(model, xt, yt))
    put("test_accuracy", accuracy(model, xv, yv))


def w3(d, epochs):
    (xt, yt), (xv, yv) = load(d, "digits_train", 64), load(d, "digits_test", 64)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 50), torch.nn.Tanh(), torch.nn.Linear(50, 10))
    normal_init(model, 0.1, 0, 0.1)
    opt = torch.optim.SGD(model.parameters(), lr=0.001)
    n = xt.shape[0]
    t = []
    for _ in range(epochs or 100):
        start = time.perf_counter()
        for i in range(n):
            x, y = xt[i:i + 1], yt[i:i + 1]
            opt.zero_grad()
            F.cross_entropy(model(x), y, reduction="sum").backward()
            opt.step()
        t.append((time.perf_counter() - start) * 1e6 / n)
    put("us_per_step", statistics.median(t))
    put("train_accuracy", accuracy(model, xt, yt))
    put("test_accuracy", accuracy(model, xv, yv))


def w4(d, epochs):
    (xt, yt), (xv, yv) = load(d, "fashion_train", 784), load(d, "fashion_test", 784)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
                                torch.nn.ReLU(), torch.nn.Linear(256, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n = xt.shape[0]
    t = []
    for _ in range(epochs or 3):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(n)
        for b in range(0, n, 256):
            idx = order[b:b + 256]
            x, y = xt.index_select(0, idx), yt.index_select(0, idx)
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        t.append(time.perf_counter() - start)
    put("s_per_epoch", statistics.median(t))
    put("test_accuracy", accuracy(model, xv, yv))


def w7(d, epochs):
    """xgrad_bench's W7 in PyTorch."""
    (xt, yt), (xv, yv) = load(d, "fashion_train", 784), load(d, "fashion_test", 784)
    xt, xv = (((x - FASHION_MEAN) / FASHION_STD).reshape(-1, 1, 28, 28) for x in (xt, xv))
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n = xt.shape[0]
    t = []
    for _ in range(epochs or 1):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(n)
        for b in range(0, n, 64):
            idx = order[b:b + 64]
            x, y = xt.index_select(0, idx), yt.index_select(0, idx)
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        t.append(time.perf_counter() - start)
    put("s_per_epoch", statistics.median(t))
    model.eval()
    with torch.no_grad():
        right = sum(float((model(xv[i:i + 1000]).argmax(1) == yv[i:i + 1000]).sum()) for i in range(0, xv.shape[0], 1000))
    put("test_accuracy", right / xv.shape[0])


def cnn_recipe(d, epochs):
    """examples/fashion_cnn's whole recipe in PyTorch: W7's network, Adam lr 1e-3 annealed on a cosine
    to 0 over the run (stepped each epoch), each training batch mirrored left-right at random (p 0.5),
    pixels standardized with the training images' own mean and deviation, 10 epochs unless EPOCHS."""
    (xt, yt), (xv, yv) = load(d, "fashion_train", 784), load(d, "fashion_test", 784)
    mean, std = xt.mean().item(), xt.std().item()
    xt, xv = (((x - mean) / std).reshape(-1, 1, 28, 28) for x in (xt, xv))
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
    epochs = epochs or 10
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    n = xt.shape[0]
    t = []
    for epoch in range(epochs):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(n)
        for b in range(0, n, 64):
            idx = order[b:b + 64]
            x, y = xt.index_select(0, idx), yt.index_select(0, idx)
            flip = torch.rand(x.shape[0]) < 0.5
            x = torch.where(flip.view(-1, 1, 1, 1), x.flip(3), x)
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        t.append(time.perf_counter() - start)
        cosine.step()
        print(f"epoch {epoch + 1} seconds {t[-1]:.2f}", file=sys.stderr, flush=True)
    put("s_per_epoch", statistics.mean(t))
    model.eval()
    with torch.no_grad():
        right = sum(float((model(xv[i:i + 1000]).argmax(1) == yv[i:i + 1000]).sum()) for i in range(0, xv.shape[0], 1000))
    put("test_accuracy", right / xv.shape[0])


def w5(_d, _e):
    for n in (256, 1024, 2048):
        a, b = torch.randn(n, n), torch.randn(n, n)
        flop = 2.0 * n ** 3
        reps = max(3, int(2e10 / flop))
        rate = []
        for rep in range(reps + 1):
            start = time.perf_counter()
            torch.matmul(a, b)
            if rep:
                rate.append(flop / (time.perf_counter() - start) * 1e-9)
        put(f"gflops_{n}", statistics.median(rate))


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2 ** 20


def w6(_d, _e):
    before = rss_mib()
    start = time.perf_counter()
    a = torch.ones(1, requires_grad=True)
    c = torch.ones(1)
    x = a
    for _ in range(W6_LENGTH):
        x = x * c
    put("forward_seconds", time.perf_counter() - start)
    mid = time.perf_counter()
    x.sum().backward()
    put("backward_seconds", time.perf_counter() - mid)
    del x
    put("seconds", time.perf_counter() - start)
    put("peak_mib", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before)
    put("grad", a.grad.item())


def t1(_d, _e):
    """Elementwise ops and reductions on 1e7 float32 on 1 and on 2 intra-op threads (us per op)."""
    x, y = torch.randn(10_000_000), torch.randn(10_000_000)
    m = x.reshape(10_000, 1_000)
    ops = {"exp": lambda: torch.exp(x), "add": lambda: x + y, "relu": lambda: torch.relu(x),
           "sum": lambda: x.sum(), "max": lambda: x.max(), "sum_rows": lambda: m.sum(1)}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for name, op in ops.items():
            t = []
            for rep in range(21):
                start = time.perf_counter()
                op()
                if rep:
                    t.append((time.perf_counter() - start) * 1e6)
            put(f"{name}_t{threads}", statistics.median(t))


if __name__ == "__main__":
    torch.set_num_threads(1)
    what = sys.argv[1]
    data_dir = sys.argv[2] if len(sys.argv) > 2 else "bench-data"
    epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    {"W0": w0, "W1": w1, "W2": w2, "W3": w3, "W4": w4, "W5": w5, "W6": w6, "W7": w7, "T1": t1,
     "CNN": cnn_recipe}[what](data_dir, epochs)
