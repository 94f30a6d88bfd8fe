# Builds wasm guests (test components, examples) as part of the build.
#   wasmhive_wat_guest(NAME file.wat [NO_CHECK])   -> ${WASMHIVE_GUEST_DIR}/NAME.wasm
#     (NO_CHECK: skip validation, for modules that are invalid on purpose)
#   wasmhive_c_guest(NAME SOURCES a.c ... [OUTPUT_DIR dir] [OUTPUT_NAME file])
#                                                  -> ${WASMHIVE_GUEST_DIR}/NAME.wasm
# Every guest joins the `guests` target.
find_program(WAT2WASM wat2wasm REQUIRED)
find_program(WASM_CLANG NAMES clang-14 clang REQUIRED)
find_program(WASM_LD NAMES wasm-ld-14 wasm-ld REQUIRED)

set(WASMHIVE_GUEST_DIR "${CMAKE_BINARY_DIR}/guests")
file(MAKE_DIRECTORY "${WASMHIVE_GUEST_DIR}")
add_custom_target(guests ALL)

function(wasmhive_wat_guest name source)
  cmake_parse_arguments(ARG "NO_CHECK" "" "" ${ARGN})
  set(flags --enable-all)
  if(ARG_NO_CHECK)
    list(APPEND flags --no-check)
  endif()
  set(out "${WASMHIVE_GUEST_DIR}/${name}.wasm")
  get_filename_component(src "${source}" ABSOLUTE)
  add_custom_command(OUTPUT "${out}"
    COMMAND ${WAT2WASM} ${flags} "${src}" -o "${out}"
    DEPENDS "${src}"
    COMMENT "wat2wasm ${name}.wasm" VERBATIM)
  add_custom_target(guest_${name} DEPENDS "${out}")
  add_dependencies(guests guest_${name})
endfunction()

# Freestanding C (no libc) against the SDK in sdk/c. -mbulk-memory lowers
# memcpy/memset to wasm instructions.
set(WASMHIVE_C_GUEST_FLAGS --target=wasm32 -O2 -nostdlib -mbulk-memory
    -Wall -Wextra -Werror -fuse-ld=${WASM_LD}
    -Wl,--no-entry -Wl,--export-dynamic -Wl,--strip-debug)

# Where guest `name` is written: OUTPUT_DIR (default: the guest directory) and
# OUTPUT_NAME (default: its name), for wasmhive_c_guest and wasmhive_rust_guest.
# Sets dir, file_name and out in the caller.
macro(wasmhive_guest_output name)
  set(dir "${WASMHIVE_GUEST_DIR}")
  if(ARG_OUTPUT_DIR)
    set(dir "${ARG_OUTPUT_DIR}")
  endif()
  set(file_name "${name}")
  if(ARG_OUTPUT_NAME)
    set(file_name "${ARG_OUTPUT_NAME}")
  endif()
  set(out "${dir}/${file_name}.wasm")
endmacro()

function(wasmhive_c_guest name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIR;OUTPUT_NAME" "SOURCES" ${ARGN})
  wasmhive_guest_output(${name})
  set(srcs)
  foreach(s IN LISTS ARG_SOURCES)
    get_filename_component(abs "${s}" ABSOLUTE)
    list(APPEND srcs "${abs}")
  endforeach()
  set(sdk "${PROJECT_SOURCE_DIR}/sdk/c")
  add_custom_command(OUTPUT "${out}"
    COMMAND ${WASM_CLANG} ${WASMHIVE_C_GUEST_FLAGS} -I${sdk} ${srcs} -o "${out}"
    DEPENDS ${srcs} "${sdk}/wasmhive.h"
    COMMENT "clang wasm32 ${file_name}.wasm" VERBATIM)
  add_custom_target(guest_${name} DEPENDS "${out}")
  add_dependencies(guests guest_${name})
endfunction()
