// The yardstick of the allreduce workload (P2): MPI_Allreduce itself, in place, on N float32, with
// whatever algorithm OpenMPI picks (or the one set with --mca coll_tuned_allreduce_algorithm).
//   mpirun -np 2 mpi_bench allreduce N     prints `us_per_allreduce <median>` on rank 0
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_util.hpp"

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  if (argc < 3 || std::string(argv[1]) != "allreduce") {
    std::fprintf(stderr, "usage: mpi_bench allreduce N\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  const long long n = std::atoll(argv[2]);
  std::vector<float> buf(static_cast<size_t>(n), 1.0f);
  const int reps = n <= 100000 ? 2000 : 10;
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Barrier(MPI_COMM_WORLD);
  double us = bench::median_us_per(
      [&] {
        for (int i = 0; i < reps; ++i)
          MPI_Allreduce(MPI_IN_PLACE, buf.data(), static_cast<int>(n), MPI_FLOAT, MPI_SUM,
                        MPI_COMM_WORLD);
      },
      reps);
  if (rank == 0) bench::put("us_per_allreduce", us);
  MPI_Finalize();
}
