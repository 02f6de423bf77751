# aarch64-linux-gnu.cmake - CMake toolchain file for a cross build to
# AArch64 Linux with Debian's cross compiler (gcc-aarch64-linux-gnu) and
# arm64 multiarch libraries (libsqlite3-dev:arm64):
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
# Tests run through qemu-user (CMAKE_CROSSCOMPILING_EMULATOR); the CPU model
# comes from QEMU_CPU in the environment (scripts/test-arm64.sh sets it).
# Libraries are looked up only for arm64: an x86-64 libpapi/liblikwid is
# never picked up, so those samplers are built as absent unless their
# arm64 packages are installed.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# Debian multiarch: arm64 libraries live in /usr/lib/aarch64-linux-gnu,
# headers are shared in /usr/include; programs (cmake's helpers) are the host's.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/cmake)

find_program(TB_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
if(TB_QEMU_AARCH64)
  # -L: the arm64 dynamic loader and libraries (multiarch libc6:arm64 at /)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${TB_QEMU_AARCH64} -L /)
endif()
