# isa-flags.cmake - per-file ISA compile flags chosen by file-name suffix, so
# one binary runs on any x86-64 and kernels are picked at run time by CPUID.
#   *-avx2.c        AVX2 + FMA + F16C
#   *-avx512.c      AVX-512 F/BW/DQ/VL (+ AVX2 set)
#   *-avx512vnni.c  + AVX-512 VNNI, VBMI
#   *-avx512bf16.c  + AVX-512 BF16
#   *-avxvnni.c     AVX2 + AVX-VNNI
# Everything else is built for the baseline x86-64 (no -m flags).
set(TB_FLAGS_AVX2 -mavx2 -mfma -mf16c -mbmi2)
set(TB_FLAGS_AVX512 ${TB_FLAGS_AVX2} -mavx512f -mavx512bw -mavx512dq -mavx512vl)
set(TB_FLAGS_AVX512VNNI ${TB_FLAGS_AVX512} -mavx512vnni -mavx512vbmi)
set(TB_FLAGS_AVX512BF16 ${TB_FLAGS_AVX512VNNI} -mavx512bf16)
set(TB_FLAGS_AVXVNNI ${TB_FLAGS_AVX2} -mavxvnni)

function(tb_apply_isa_flags)
  foreach(f ${ARGN})
    get_filename_component(n "${f}" NAME_WE)
    if(n MATCHES "-avx512bf16$")
      set(fl ${TB_FLAGS_AVX512BF16})
    elseif(n MATCHES "-avx512vnni$")
      set(fl ${TB_FLAGS_AVX512VNNI})
    elseif(n MATCHES "-avx512$")
      set(fl ${TB_FLAGS_AVX512})
    elseif(n MATCHES "-avxvnni$")
      set(fl ${TB_FLAGS_AVXVNNI})
    elseif(n MATCHES "-avx2$")
      set(fl ${TB_FLAGS_AVX2})
    else()
      continue()
    endif()
    set_source_files_properties("${f}" PROPERTIES COMPILE_OPTIONS "${fl}")
  endforeach()
endfunction()
