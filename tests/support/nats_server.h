// A real nats-server for tests: a child process on a free loopback port, which
// a test can stop, kill (a crash, as clients see one) and start again on the
// same port. The binary is $WASMHIVE_NATS_SERVER if set, else nats-server on
// PATH, else /usr/sbin/nats-server (where Debian installs it, and which the
// PATH of a user other than root lacks).
//
// The server's stdout and stderr go to an anonymous in-memory file rather than
// a pipe: nothing has to drain it for the server to keep running, and when the
// server fails to start its own account of why is there for the exception.
// Readiness is read from that output too (the line announcing the client
// listener), so extra arguments must leave logging on stderr: no -l, --log or
// --syslog.
//
// posix_spawn cannot tie the child's life to ours: a test process that dies
// without running destructors (a crash, a SIGKILL at a timeout) leaves its
// server running.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace wasmhive::testing {

namespace nats_server_detail {

using namespace std::chrono_literals;

// Generous: only reached when something is broken.
inline constexpr auto kStartPatience = 20s;
inline constexpr auto kStopPatience = 20s;
// How often a starting server is looked at; a server starts in a few ms.
inline constexpr auto kRetryInterval = 5ms;
// A restart on the same port waits this long for another process to let go of it.
inline constexpr auto kRestartPatience = 5s;
// Fresh ports tried by the constructor when one is taken between our probe and
// the server's bind.
inline constexpr int kPortAttempts = 5;

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

[[noreturn]] inline void fail_errno(const std::string& what) {
  throw std::runtime_error("NatsServer: " + what + ": " + std::strerror(errno));
}

inline sockaddr_in loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  return address;
}

