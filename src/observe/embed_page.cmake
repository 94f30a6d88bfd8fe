# Writes OUTPUT, a C++ file defining wasmhive::observe::dashboard_page() as the
# bytes of INPUT. Run by the build whenever INPUT changes.
file(READ "${INPUT}" page)
string(FIND "${page}" ")wasmhive_page\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw string's delimiter")
endif()
file(WRITE "${OUTPUT}.tmp"
  "// Generated from observe/dashboard.html by observe/embed_page.cmake.\n"
  "#include \"observe/dashboard_page.h\"\n\n"
  "namespace wasmhive::observe {\n\n"
  "std::string_view dashboard_page() {\n"
  "  static constexpr char kPage[] = R\"wasmhive_page(${page})wasmhive_page\";\n"
  "  return {kPage, sizeof kPage - 1};\n"
  "}\n\n"
  "}  // namespace wasmhive::observe\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
