// One structura process at a time per run directory. Two runs of the same
// command in one directory would both write result.h5.partial and fail with
// a misleading HDF5 error; the second one now stops at once and says who
// holds the directory.
//
// The lock is flock(2) on <run dir>/.structura.lock, held by rank 0 for the
// whole run. The kernel releases it when the process ends, however it ends,
// so a crashed run never leaves a stale lock. The file itself stays; it
// records the holder (host, pid, start time) for the message.
#pragma once

#include <filesystem>
#include <string>

namespace structura::pipeline {

class RunLock {
public:
  RunLock() = default;
  // Takes the lock or throws structura::Error naming the holder. A directory
  // nobody can write (read-only file system, no permission) needs no lock:
  // then the lock is not taken and `held()` is false.
  explicit RunLock(const std::filesystem::path& run_dir);
  ~RunLock();
  RunLock(RunLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  RunLock& operator=(RunLock&& o) noexcept;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  bool held() const { return fd_ >= 0; }

private:
  int fd_ = -1;
};

}  // namespace structura::pipeline
