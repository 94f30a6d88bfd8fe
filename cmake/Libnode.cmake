# V8 comes from Debian's libnode, unpacked by scripts/setup.sh into .deps/libnode
# (a system-wide install conflicts with the nodejs package these machines carry).
set(WASMHIVE_LIBNODE_DIR "${CMAKE_SOURCE_DIR}/.deps/libnode" CACHE PATH
    "Root of the unpacked libnode108 + libnode-dev packages")
set(_libnode_include "${WASMHIVE_LIBNODE_DIR}/usr/include/node")
set(_libnode_lib "${WASMHIVE_LIBNODE_DIR}/usr/lib/x86_64-linux-gnu/libnode.so.108")
if(NOT EXISTS "${_libnode_include}/v8.h" OR NOT EXISTS "${_libnode_lib}")
  message(FATAL_ERROR "libnode not found in ${WASMHIVE_LIBNODE_DIR}: run scripts/setup.sh")
endif()

add_library(libnode::v8 SHARED IMPORTED)
set_target_properties(libnode::v8 PROPERTIES
  IMPORTED_LOCATION "${_libnode_lib}"
  IMPORTED_NO_SONAME FALSE)
# SYSTEM: V8's headers stay out of -Werror. libnode is built without pointer
# compression, so V8_COMPRESS_POINTERS must stay undefined.
target_include_directories(libnode::v8 SYSTEM INTERFACE "${_libnode_include}")