// A port nothing listens on at this moment: the kernel's pick for a bind to
// port 0. Someone else may take it before the server binds it; the caller
// retries then.
inline int free_loopback_port() {
  UniqueFd socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (socket.get() < 0) fail_errno("socket");
  sockaddr_in address = loopback(0);
  if (::bind(socket.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    fail_errno("bind to 127.0.0.1:0");
  socklen_t length = sizeof address;
  if (::getsockname(socket.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0)
    fail_errno("getsockname");
  return ntohs(address.sin_port);
}

inline bool accepts_connections(int port) {
  UniqueFd socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (socket.get() < 0) return false;
  sockaddr_in address = loopback(port);
  return ::connect(socket.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
}

// The start and the end of a long output: a bad argument is reported first, a
// failed bind last.
inline std::string shortened(const std::string& text, std::size_t half = 2000) {
  if (text.size() <= 2 * half) return text;
  return text.substr(0, half) + "\n[...]\n" + text.substr(text.size() - half);
}

}  // namespace nats_server_detail

// Not thread-safe: one test thread drives it.
class NatsServer {
 public:
  // Starts the server with `extra_args` after its address and port (e.g.
  // {"--user", "u", "--pass", "p"} or {"--auth", "token"}), and returns once it
  // accepts connections. Throws std::runtime_error, with the server's output,
  // if it does not.
  explicit NatsServer(std::vector<std::string> extra_args = {})
      : extra_args_(std::move(extra_args)) {
    for (int attempt = 1;; ++attempt) {
      port_ = nats_server_detail::free_loopback_port();
      if (launch() == Launch::ready) return;
      if (attempt == nats_server_detail::kPortAttempts)
        throw std::runtime_error(describe("found its port taken, as were the " +
                                          std::to_string(attempt - 1) + " tried before") +
                                 output_note());
    }
  }
  ~NatsServer() { stop(); }
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  bool running() const { return pid_ > 0; }

  // What the server (the latest one started) has printed so far.
  std::string output() const {
    std::string text;
    char buffer[4096];
    for (off_t offset = 0;;) {
      ssize_t got = ::pread(log_.get(), buffer, sizeof buffer, offset);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return text;
      text.append(buffer, static_cast<std::size_t>(got));
      offset += got;
    }
  }

  // A clean shutdown (SIGTERM), waited for; SIGKILL if it takes longer than
  // 20 s. Does nothing when the server is not running.
  void stop() noexcept {
    if (!running()) return;
    ::kill(pid_, SIGTERM);
    if (!reaped_within(nats_server_detail::kStopPatience)) kill();
  }

  // The server dies at once, as in a crash: clients see their connections
  // drop without the server's goodbye. Does nothing when it is not running.
  void kill() noexcept {
    if (!running()) return;
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
    }
    forget_child();
  }

  // Starts the server again on the same port, with the same arguments, and
  // returns once it accepts connections. Does nothing when it is running.
  void start() {
    if (running()) return;
    auto deadline = std::chrono::steady_clock::now() + nats_server_detail::kRestartPatience;
    while (launch() == Launch::port_taken) {
      if (std::chrono::steady_clock::now() >= deadline)
        throw std::runtime_error(describe("cannot restart: its port stays taken") + output_note());
      // Nothing announces that a port has become free.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

 private:
  using Clock = std::chrono::steady_clock;
  enum class Launch { ready, port_taken };

  // Spawns the server on port_ and waits until it accepts connections
  // (ready) or exits because the port is taken (port_taken). Any other exit,
  // or no readiness within 20 s, throws; no child is left running then.
  Launch launch() {
    spawn();
    try {
      // The server prints this once its client listener is bound. A connect
      // alone would not do: it also succeeds when another process has the port.
      const std::string listening =
          "Listening for client connections on 127.0.0.1:" + std::to_string(port_) + "\n";
      auto deadline = Clock::now() + nats_server_detail::kStartPatience;
      while (true) {
        // Waiting for an exit is the retry interval too.
        if (reaped_within(nats_server_detail::kRetryInterval)) {
          if (output().find("address already in use") != std::string::npos)
            return Launch::port_taken;
          throw std::runtime_error(
              describe("exited before accepting connections (" + exit_description() + ")") +
              output_note());
        }
        if (output().find(listening) != std::string::npos &&
            nats_server_detail::accepts_connections(port_))
          return Launch::ready;
        if (Clock::now() >= deadline)
          throw std::runtime_error(describe("did not accept connections within 20 s") +
                                   output_note());
      }
    } catch (...) {
      kill();  // no server left behind
      throw;
    }
  }

  void spawn() {
    // A fresh file per server: output() and error messages show only its words.
    log_.reset(::memfd_create("nats-server-output", MFD_CLOEXEC));
    if (log_.get() < 0) nats_server_detail::fail_errno("memfd_create");

    std::vector<std::string> args = {"", "-a", "127.0.0.1", "-p", std::to_string(port_)};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, log_.get(), 1);
    posix_spawn_file_actions_adddup2(&actions, log_.get(), 2);
    // The test's own signal mask and ignored signals are inherited otherwise;
    // stop() relies on SIGTERM reaching the server.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    const char* configured = std::getenv("WASMHIVE_NATS_SERVER");
    std::vector<std::string> candidates;
    if (configured != nullptr && *configured != '\0')
      candidates = {configured};
    else
      candidates = {"nats-server", "/usr/sbin/nats-server"};
    int error = ENOENT;
    for (const std::string& binary : candidates) {
      args[0] = binary;
      std::vector<char*> argv;
      for (std::string& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      error = ::posix_spawnp(&pid_, binary.c_str(), &actions, &attributes, argv.data(), environ);
      if (error != ENOENT) break;
    }
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
      pid_ = -1;
      throw std::runtime_error(
          "NatsServer: cannot run " + candidates.front() + ": " + std::strerror(error) +
          (configured ? " (from WASMHIVE_NATS_SERVER)"
                      : " (install nats-server, or set WASMHIVE_NATS_SERVER to its path)"));
    }
    // Lets an exit be awaited with poll; without it (an old kernel, a seccomp
    // filter) reaped_within polls waitpid instead. The raw system call:
    // glibc 2.36's <sys/pidfd.h> lacks extern "C", older ones the wrapper.
    pidfd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
  }

  // Waits up to `timeout` for the server to exit, and reaps it if it did.
  bool reaped_within(Clock::duration timeout) noexcept {
    auto deadline = Clock::now() + timeout;
    while (true) {
      pid_t reaped = ::waitpid(pid_, &status_, WNOHANG);
      if (reaped == pid_ || (reaped < 0 && errno == ECHILD)) {
        forget_child();
        return true;
      }
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      if (pidfd_.get() >= 0) {
        pollfd exited{pidfd_.get(), POLLIN, 0};
        ::poll(&exited, 1, static_cast<int>(left.count()));
      } else {
        ::poll(nullptr, 0, static_cast<int>(std::min<long>(left.count(), 1)));
      }
    }
  }

  void forget_child() noexcept {
    pid_ = -1;
    pidfd_.reset();
  }

  std::string exit_description() const {
    if (WIFEXITED(status_)) return "exit code " + std::to_string(WEXITSTATUS(status_));
    if (WIFSIGNALED(status_)) return std::string("signal ") + ::strsignal(WTERMSIG(status_));
    return "status " + std::to_string(status_);
  }

  std::string describe(const std::string& what) const {
    return "NatsServer: nats-server on 127.0.0.1:" + std::to_string(port_) + " " + what;
  }
  std::string output_note() const {
    return "; its output:\n" + nats_server_detail::shortened(output());
  }

  std::vector<std::string> extra_args_;
  int port_ = 0;
  pid_t pid_ = -1;
  int status_ = 0;                      // of the latest exit
  nats_server_detail::UniqueFd pidfd_;  // of the running server
  nats_server_detail::UniqueFd log_;    // its stdout and stderr
};

}  // namespace wasmhive::testing
