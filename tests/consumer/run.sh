#!/usr/bin/env bash
# test_consumer: installs the build under test into a scratch prefix (cmake --install), checks
# what was installed, then builds tests/consumer against it with CMake (find_package) and with
# pkg-config, and runs both programs. Usage: run.sh BUILD_DIR SCRATCH_DIR
set -euo pipefail
build="$(cd "$1" && pwd)"
mkdir -p "$2" && scratch="$(cd "$2" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$scratch"
prefix="$scratch/prefix"
cmake --install "$build" --prefix "$prefix" > "$scratch.install.log"

fail() { echo "test_consumer: $*" >&2; exit 1; }
[ -f "$prefix/include/xgrad/xgrad.hpp" ] || fail "include/xgrad/xgrad.hpp was not installed"
[ -f "$prefix/lib/cmake/xgrad/xgradConfig.cmake" ] || fail "no xgradConfig.cmake"
[ -f "$prefix/lib/cmake/xgrad/xgradConfigVersion.cmake" ] || fail "no xgradConfigVersion.cmake"
[ -f "$prefix/lib/pkgconfig/xgrad.pc" ] || fail "no xgrad.pc"
# Only the public headers, and no flag of this build pushed on its users.
internal=$(find "$prefix/include" -name 'op.hpp' -o -name 'impl.hpp' -o -name 'kernels.hpp' -o -name 'check.hpp')
[ -z "$internal" ] || fail "internal headers installed: $internal"
[ -z "$(find "$prefix/include" -type f ! -path "$prefix/include/xgrad/*")" ] || fail "files outside include/xgrad"
if grep -rl -- '-march\|-ffp-contract\|-fno-math-errno\|XTENSOR_USE_XSIMD' "$prefix/lib/cmake" "$prefix/lib/pkgconfig"; then
  fail "a build flag of xgrad reaches its users (files above)"
fi
echo "test_consumer: installed $(find "$prefix/include/xgrad" -name '*.hpp' | wc -l) public headers"

# CMake: find_package(xgrad) and xgrad::xgrad.
cmake -S "$here" -B "$scratch/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release > "$scratch.configure.log"
cmake --build "$scratch/cmake-build" > "$scratch.build.log"
"$scratch/cmake-build/consumer"

# pkg-config.
flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs xgrad)
"${CXX:-c++}" -std=c++20 -O1 "$here/main.cpp" -o "$scratch/consumer-pc" $flags -Wl,-rpath,"$prefix/lib"
"$scratch/consumer-pc"
echo "test_consumer: find_package and pkg-config programs built and ran"
