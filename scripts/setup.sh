# Sourced by the scripts: installs the Debian packages xgrad needs (only those missing), then
# configures and builds. Safe to rerun.

XGRAD_PACKAGES=(cmake g++ make pkg-config libxtensor-dev libxtensor-blas-dev xtl-dev libxsimd-dev doctest-dev
                libopenblas-dev zlib1g-dev nlohmann-json3-dev libcli11-dev dataset-fashion-mnist libboost-context-dev
                openmpi-bin libopenmpi-dev libprotobuf-dev protobuf-compiler doxygen)

# scripts/fuzz's compiler and its sanitizer and libFuzzer runtimes.
XGRAD_FUZZ_PACKAGES=(clang-14 libclang-rt-14-dev)

# Installs the named Debian packages that are not installed yet.
install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "xgrad: installing Debian packages: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}" >&2
}

# Configures `build/` (or $XGRAD_BUILD_DIR, with $XGRAD_CMAKE_ARGS) and builds it with every core;
# extra arguments go to cmake --build (--target NAME...). Configuring again each time costs a few
# seconds and picks up new sources and targets; a folder's cached options stay as they were.
build_xgrad() {
  local dir="${XGRAD_BUILD_DIR:-build}"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release ${XGRAD_CMAKE_ARGS:-} >&2
  cmake --build "$dir" -j"$(nproc)" "$@" >&2
}

# Runs a program on N ranks with mpirun (OpenMPI): as root it must be told that this is fine, and
# more ranks than cores need oversubscription; both are set through OpenMPI's environment.
run_mpi() {
  local np="$1"
  shift
  local flags=()
  [ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
  [ "$np" -gt "$(nproc)" ] && flags+=(--oversubscribe)
  exec mpirun "${flags[@]}" -np "$np" "$@"
}
