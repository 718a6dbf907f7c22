// Small RAII wrappers over the HDF5 C API, enough for structura's files:
// files opened serially or collectively over MPI-IO, groups, chunked and
// compressed datasets written by hyperslab (collectively when the file is
// parallel), and scalar/string/vector attributes. Every call is checked; a
// failure throws h5::Error carrying HDF5's own error stack (and the system's
// message, e.g. "No space left on device", when a read or write failed).
//
// Corruption is detectable: every non-empty array dataset is chunked and
// carries a Fletcher32 checksum of each stored chunk, the text datasets are
// compact (inside their object header), and the file format's metadata
// (object headers, B-trees, heaps, superblock) has checksums of its own.
// verify_readable() reads a whole file through all of them.
//
// Parallel HDF5 rule the callers must follow: on a file opened with a
// communicator, every metadata operation (create a group, dataset or
// attribute, write an attribute) is collective: all ranks make the same call
// with the same arguments. Dataset writes are collective too, each rank with
// its own hyperslab (possibly empty).
#pragma once

#include <hdf5.h>
#include <mpi.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace structura::h5 {

class Error : public structura::Error {
public:
  using structura::Error::Error;
};

using Dims = std::vector<hsize_t>;

// Owns one hid_t and closes it with the matching H5*close.
class Handle {
public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer, const std::string& what);
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : id_(o.id_), closer_(o.closer_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t id() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset();  // closes, ignoring errors (destructors, error paths)
  // Closes and throws h5::Error if the close fails (a file's close writes
  // its cached metadata: a full disk shows up here).
  void close_checked(const std::string& what);

private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

template <class T>
hid_t native_type();
template <> inline hid_t native_type<double>() { return H5T_NATIVE_DOUBLE; }
template <> inline hid_t native_type<float>() { return H5T_NATIVE_FLOAT; }
template <> inline hid_t native_type<std::int32_t>() { return H5T_NATIVE_INT32; }
template <> inline hid_t native_type<std::int64_t>() { return H5T_NATIVE_INT64; }
template <> inline hid_t native_type<std::uint64_t>() { return H5T_NATIVE_UINT64; }
template <> inline hid_t native_type<std::uint8_t>() { return H5T_NATIVE_UINT8; }

// Something that can carry attributes: a file's root, a group or a dataset.
class Object {
public:
  hid_t id() const { return handle_.id(); }

  bool has_attribute(const std::string& name) const;
  void set_attribute(const std::string& name, const std::string& value);
  void set_attribute(const std::string& name, const char* value) { set_attribute(name, std::string(value)); }
  void set_attribute(const std::string& name, double value);
  void set_attribute(const std::string& name, std::int64_t value);
  void set_attribute(const std::string& name, int value) { set_attribute(name, std::int64_t{value}); }
  void set_attribute(const std::string& name, const std::vector<double>& value);
  void delete_attribute(const std::string& name);

  std::string string_attribute(const std::string& name) const;
  double double_attribute(const std::string& name) const;
  std::int64_t int_attribute(const std::string& name) const;
  std::vector<double> doubles_attribute(const std::string& name) const;
  std::vector<std::string> attribute_names() const;

protected:
  Object() = default;
  explicit Object(Handle h) : handle_(std::move(h)) {}
  Handle handle_;
};

class Dataset : public Object {
public:
  Dataset() : collective_(false) {}
  Dataset(Handle h, bool collective) : Object(std::move(h)), collective_(collective) {}
  Dims dims() const;

  // Writes `data` (row-major, count elements of the hyperslab) at `offset`.
  // Collective on a parallel file: every rank calls, possibly with count 0.
  template <class T>
  void write(const Dims& offset, const Dims& count, const T* data) {
    write_raw(offset, count, data, native_type<T>());
  }
  template <class T>
  void read(const Dims& offset, const Dims& count, T* data) const {
    read_raw(offset, count, data, native_type<T>());
  }
  template <class T>
  std::vector<T> read_all() const {
    Dims d = dims();
    std::size_t n = 1;
    for (auto x : d) n *= x;
    std::vector<T> out(n);
    read(Dims(d.size(), 0), d, out.data());
    return out;
  }

private:
  void write_raw(const Dims& offset, const Dims& count, const void* data, hid_t type);
  void read_raw(const Dims& offset, const Dims& count, void* data, hid_t type) const;
  bool collective_;
};

struct DatasetOptions {
  Dims chunk;               // empty: chunks of up to 1 MiB chosen by create_dataset
  int deflate_level = 0;    // 0: no compression; needs chunk
  std::string unit;         // written as attribute "unit" when not empty
};

class Group : public Object {
public:
  Group(Handle h, bool collective, int rank) : Object(std::move(h)), collective_(collective), rank_(rank) {}

  bool exists(const std::string& path) const;
  // Opens the group at `path`, creating it and its parents when missing.
  Group require_group(const std::string& path);
  Group open_group(const std::string& path) const;
  void remove(const std::string& path);
  // Copies the object at `path` (a group with everything below it, or a
  // dataset) to `destination_path` in `destination`, which may be another
  // file; missing parents are created. Serial files.
  void copy_to(const std::string& path, Group& destination, const std::string& destination_path) const;
  std::vector<std::string> children() const;

  template <class T>
  Dataset create_dataset(const std::string& path, const Dims& dims, const DatasetOptions& opt = {}) {
    return create_raw(path, dims, native_type<T>(), opt);
  }
  Dataset open_dataset(const std::string& path) const;

  // Whole-array convenience writes; on a parallel file rank 0 writes the
  // data and every rank takes part in the collective call.
  template <class T>
  Dataset write_dataset(const std::string& path, const std::vector<T>& values, const Dims& dims,
                        const DatasetOptions& opt = {});
  void write_string_dataset(const std::string& path, const std::string& text);
  std::string read_string_dataset(const std::string& path) const;
  bool collective() const { return collective_; }

private:
  Dataset create_raw(const std::string& path, const Dims& dims, hid_t type, const DatasetOptions& opt);
  bool collective_;
  int rank_;  // rank in the file's communicator (0 for serial files)
};

enum class Mode { ReadOnly, ReadWrite, Create };

class File : public Group {
public:
  // Serial access (one process). Create truncates an existing file.
  static File open(const std::string& path, Mode mode);
  // Collective access over MPI-IO: every rank of comm calls this.
  static File open_parallel(const std::string& path, Mode mode, MPI_Comm comm);
  void flush();
  // Closes the file now and throws if that fails; the destructor closes too,
  // but cannot report a failure. Collective on a parallel file.
  void close();
  const std::string& path() const { return path_; }

private:
  File(Handle h, bool collective, int rank, std::string path)
      : Group(std::move(h), collective, rank), path_(std::move(path)) {}
  std::string path_;
};

// Reads every object of a serially opened file: each attribute of each
// group and dataset, and the data of each dataset whose path starts with
// `data_prefix` ("/" for all, "" for none), through HDF5's filters. Throws
// h5::Error naming the first object whose metadata or data checksum does not
// match, or that cannot be read at all. Memory: one slab of at most 16 MiB.
void verify_readable(const File& file, const std::string& data_prefix = "/");

// Silences HDF5's automatic error printing; errors are reported through
// exceptions instead. Called once by every File::open*.
void silence_error_printing();

template <class T>
Dataset Group::write_dataset(const std::string& path, const std::vector<T>& values, const Dims& dims,
                             const DatasetOptions& opt) {
  Dataset d = create_dataset<T>(path, dims, opt);
  std::size_t elements = 1;
  for (auto x : dims) elements *= x;
  if (elements == 0) return d;  // MPI-IO rejects a zero-length write; every rank skips it alike
  if (rank_ == 0) {
    d.write(Dims(dims.size(), 0), dims, values.data());
  } else {
    d.write(Dims(dims.size(), 0), Dims(dims.size(), 0), values.data());
  }
  return d;
}

}  // namespace structura::h5
