# CMake toolchain: cross-compile for the ARM64 box on an x86-64 Debian 12 machine with Debian's own
# aarch64 compilers (g++-aarch64-linux-gnu) and multiarch libraries (libopencv-dev:arm64).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_STRIP aarch64-linux-gnu-strip)
# find_library and find_package look in /usr/lib/aarch64-linux-gnu, the arm64 half of multiarch.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(OpenCV_DIR /usr/lib/aarch64-linux-gnu/cmake/opencv4)
