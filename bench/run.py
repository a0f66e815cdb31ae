#!/usr/bin/env python3
"""Runs the workloads W0-W7 and T1 in xgrad, LibTorch and PyTorch (and OpenBLAS alone where a GEMM
yardstick is wanted), interleaved: each round runs every library once, one process each, and the
reported figure is the median over rounds of each process's own median. Prints one table, writes
it with the machine, versions and thread settings to bench/results/<date>.md, and prints last one
line per workload: `ratio W<n> <xgrad / LibTorch>` (W5: `ratio W5 <xgrad GFLOP/s / sgemm GFLOP/s>`;
D: the larger of xgrad's deterministic / default time on W2 and W4).
The distributed workloads P1-P3 (bench/dist_workloads.py) run under mpirun in the same run and get
a table of their own; their `ratio` lines: P1 xgrad / one process, P2 xgrad / MPI_Allreduce, P3
the 2-rank speedup.

Called by scripts/bench, which builds the programs and installs the peers first."""
import argparse
import datetime
import os
import platform
import shutil
import statistics
import time
import subprocess
import sys
from pathlib import Path

import dist_workloads

ROOT = Path(__file__).resolve().parent.parent

# Notebook 002's float64 numbers for the worked network (W1 checks them first).
W1_Z3, W1_LOSS = 0.16396105963970836, 0.37636378397755565

# (workload, title, metric key, unit, goal on xgrad/LibTorch, accuracy key, accuracy tolerance)
WORKLOADS = {
    "W0": ("per-op overhead, {4} float32", None, "us/op", 0.25, None, 0),
    "W1": ("worked 4-4-3-3 tanh net, one step", "us_per_iter", "us/iter", 0.1, None, 0),
    "W2": ("digits 64-50-10 sigmoid, batch 100", "ms_per_epoch", "ms/epoch", 0.33, "test_accuracy", 0.02),
    "W3": ("digits 64-50-10 tanh, per-sample SGD", "us_per_step", "us/step", 0.1, "test_accuracy", 0.02),
    "W4": ("Fashion-MNIST 784-256-256-10, Adam", "s_per_epoch", "s/epoch", 0.7, "test_accuracy", 0.015),
    "W5": ("matmul float32, square", None, "GFLOP/s", 0.95, None, 0),
    "W6": ("chain of 1e6 multiplies + backward", "seconds", "s", 1.0, None, 0),
    # a small whole program from exec to exit, compiling it, and the library's size on disk
    "S": ("start-up, compile time, size", None, "", None, None, 0),
    # every library on 1 and on 2 threads (xgrad's set_num_threads, torch's intra-op threads)
    "T1": ("1e7 float32, elementwise and reductions", None, "us/op", 1.0, None, 0),
    # one epoch from three libraries' own initializations: 0.8696-0.8912 measured (2026-11-30)
    "W7": ("Fashion-MNIST CNN (conv-bn-relu-pool x2, linear), Adam, batch 64", "s_per_epoch", "s/epoch", 0.8,
           "test_accuracy", 0.03),
    # xgrad alone: W2 and W4 in deterministic mode against the default mode, in turns
    "D": ("deterministic mode / default mode", None, "ratio", None, None, 0),
}
# D's parts: (workload, metric key, goal on deterministic / default)
D_PARTS = [("W2", "ms_per_epoch", 1.5), ("W4", "s_per_epoch", 2.0)]
W0_KEYS = [("add_grad_us", "(a) add, grad mode"), ("add_nograd_us", "(b) add, no-grad"),
           ("chain_us", "(c) 100-add chain + backward")]
W5_SIZES = [256, 1024, 2048]
T1_OPS = [("exp", "exp(x)"), ("add", "x + y"), ("relu", "relu(x)"), ("sum", "sum(x)"), ("max", "max(x)"),
          ("sum_rows", "sum of [1e4, 1e3] over dim 1")]


def run(cmd, env):
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench: {' '.join(map(str, cmd))} failed ({out.returncode}):\n{out.stderr}{out.stdout}")
    values = {}
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2:
            try:
                values[parts[0]] = float(parts[1])
            except ValueError:
                pass
    return values


# Workloads whose work is one thread's (no GEMM large enough for a second thread in any of the
# libraries) run pinned to one CPU, the same for every library: on a VM the virtual CPUs can
# differ in speed (here one ran single-threaded code ~1.6x slower than the other), and an
# unpinned process lands on either.
PINNED = {"W0", "W1", "W3", "W6"}


