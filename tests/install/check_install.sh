#!/usr/bin/env bash
# check_install.sh BUILD_DIR SOURCE_DIR SCRATCH - install BUILD_DIR into SCRATCH/prefix, then
# build tests/install/consumer.c against the installed copy with pkg-config and with CMake.
set -euo pipefail
build=$1 src=$2 scratch=$3
rm -rf "$scratch"
mkdir -p "$scratch"
prefix=$scratch/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null

pcdir=$(dirname "$(find "$prefix" -name eddy.pc | head -1)")
[ -f "$pcdir/eddy.pc" ] || { echo "FAIL: eddy.pc not installed"; exit 1; }
so=$(find "$prefix" -name 'libeddy.so.*' | head -1)
objdump -p "$so" | grep -q 'SONAME *libeddy.so.0' || { echo "FAIL: SONAME is not libeddy.so.0"; exit 1; }
find "$prefix" -name libeddy.a | grep -q . || { echo "FAIL: static library not installed"; exit 1; }
[ -x "$prefix/bin/eddy" ] || { echo "FAIL: the eddy command is not installed"; exit 1; }
"$prefix/bin/eddy" --version | grep -q '^eddy ' || { echo "FAIL: eddy --version"; exit 1; }
find "$prefix" -name eddy.1 | grep -q . || { echo "FAIL: the eddy(1) man page is not installed"; exit 1; }

# 0. every installed header stands alone in strict C11 and in C++
for h in $(cd "$prefix/include" && find . -name '*.h' | sed 's|^\./||'); do
    printf '#include <%s>\n#include <%s>\nint main(void) { return 0; }\n' "$h" "$h" >"$scratch/h.c"
    cc -std=c11 -Wall -Wextra -Wpedantic -Werror -I"$prefix/include" -c "$scratch/h.c" \
        -o "$scratch/h.o" || { echo "FAIL: $h does not compile on its own"; exit 1; }
done
printf '#include <eddy.h>\nint main() { return 0; }\n' >"$scratch/h.cc"
c++ -std=c++17 -Wall -Werror -I"$prefix/include" -c "$scratch/h.cc" -o "$scratch/h.o" ||
    { echo "FAIL: eddy.h does not compile as C++"; exit 1; }

# 1. pkg-config, shared library
export PKG_CONFIG_PATH=$pcdir
cc -std=c11 -Wall -Werror -o "$scratch/consumer_pc" "$src/consumer.c" $(pkg-config --cflags --libs eddy)
LD_LIBRARY_PATH=$(dirname "$so") "$scratch/consumer_pc"

# 2. pkg-config, static library
cc -std=c11 -o "$scratch/consumer_static" "$src/consumer.c" $(pkg-config --cflags eddy) \
    "$(find "$prefix" -name libeddy.a | head -1)" -lpthread -lm
"$scratch/consumer_static"

# 3. find_package(eddy)
mkdir -p "$scratch/cmake-src"
cp "$src/consumer.c" "$scratch/cmake-src/"
cp "$src/CMakeLists.consumer.txt" "$scratch/cmake-src/CMakeLists.txt"
cmake -S "$scratch/cmake-src" -B "$scratch/cmake-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$scratch/cmake-build" >/dev/null
LD_LIBRARY_PATH=$(dirname "$so") "$scratch/cmake-build/consumer_cmake"
echo "install check: 5 passed, 0 failed"
