#include "util/file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace wasmhive {

Result<std::vector<std::uint8_t>> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return make_error(Errc::not_found,
                      "cannot open " + path.string() + ": " + std::strerror(errno));
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  if (in.bad()) return make_error(Errc::invalid_argument, "cannot read " + path.string());
  return bytes;
}

}  // namespace wasmhive