def command(lib, build, workload, data, epochs, pin):
    extra = [str(epochs)] if epochs else []
    if pin is not None and workload in PINNED:
        return ["taskset", "-c", str(pin), *command(lib, build, workload, data, epochs, None)]
    if lib == "xgrad":
        return [build / "xgrad_bench", workload, data, *extra]
    if lib == "libtorch":
        return [build / "libtorch_bench", workload, data, *extra]
    if lib == "pytorch":
        return ["/usr/bin/python3", ROOT / "bench" / "torch_bench.py", workload, data, *extra]
    return [build / "blas_bench", "W4floor" if workload == "W4" else workload]


def startup(build, env):
    """S, one round: each program's wall time (ms, from spawning it to its exit) and its peak resident
    memory (MiB, its own VmHWM),
    the compile time (s) and the compiler's peak memory (MiB) of its one translation unit, and the size
    of each library on disk (MB)."""
    out = {}
    for lib in ("xgrad", "libtorch"):
        walls, rss = [], []
        for _ in range(5):
            start = time.perf_counter()
            proc = subprocess.run([build / f"{lib}_startup"], env=env, capture_output=True, text=True)
            walls.append((time.perf_counter() - start) * 1e3)
            if proc.returncode != 0:
                sys.exit(f"bench: {lib}_startup failed ({proc.returncode}): {proc.stderr}")
            # The program's own VmHWM: a child's ru_maxrss would count the forked parent.
            kib = [int(l.split()[1]) for l in proc.stdout.splitlines() if l.startswith("peak_kib")]
            rss.append(kib[0] / 1024)
        out[f"{lib}_start_ms"], out[f"{lib}_start_mib"] = statistics.median(walls), statistics.median(rss)
    cxx = os.environ.get("CXX", "c++")
    compiles = {
        "xgrad": [cxx, "-std=c++20", "-O2", "-I", str(ROOT / "include"), "-c", str(ROOT / "bench" / "startup.cpp")],
        "libtorch": [cxx, "-std=c++17", "-O2", "-I", "/usr/include/torch/csrc/api/include",
                     "-c", str(ROOT / "bench" / "libtorch_startup.cpp")],
    }
    for lib, cmd in compiles.items():
        start = time.perf_counter()
        proc = subprocess.Popen(cmd + ["-o", os.devnull], env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        if status != 0:
            sys.exit(f"bench: compiling {lib}'s program failed")
        out[f"{lib}_compile_s"] = time.perf_counter() - start
        out[f"{lib}_compile_mib"] = usage.ru_maxrss / 1024
    out["xgrad_size_mb"] = (build / "xgrad" / "libxgrad.a").stat().st_size / 1e6
    torch_libs = ["libtorch_cpu.so", "libtorch.so", "libc10.so"]
    out["libtorch_size_mb"] = sum(Path("/usr/lib/x86_64-linux-gnu", n).resolve().stat().st_size
                                  for n in torch_libs) / 1e6
    return out


def median_of(results, key):
    vals = [r[key] for r in results if key in r]
    return statistics.median(vals) if vals else float("nan")


def fmt(v, digits=3):
    if v != v:  # NaN
        return "n/a"
    if abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.{digits}g}"


