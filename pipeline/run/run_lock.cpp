#include "run/run_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "run/files.hpp"
#include "run/provenance.hpp"

namespace structura::pipeline {

namespace fs = std::filesystem;

namespace {
std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "?";
  return name;
}

std::string holder_text(int fd) {
  char buf[512] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string text = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.empty() ? "another process (it has not recorded itself yet)" : text;
}
}  // namespace

RunLock::RunLock(const fs::path& run_dir) {
  const fs::path path = run_dir / ".structura.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    // Nobody can write here, so nobody can collide with this run either;
    // a run whose stages are all done still works (it writes nothing).
    if (err == EROFS || err == EACCES || err == EPERM) return;
    throw Error(fmt::format("cannot create the lock file {}: {}", path.string(), std::strerror(err)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EWOULDBLOCK) {
      const std::string holder = holder_text(fd);
      ::close(fd);
      throw Error(fmt::format("run directory {} is in use by another structura run: {}; wait for it to finish "
                              "(or stop it) and run again",
                              run_dir.string(), holder));
    }
    // A file system without flock (some network mounts): run unprotected,
    // as before there was a lock, rather than not at all.
    ::close(fd);
    if (err == ENOLCK || err == EOPNOTSUPP || err == ENOSYS) return;
    throw Error(fmt::format("cannot lock {}: {}", path.string(), std::strerror(err)));
  }
  fd_ = fd;
  const std::string me = fmt::format("host {}, pid {}, started {}\n", host_name(), ::getpid(), now_iso8601());
  // Best effort: the lock holds without the record, only the message is poorer.
  if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, me.data(), me.size(), 0) == static_cast<ssize_t>(me.size()))
    ::fsync(fd_);
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

RunLock& RunLock::operator=(RunLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

}  // namespace structura::pipeline
