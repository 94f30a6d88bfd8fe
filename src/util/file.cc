#include "util/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace wasmhive {
namespace {

// Closes the descriptor on every return path.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string quoted(const std::filesystem::path& path) {
  return path.empty() ? std::string("''") : path.string();
}

Error errno_error(const char* action, const std::filesystem::path& path, int error) {
  Errc code = (error == ENOENT || error == ENOTDIR) ? Errc::not_found : Errc::invalid_argument;
  return make_error(
      code, std::string("cannot ") + action + " " + quoted(path) + ": " + std::strerror(error));
}

const char* describe_type(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

Result<void> require_regular(const std::filesystem::path& path, const struct stat& st) {
  if (S_ISREG(st.st_mode)) return {};
  return make_error(Errc::invalid_argument,
                    quoted(path) + " is " + describe_type(st.st_mode) + ", not a regular file");
}

Error too_large(const std::filesystem::path& path, std::size_t max_bytes) {
  return make_error(Errc::limit_exceeded, quoted(path) + " is larger than the limit of " +
                                              std::to_string(max_bytes) + " bytes");
}

// A C path cannot hold a NUL: it would silently name a shorter path.
Result<void> check_path(const std::filesystem::path& path) {
  if (path.native().find('\0') == std::string::npos) return {};
  return make_error(Errc::invalid_argument, "a file path cannot contain a NUL character");
}

// Reads to the end, refusing more than max_bytes: the file may have grown since fstat.
Result<std::vector<std::uint8_t>> read_all(int fd, const std::filesystem::path& path,
                                           std::size_t expected, std::size_t max_bytes) {
  std::vector<std::uint8_t> bytes;
  bytes.reserve(expected);
  std::uint8_t chunk[65536];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("read", path, errno);
    if (n == 0) return bytes;
    if (static_cast<std::size_t>(n) > max_bytes - bytes.size()) return too_large(path, max_bytes);
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
}

}  // namespace

Result<void> check_regular_file(const std::filesystem::path& path) {
  if (auto valid = check_path(path); !valid) return valid;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno_error("open", path, errno);
  return require_regular(path, st);
}

Result<std::vector<std::uint8_t>> read_file(const std::filesystem::path& path,
                                            std::size_t max_bytes) {
  // stat first: opening a device can have side effects. O_NONBLOCK: should the
  // path be swapped for a FIFO after the stat, open must not wait for a writer.
  if (auto regular = check_regular_file(path); !regular) return regular.error();
  Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) return errno_error("open", path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errno_error("stat", path, errno);
  if (auto regular = require_regular(path, st); !regular) return regular.error();
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) return too_large(path, max_bytes);
  return read_all(fd.get(), path, static_cast<std::size_t>(st.st_size), max_bytes);
}

namespace {

Result<void> write_all(int fd, std::span<const std::uint8_t> bytes,
                       const std::filesystem::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("write", path, errno);
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  if (::fsync(fd) != 0) return errno_error("write", path, errno);
  return {};
}

}  // namespace

Result<void> write_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes,
                        Overwrite overwrite, unsigned mode) {
  if (auto ok = check_path(path); !ok) return ok;
  bool replace = overwrite == Overwrite::replace;
  if (replace) {
    // Only a regular file is replaced, keeping its permissions: never a
    // device, a FIFO, or a symlink (which would be replaced, not followed).
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0) {
      if (!S_ISREG(st.st_mode))
        return make_error(Errc::invalid_argument,
                          quoted(path) + " is " +
                              (S_ISLNK(st.st_mode) ? std::string("a symbolic link")
                                                   : std::string(describe_type(st.st_mode))) +
                              ": not replaced");
      mode = st.st_mode & 07777;
    }
  }
  std::filesystem::path target = path;
  if (replace) target += ".tmp-" + std::to_string(::getpid());
  int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
  Fd fd(::open(target.c_str(), flags, static_cast<mode_t>(mode)));
  if (fd.get() >= 0 && replace) ::fchmod(fd.get(), static_cast<mode_t>(mode));  // not the umask's
  if (fd.get() < 0) {
    if (errno == EEXIST && !replace)
      return make_error(Errc::already_exists, quoted(path) + " exists already: not overwritten");
    return errno_error("create", target, errno);
  }
  auto written = write_all(fd.get(), bytes, target);
  if (written && replace && ::rename(target.c_str(), path.c_str()) != 0)
    written = errno_error("replace", path, errno);
  if (!written) ::unlink(target.c_str());
  return written;
}

}  // namespace wasmhive