def versions():
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "?"
    cpu = sh("lscpu | sed -n 's/^Model name: *//p'")
    return {
        "machine": f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        "os": sh(". /etc/os-release && echo $PRETTY_NAME"),
        "compiler": sh("c++ --version | head -1"),
        "xgrad": sh(f"git -C {ROOT} rev-parse --short HEAD") + (" (with local changes)" if sh(
            f"git -C {ROOT} status --porcelain --untracked-files=no -- . ':!*.md'") else ""),
        "torch": sh("dpkg-query -W -f '${Version}' libtorch-dev") + " (libtorch-dev), " + sh("dpkg-query -W -f '${Version}' python3-torch") + " (python3-torch)",
        "openblas": sh("dpkg-query -W -f '${Version}' libopenblas0-pthread") + " (libopenblas0-pthread; BLAS for all three: " + sh("readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3") + ")",
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=str(ROOT / "build-bench"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workloads", default="W0,W1,W2,W3,W4,W5,W6,W7,T1,S,D,P1,P2,P3")
    ap.add_argument("--w3-epochs", type=int, default=0, help="per-sample epochs in W3 (default 100)")
    ap.add_argument("--pin-cpu", type=int, default=os.cpu_count() - 1,
                    help="CPU for the single-threaded workloads W0 W1 W3 W6 (-1: no pinning)")
    ap.add_argument("--cnn-recipe", action="store_true",
                    help="also run examples/fashion_cnn's whole recipe (10 epochs) once in PyTorch and report "
                         "its test accuracy and s/epoch (long: ~10 epochs of W7)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / f"{datetime.date.today()}.md"))
    args = ap.parse_args()
    build = Path(args.build)
    data = str(build / "data")
    pin = args.pin_cpu if args.pin_cpu >= 0 and shutil.which("taskset") else None

    env = dict(os.environ)
    env.setdefault("OPENBLAS_NUM_THREADS", str(os.cpu_count()))
    env["OMP_NUM_THREADS"] = "1"
    if not Path(data, "fashion_test_y.i64").exists():
        run([build / "xgrad_bench", "export", data], env)

    requested = args.workloads.split(",")
    for w in requested:
        if w not in WORKLOADS and w not in dist_workloads.P_WORKLOADS:
            sys.exit(f"bench: unknown workload {w}")
    workloads = [w for w in requested if w in WORKLOADS]
    dist_requested = [w for w in requested if w in dist_workloads.P_WORKLOADS]
    if dist_requested and not (build / "xgrad_dist_bench").exists():
        sys.exit("bench: P1-P3 need xgrad_dist_bench (xgrad::distributed is built where MPI is found: "
                 "Debian's libopenmpi-dev and openmpi-bin)")
    dist_results = dist_workloads.measure(dist_requested, build, data, env, args.rounds, run,
                                          lambda m: print(m, file=sys.stderr, flush=True))
    results = {}
    for w in workloads:
        if w == "D":
            results[w] = {f"{part}{mode}": [] for part, _, _ in D_PARTS for mode in ("", "det")}
            for r in range(args.rounds):
                for name in results[w]:
                    results[w][name].append(run(command("xgrad", build, name, data, 0, pin), env))
                print(f"bench: D round {r + 1}/{args.rounds} done", file=sys.stderr, flush=True)
            continue
        if w == "S":
            results[w] = {"both": []}
            for r in range(args.rounds):
                results[w]["both"].append(startup(build, env))
                print(f"bench: S round {r + 1}/{args.rounds} done", file=sys.stderr, flush=True)
            continue
        libs = ["xgrad", "libtorch", "pytorch"] + (["openblas"] if w in ("W4", "W5") else [])
        epochs = args.w3_epochs if w == "W3" else 0
        results[w] = {lib: [] for lib in libs}
        for r in range(args.rounds):
            for lib in libs:
                results[w][lib].append(run(command(lib, build, w, data, epochs, pin), env))
            print(f"bench: {w} round {r + 1}/{args.rounds} done", file=sys.stderr, flush=True)

    rows, ratios, notes = [], {}, []
    head = "| workload | metric | xgrad | PyTorch | LibTorch | xgrad / LibTorch | goal | met | accuracy xgrad / PyTorch / LibTorch |"
    rows += [head, "|---|---|---|---|---|---|---|---|---|"]
    for w in workloads:
        title, key, unit, goal, acc_key, tol = WORKLOADS[w]
        res = results[w]
        if w == "D":
            worst = 0
            for part, key, goal_d in D_PARTS:
                base, det = median_of(res[part], key), median_of(res[part + "det"], key)
                ratio = det / base
                worst = max(worst, ratio)
                acc = " / ".join(f"{median_of(res[n], 'test_accuracy'):.4f}" for n in (part + "det", part))
                rows.append(f"| D {part} deterministic vs default (xgrad) | {WORKLOADS[part][2]} | {fmt(det)} | | {fmt(base)} (default) | {ratio:.3f} | <= {goal_d} | {'yes' if ratio <= goal_d else 'no'} | {acc} (deterministic / default) |")
            ratios[w] = worst
            continue
        if w == "W0":
            worst = 0
            for k, label in W0_KEYS:
                x, p, l = (median_of(res[lib], k) for lib in ("xgrad", "pytorch", "libtorch"))
                ratio = x / l
                worst = max(worst, ratio)
                rows.append(f"| W0 {label} | {unit} | {fmt(x)} | {fmt(p)} | {fmt(l)} | {ratio:.3f} | <= {goal} | {'yes' if ratio <= goal else 'no'} | |")
            ratios[w] = worst
            continue
        if w == "S":
            b = res["both"]
            parts = [("start", "ms", "a 10-step training program, exec to exit", 20),
                     ("start_mib_", "MiB", "its peak resident memory", 20),
                     ("compile", "s", "compiling it (one TU, -O2)", 2),
                     ("compile_mib_", "MiB", "the compiler's peak memory", None),
                     ("size", "MB", "the CPU library on disk (LibTorch: libtorch_cpu + libtorch + c10)", 10)]
            keys = {"start": "start_ms", "start_mib_": "start_mib", "compile": "compile_s",
                    "compile_mib_": "compile_mib", "size": "size_mb"}
            worst = 0
            for part, unit_s, label, goal_s in parts:
                x, l = median_of(b, f"xgrad_{keys[part]}"), median_of(b, f"libtorch_{keys[part]}")
                met = "" if goal_s is None else ("yes" if x <= goal_s else "no")
                goal_txt = "" if goal_s is None else f"<= {goal_s} {unit_s}"
                rows.append(f"| S {label} | {unit_s} | {fmt(x)} | | {fmt(l)} | {x / l:.3f} | {goal_txt} | {met} | |")
                if goal_s is not None:
                    worst = max(worst, x / goal_s)
            ratios[w] = worst  # the worst share of a goal (<= 1: every goal met)
            continue
        if w == "T1":
            worst = 0
            for k, label in T1_OPS:
                cells = []
                for threads in (1, 2):
                    x, p, l = (median_of(res[lib], f"{k}_t{threads}") for lib in ("xgrad", "pytorch", "libtorch"))
                    cells.append((x, p, l))
                    if threads == 2:
                        worst = max(worst, x / l)
                (x1, p1, l1), (x2, p2, l2) = cells
                rows.append(f"| T1 {label}, 1 / 2 threads | {unit} | {fmt(x1)} / {fmt(x2)} | {fmt(p1)} / {fmt(p2)} | {fmt(l1)} / {fmt(l2)} | {x1 / l1:.3f} / {x2 / l2:.3f} | <= {goal} on 2 | {'yes' if x2 / l2 <= goal else 'no'} | speedup on 2: xgrad {x1 / x2:.2f}, LibTorch {l1 / l2:.2f} |")
            ratios[w] = worst
            continue
        if w == "W5":
            worst = float("inf")
            for n in W5_SIZES:
                k = f"gflops_{n}"
                x, p, l, b = (median_of(res[lib], k) for lib in ("xgrad", "pytorch", "libtorch", "openblas"))
                share = x / b
                worst = min(worst, share)
                rows.append(f"| W5 {n}^3 | {unit} (sgemm {fmt(b)}) | {fmt(x)} | {fmt(p)} | {fmt(l)} | {x / l:.3f} | >= {goal} of sgemm: {share:.3f} | {'yes' if share >= goal else 'no'} | |")
            ratios[w] = worst
            continue
        x, p, l = (median_of(res[lib], key) for lib in ("xgrad", "pytorch", "libtorch"))
        ratio = x / l
        ratios[w] = ratio
        met = ratio <= goal
        extra = ""
        if w == "W1":
            for lib in ("xgrad", "pytorch", "libtorch"):
                z3, loss = median_of(res[lib], "check_z3"), median_of(res[lib], "check_loss")
                if abs(z3 - W1_Z3) > 1e-12 or abs(loss - W1_LOSS) > 1e-12:
                    notes.append(f"W1: {lib} float64 check failed: z3 {z3!r}, loss {loss!r}; its timing does not count")
                    met = False
            extra = f"float64 z3 {W1_Z3}, loss {W1_LOSS}: all three match"
        accs = ""
        if acc_key:
            a = [median_of(res[lib], acc_key) for lib in ("xgrad", "pytorch", "libtorch")]
            accs = " / ".join(f"{v:.4f}" for v in a)
            if abs(a[0] - a[2]) > tol or abs(a[0] - a[1]) > tol:
                notes.append(f"{w}: xgrad's accuracy {a[0]:.4f} is more than {tol} from a peer's; its timing does not count")
                met = False
        if w == "W4":
            floor = median_of(res["openblas"], "s_per_epoch")
            share = floor / x
            ok = share >= 0.85
            rows.append(f"| W4 {title} | {unit} | {fmt(x)} | {fmt(p)} | {fmt(l)} | {ratio:.3f} | <= {goal} | {'yes' if met else 'no'} | {accs} |")
            rows.append(f"| W4 GEMM floor (8 sgemm a step alone) | {unit} | {fmt(floor)} | | | share of xgrad's epoch: {share:.3f} | >= 0.85 | {'yes' if ok else 'no'} | |")
            continue
        if w == "W6":
            mem = [median_of(res[lib], "peak_mib") for lib in ("xgrad", "pytorch", "libtorch")]
            rows.append(f"| W6 {title} | {unit} | {fmt(x)} | {fmt(p)} | {fmt(l)} | {ratio:.3f} | <= {goal} | {'yes' if met else 'no'} | |")
            for k, label in (("forward_seconds", "forward"), ("backward_seconds", "backward")):
                t = [median_of(res[lib], k) for lib in ("xgrad", "pytorch", "libtorch")]
                rows.append(f"| W6 {label} alone | s | {fmt(t[0])} | {fmt(t[1])} | {fmt(t[2])} | {t[0] / t[2]:.3f} | <= 1 s | {'yes' if t[0] <= 1 else 'no'} | |")
            rows.append(f"| W6 peak memory above start | MiB | {fmt(mem[0])} | {fmt(mem[1])} | {fmt(mem[2])} | {mem[0] / mem[2]:.3f} | | | |")
            rows.append(f"| W6 bytes per recorded op (peak / 1e6) | B | {mem[0] * 2**20 / 1e6:.0f} | {mem[1] * 2**20 / 1e6:.0f} | {mem[2] * 2**20 / 1e6:.0f} | | <= 200 | {'yes' if mem[0] * 2**20 / 1e6 <= 200 else 'no'} | |")
            continue
        rows.append(f"| {w} {title} | {unit} | {fmt(x)} | {fmt(p)} | {fmt(l)} | {ratio:.3f} | <= {goal} | {'yes' if met else 'no'} | {accs or extra} |")

    info = versions()
    threads = (f"xgrad: get_num_threads() = the CPUs allowed, for OpenBLAS's large GEMMs and its own pool "
               f"(deterministic mode's GEMM, elementwise ops and reductions from 2^18 elements); LibTorch and PyTorch: "
               f"intra-op threads 1 (set_num_threads), OpenBLAS {env['OPENBLAS_NUM_THREADS']} threads; "
               f"OMP_NUM_THREADS=1; OPENBLAS_CORETYPE={env.get('OPENBLAS_CORETYPE', '(unset)')}; "
               + (f"W0 W1 W3 W6 pinned to CPU {pin} for every library (taskset), W2 W4 W5 unpinned; "
                  f"T1 sets every library's threads to 1 then 2"
                  if pin is not None else "nothing pinned"))
    text = [f"# Benchmark, {datetime.date.today()}", ""]
    text += [f"- {k}: {v}" for k, v in info.items()]
    if workloads:
        text += [f"- threads: {threads}"]
    text += [f"- method: {args.rounds} rounds, libraries interleaved in each; a process's figure is its own median "
             "after a warm-up; the table shows the median over rounds"]
    if workloads:  # the single-process table (absent when only P1-P3 ran)
        text += ["", *rows]
    if notes:
        text += ["", *[f"- {n}" for n in notes]]
    if dist_requested:
        dist_rows, dist_ratios, dist_notes = dist_workloads.table(dist_results, fmt)
        ratios.update(dist_ratios)
        text += ["", "## Distributed: mpirun, one thread per rank", "",
                 "- threads: OPENBLAS_NUM_THREADS=1, OMP_NUM_THREADS=1, torch.set_num_threads(1); "
                 f"OPENBLAS_CORETYPE={env.get('OPENBLAS_CORETYPE', '(unset)')}; nothing pinned", "",
                 *dist_rows, "", *[f"- {n}" for n in dist_notes]]
    if args.cnn_recipe:
        r = run(["/usr/bin/python3", ROOT / "bench" / "torch_bench.py", "CNN", data], env)
        text += ["", "## examples/fashion_cnn's recipe in PyTorch (one run, seed 0)", "",
                 "W7's network, Adam lr 1e-3 annealed on a cosine to 0, random horizontal flips (p 0.5), "
                 f"batches of 64, 10 epochs: test accuracy {r['test_accuracy']:.4f}, "
                 f"{r['s_per_epoch']:.1f} s an epoch (`bench/torch_bench.py CNN`; xgrad's: "
                 "`examples/fashion_cnn --seed 0`)"]
    table = "\n".join(text) + "\n"
    print(table)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table)
    print(f"bench: wrote {out}")
    for w in workloads + [k for k in ratios if k.startswith("P")]:
        print(f"ratio {w} {ratios[w]:.4f}")


if __name__ == "__main__":
    main()
