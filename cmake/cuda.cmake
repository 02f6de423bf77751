# cuda.cmake - the optional CUDA plugin (libtritbench-cuda.so, sources in
# kernels/cuda/plugin/*.cu).  TRITBENCH_CUDA: AUTO builds it when nvcc is
# found (PATH, CUDACXX or /usr/local/cuda/bin), ON requires it, OFF never.
# The tritbench binary never links the CUDA runtime: it loads the plugin
# with dlopen (kernels/cuda/gpu-loader.c).  Sets TB_CUDA_ENABLED.
# A cross build (CMAKE_CROSSCOMPILING, e.g. cmake/aarch64-linux-gnu.cmake)
# never looks for nvcc under AUTO: the host's nvcc would build a plugin for
# the host, not the target.  ON there is the user's (a cross nvcc) to set up.
set(TRITBENCH_CUDA AUTO CACHE STRING "CUDA plugin: AUTO|ON|OFF")
set_property(CACHE TRITBENCH_CUDA PROPERTY STRINGS AUTO ON OFF)
set(TB_CUDA_ENABLED OFF)
if(NOT TRITBENCH_CUDA MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "TRITBENCH_CUDA=${TRITBENCH_CUDA}: expected AUTO, ON or OFF")
endif()
if(CMAKE_CROSSCOMPILING AND TRITBENCH_CUDA STREQUAL "AUTO")
  message(STATUS "TRITBENCH_CUDA=AUTO: cross build for ${CMAKE_SYSTEM_PROCESSOR}, CUDA plugin not attempted")
elseif(NOT TRITBENCH_CUDA STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    # sm_80 (A100) and sm_90 (H100/H200) only: keeps nvcc time modest
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 80 90)
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit)
    if(CUDAToolkit_FOUND AND TARGET CUDA::cublas)
      set(TB_CUDA_ENABLED ON)
    endif()
  endif()
  if(NOT TB_CUDA_ENABLED AND TRITBENCH_CUDA STREQUAL "ON")
    message(FATAL_ERROR "TRITBENCH_CUDA=ON but no usable nvcc/CUDA toolkit with cuBLAS was found")
  endif()
endif()
if(TB_CUDA_ENABLED)
  message(STATUS "TRITBENCH_CUDA=${TRITBENCH_CUDA}: building the CUDA plugin with ${CMAKE_CUDA_COMPILER} "
                 "(CUDA ${CUDAToolkit_VERSION}, architectures ${CMAKE_CUDA_ARCHITECTURES})")
elseif(NOT (CMAKE_CROSSCOMPILING AND TRITBENCH_CUDA STREQUAL "AUTO")) # said above
  message(STATUS "TRITBENCH_CUDA=${TRITBENCH_CUDA}: CUDA plugin not built (OFF, or no usable nvcc and cuBLAS)")
endif()
