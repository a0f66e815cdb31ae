"""The distributed workloads of bench/run.py, each launched with mpirun, one thread per rank
(OPENBLAS_NUM_THREADS=1, OMP_NUM_THREADS=1, torch.set_num_threads(1)):

  P1  notebook 001's digits net (64-50-10 sigmoid), a global batch of 200 over 2 ranks: ms per
      epoch of xgrad's DataParallel and of PyTorch's DistributedDataParallel (gloo: Debian's
      python3-torch has no MPI backend), next to one xgrad process on batches of 200.
  P2  allreduce (sum, in place) of the net's 3,760 float32 gradients and of 1e7 float32, 2 ranks:
      xgrad's all_reduce, MPI_Allreduce (OpenMPI's choice, and its ring forced with
      coll_tuned_allreduce_algorithm 4), and gloo.
  P3  P1's xgrad epoch on 1, 2 and 4 ranks (4 is oversubscribed on a 2-core machine).

Goals (issue 15): P1 xgrad <= 0.2 x PyTorch DDP and <= 1.3 x one xgrad process; P2 xgrad <= 1.5 x
the faster MPI_Allreduce at both sizes."""
import os
import socket
import statistics

ROOT_BENCH = os.path.dirname(os.path.abspath(__file__))
GRADIENT_FLOATS = 3760  # 64*50 + 50 + 50*10 + 10
LARGE_FLOATS = 10_000_000
RING = ["--mca", "coll_tuned_use_dynamic_rules", "1", "--mca", "coll_tuned_allreduce_algorithm", "4"]
P_WORKLOADS = ("P1", "P2", "P3")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mpi_env(base, np):
    env = dict(base)
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", XGRAD_BENCH_PORT=str(free_port()))
    if np > (os.cpu_count() or 1):
        env["OMPI_MCA_rmaps_base_oversubscribe"] = "1"
    return env


def jobs(workload, build, data):
    """(key, np, command, extra mpirun flags) for each process launch of one round."""
    xgrad, mpi = str(build / "xgrad_dist_bench"), str(build / "mpi_bench")
    torch = ["/usr/bin/python3", os.path.join(ROOT_BENCH, "torch_ddp_bench.py")]
    if workload == "P1":
        return [("xgrad", 2, [xgrad, "epoch", data], []), ("pytorch", 2, [*torch, "epoch", data], []),
                ("single", 0, [xgrad, "single", data], [])]
    if workload == "P2":
        out = []
        for n in (GRADIENT_FLOATS, LARGE_FLOATS):
            out += [(f"xgrad_{n}", 2, [xgrad, "allreduce", str(n)], []),
                    (f"mpi_{n}", 2, [mpi, "allreduce", str(n)], []),
                    (f"mpi_ring_{n}", 2, [mpi, "allreduce", str(n)], RING),
                    (f"gloo_{n}", 2, [*torch, "allreduce", str(n)], [])]
        return out
    return [(f"xgrad_np{np}", np, [xgrad, "epoch", data], []) for np in (1, 2, 4)]


def measure(workloads, build, data, base_env, rounds, run, log):
    """Runs every job of `workloads` once per round, interleaved; returns {workload: {key: [values]}}."""
    results = {w: {} for w in workloads}
    for r in range(rounds):
        for w in workloads:
            for key, np, cmd, flags in jobs(w, build, data):
                env = mpi_env(base_env, max(np, 1))
                full = ["mpirun", "-np", str(np), *flags, *cmd] if np else cmd
                results[w].setdefault(key, []).append(run(full, env))
            log(f"bench: {w} round {r + 1}/{rounds} done")
    return results


def med(values, key="ms_per_epoch"):
    v = [x[key] for x in values if key in x]
    return statistics.median(v) if v else float("nan")


def spread(values, fmt, key="ms_per_epoch"):
    v = [x[key] for x in values if key in x]
    return f"{fmt(min(v))}-{fmt(max(v))}" if v else "n/a"


def table(results, fmt):
    """Markdown rows, `ratio` values and notes for the measured workloads."""
    rows = ["| workload | metric | xgrad | PyTorch DDP (gloo) | yardstick | xgrad / PyTorch | xgrad / yardstick | goal | met |",
            "|---|---|---|---|---|---|---|---|---|"]
    ratios, notes = {}, []
    if "P1" in results:
        res = results["P1"]
        x, p, s = med(res["xgrad"]), med(res["pytorch"]), med(res["single"])
        acc = [med(res[k], "test_accuracy") for k in ("xgrad", "pytorch", "single")]
        ok = x / p <= 0.2 and x / s <= 1.3
        rows.append(f"| P1 digits, global batch 200, 2 ranks | ms/epoch | {fmt(x)} | {fmt(p)} | one xgrad process, batch 200: "
                    f"{fmt(s)} | {x / p:.3f} | {x / s:.3f} | <= 0.2 and <= 1.3 | {'yes' if ok else 'no'} |")
        notes.append("P1 test accuracy xgrad / PyTorch / one process: " + " / ".join(f"{a:.4f}" for a in acc))
        notes.append("P1 range over rounds, ms/epoch: xgrad " + ", PyTorch ".join(
            spread(res[k], fmt) for k in ("xgrad", "pytorch")) + f", one process {spread(res['single'], fmt)}")
        ratios["P1"] = x / s
        ratios["P1_vs_pytorch"] = x / p
    if "P2" in results:
        res = results["P2"]
        worst = 0
        for n in (GRADIENT_FLOATS, LARGE_FLOATS):
            key = "us_per_allreduce"
            x, g = med(res[f"xgrad_{n}"], key), med(res[f"gloo_{n}"], key)
            m, ring = med(res[f"mpi_{n}"], key), med(res[f"mpi_ring_{n}"], key)
            best = min(m, ring)
            worst = max(worst, x / best)
            rows.append(f"| P2 allreduce {n:,} float32, 2 ranks | us | {fmt(x)} | {fmt(g)} | MPI_Allreduce {fmt(m)}, "
                        f"ring {fmt(ring)} | {x / g:.3f} | {x / best:.3f} | <= 1.5 of the faster MPI | "
                        f"{'yes' if x / best <= 1.5 else 'no'} |")
        ratios["P2"] = worst
        for n in (GRADIENT_FLOATS, LARGE_FLOATS):
            notes.append(f"P2 {n:,} floats, range over rounds, us: " + ", ".join(
                f"{name} {spread(res[f'{k}_{n}'], fmt, 'us_per_allreduce')}"
                for k, name in (("xgrad", "xgrad"), ("mpi", "MPI_Allreduce"), ("mpi_ring", "ring"), ("gloo", "gloo"))))
    if "P3" in results:
        res = results["P3"]
        t = {np: med(res[f"xgrad_np{np}"]) for np in (1, 2, 4)}
        rows.append(f"| P3 scaling, digits global batch 200 | ms/epoch at 1 / 2 / 4 ranks | "
                    f"{fmt(t[1])} / {fmt(t[2])} / {fmt(t[4])} | | | | speedup over 1 rank: {t[1] / t[2]:.2f} / "
                    f"{t[1] / t[4]:.2f} | (report) | |")
        notes.append(f"P3: 4 ranks on {os.cpu_count()} cores are oversubscribed (two ranks share a core); range over "
                     "rounds, ms/epoch: " + ", ".join(f"{np} rank{'s' if np > 1 else ''} {spread(res[f'xgrad_np{np}'], fmt)}" for np in (1, 2, 4)))
        ratios["P3"] = t[1] / t[2]
    return rows, ratios, notes
