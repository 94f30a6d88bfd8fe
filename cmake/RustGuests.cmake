# Builds Rust guests against the Rust SDK (sdk/rust), with rustc alone: no
# cargo, no crate registry.
#   wasmhive_rust_guest(NAME SOURCE file.rs [OUTPUT_DIR dir] [OUTPUT_NAME file])
#                                                  -> ${WASMHIVE_GUEST_DIR}/NAME.wasm
# Every guest joins the `guests` target (see WasmGuests.cmake, included first).
#
# The compiler is Debian's rustc with its wasm32 standard library
# (libstd-rust-dev-wasm32), installed by scripts/setup.sh, and named by path:
# a rustup toolchain earlier on PATH is not what the SDK is built and tested
# with. -DWASMHIVE_RUSTC=/path/to/rustc picks another.
find_program(WASMHIVE_RUSTC rustc PATHS /usr/bin NO_DEFAULT_PATH
             DOC "rustc for the Rust guest SDK (Debian's, from scripts/setup.sh)")
if(NOT WASMHIVE_RUSTC OR NOT EXISTS "${WASMHIVE_RUSTC}")
  message(FATAL_ERROR "The Rust guest SDK (sdk/rust) needs Debian's rustc, /usr/bin/rustc "
                      "(WASMHIVE_RUSTC is '${WASMHIVE_RUSTC}'): run scripts/setup.sh (it "
                      "installs the packages rustc and libstd-rust-dev-wasm32), or pass "
                      "-DWASMHIVE_RUSTC=/path/to/rustc.")
endif()
execute_process(COMMAND ${WASMHIVE_RUSTC} --print target-libdir --target wasm32-unknown-unknown
                OUTPUT_VARIABLE rust_wasm_libdir OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE rust_wasm_status ERROR_QUIET)
file(GLOB rust_wasm_core "${rust_wasm_libdir}/libcore-*.rlib")
if(NOT rust_wasm_status EQUAL 0 OR NOT rust_wasm_core)
  message(FATAL_ERROR "${WASMHIVE_RUSTC} has no wasm32-unknown-unknown standard library "
                      "(no libcore in '${rust_wasm_libdir}'): run scripts/setup.sh (it installs "
                      "the package libstd-rust-dev-wasm32).")
endif()

# -D warnings: the SDK and its guests build warning-free, as the C++ does.
# opt-level=s: small modules; strip=debuginfo drops the standard library's
# DWARF (1.7 MB per module) and keeps the name section (function names in traps).
set(WASMHIVE_RUST_FLAGS --edition 2021 --target wasm32-unknown-unknown -C opt-level=s -D warnings)

set(WASMHIVE_RUST_SDK_DIR "${PROJECT_SOURCE_DIR}/sdk/rust")
set(WASMHIVE_RUST_SDK "${CMAKE_BINARY_DIR}/sdk/rust/libwasmhive.rlib")
file(GLOB rust_sdk_sources CONFIGURE_DEPENDS "${WASMHIVE_RUST_SDK_DIR}/src/*.rs")
add_custom_command(OUTPUT "${WASMHIVE_RUST_SDK}"
  COMMAND ${CMAKE_COMMAND} -E make_directory "${CMAKE_BINARY_DIR}/sdk/rust"
  COMMAND ${WASMHIVE_RUSTC} ${WASMHIVE_RUST_FLAGS} --crate-type rlib --crate-name wasmhive
          "${WASMHIVE_RUST_SDK_DIR}/src/lib.rs" -o "${WASMHIVE_RUST_SDK}"
  DEPENDS ${rust_sdk_sources}
  COMMENT "rustc wasm32 libwasmhive.rlib" VERBATIM)
add_custom_target(wasmhive_sdk_rust ALL DEPENDS "${WASMHIVE_RUST_SDK}")

function(wasmhive_rust_guest name)
  cmake_parse_arguments(ARG "" "SOURCE;OUTPUT_DIR;OUTPUT_NAME" "" ${ARGN})
  wasmhive_guest_output(${name})
  get_filename_component(src "${ARG_SOURCE}" ABSOLUTE)
  add_custom_command(OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${dir}"
    COMMAND ${WASMHIVE_RUSTC} ${WASMHIVE_RUST_FLAGS} --crate-type cdylib -C strip=debuginfo
            --extern wasmhive=${WASMHIVE_RUST_SDK} "${src}" -o "${out}"
    DEPENDS "${src}" "${WASMHIVE_RUST_SDK}"
    COMMENT "rustc wasm32 ${file_name}.wasm" VERBATIM)
  add_custom_target(guest_${name} DEPENDS "${out}")
  add_dependencies(guest_${name} wasmhive_sdk_rust)
  add_dependencies(guests guest_${name})
endfunction()
