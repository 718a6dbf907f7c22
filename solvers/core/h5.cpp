#include "core/h5.hpp"

#include <fmt/format.h>

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <sstream>

namespace structura::h5 {

namespace {

struct ErrorStack {
  std::string text;       // one line, innermost message last
  bool io_error = false;  // some entry is a failed read, write, seek or close
};

ErrorStack error_stack() {
  ErrorStack out;
  std::ostringstream os;
  struct Walk {
    std::ostringstream* os;
    ErrorStack* stack;
  } walk{&os, &out};
  auto walker = [](unsigned n, const H5E_error2_t* e, void* data) -> herr_t {
    auto* w = static_cast<Walk*>(data);
    if (n > 0) *w->os << "; ";
    *w->os << (e->desc ? e->desc : "") << " (" << (e->func_name ? e->func_name : "?") << ")";
    if (e->maj_num == H5E_IO || e->min_num == H5E_WRITEERROR || e->min_num == H5E_READERROR ||
        e->min_num == H5E_SEEKERROR || e->min_num == H5E_CLOSEERROR || e->min_num == H5E_CANTFLUSH)
      w->stack->io_error = true;
    return 0;
  };
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walker, &walk);
  H5Eclear2(H5E_DEFAULT);
  out.text = os.str();
  return out;
}

// The system's reason for a failed read or write. HDF5's MPI-IO driver
// reports a short write only as "file write failed" (the MPI library saw
// ENOSPC and said nothing), so the one fact a user needs, "No space left on
// device", would be lost. errno is reset after every successful call
// (check()), and only the errors a storage device gives are taken, so a
// stale, unrelated errno is not blamed.
std::string system_reason(int err, bool io_error) {
  if (!io_error) return "";
  switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
    case EROFS:
    case EIO:
    case EACCES:
      return fmt::format("{} (errno {}); ", std::strerror(err), err);
    default:
      return "";
  }
}

// The directory of the file opened last: where a failed write most likely
// went (a run writes one result file at a time).
std::string& last_directory() {
  static std::string directory;
  return directory;
}

// When errno did not survive (HDF5's collective MPI-IO fill of a new
// dataset's chunks, for one, reaches the user with errno overwritten by
// later calls), the file system itself says whether it is full or
// read-only: asked only after an I/O error, so a healthy file system is
// never blamed.
std::string file_system_reason(bool io_error) {
  if (!io_error || last_directory().empty()) return "";
  struct statvfs fs {};
  if (statvfs(last_directory().c_str(), &fs) != 0) return "";
  if (fs.f_flag & ST_RDONLY) return fmt::format("{} ({}); ", std::strerror(EROFS), last_directory());
  const double free_bytes = double(fs.f_bavail) * double(fs.f_frsize);
  if (free_bytes < 1024.0 * 1024.0)  // less than a chunk of a dataset: the write had no room
    return fmt::format("{} ({}: {:.0f} bytes free); ", std::strerror(ENOSPC), last_directory(), free_bytes);
  return "";
}

[[noreturn]] void fail(const std::string& what) {
  const int err = errno;
  const ErrorStack stack = error_stack();
  std::string reason = system_reason(err, stack.io_error);
  if (reason.empty()) reason = file_system_reason(stack.io_error);
  throw Error(fmt::format("HDF5: {} failed: {}{}", what, reason, stack.text));
}

herr_t check(herr_t rc, const std::string& what) {
  if (rc < 0) fail(what);
  errno = 0;  // see system_reason
  return rc;
}

Handle make_plist(hid_t cls, const char* what) { return Handle(H5Pcreate(cls), H5Pclose, what); }

Handle open_attribute(hid_t obj, const std::string& name) {
  return Handle(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, "open attribute '" + name + "'");
}

// Replaces an attribute: HDF5 cannot change an attribute's shape in place.
Handle recreate_attribute(hid_t obj, const std::string& name, hid_t type, hid_t space) {
  if (H5Aexists(obj, name.c_str()) > 0) check(H5Adelete(obj, name.c_str()), "delete attribute " + name);
  return Handle(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                "create attribute '" + name + "'");
}

std::size_t element_count(const Dims& d) {
  std::size_t n = 1;
  for (auto x : d) n *= x;
  return n;
}

// Chunks for a dataset whose writer did not choose any: the whole array when
// it fits in 1 MiB, else the leading dimensions halved until it does (the
// trailing ones stay whole, so a chunk is a run of contiguous rows).
Dims default_chunk(const Dims& dims, std::size_t element_size) {
  constexpr std::size_t limit = std::size_t{1} << 20;
  Dims chunk = dims;
  for (std::size_t d = 0; d < chunk.size(); ++d)
    while (element_count(chunk) * element_size > limit && chunk[d] > 1) chunk[d] = (chunk[d] + 1) / 2;
  return chunk;
}

// A compact dataset lives in its object header (at most 64 KiB, checksummed
// with it); larger text goes to contiguous storage.
constexpr std::size_t compact_limit = 60000;

}  // namespace

void silence_error_printing() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

Handle::Handle(hid_t id, Closer closer, const std::string& what) : id_(id), closer_(closer) {
  if (id_ < 0) fail(what);
  errno = 0;  // see system_reason
}

void Handle::close_checked(const std::string& what) {
  if (id_ < 0 || !closer_) return;
  const hid_t id = id_;
  id_ = H5I_INVALID_HID;
  check(closer_(id), what);
}

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    closer_ = o.closer_;
    o.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void Handle::reset() {
  if (id_ >= 0 && closer_) closer_(id_);
  id_ = H5I_INVALID_HID;
}

// ---- attributes --------------------------------------------------------------

bool Object::has_attribute(const std::string& name) const {
  return check(H5Aexists(id(), name.c_str()), "H5Aexists " + name) > 0;
}

void Object::set_attribute(const std::string& name, const std::string& value) {
  // Variable-length UTF-8, so that h5py and friends read a str, not bytes.
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy");
  check(H5Tset_size(type.id(), H5T_VARIABLE), "H5Tset_size");
  check(H5Tset_cset(type.id(), H5T_CSET_UTF8), "H5Tset_cset");
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "H5Screate");
  Handle attr = recreate_attribute(id(), name, type.id(), space.id());
  const char* text = value.c_str();
  check(H5Awrite(attr.id(), type.id(), &text), "write attribute " + name);
}

void Object::set_attribute(const std::string& name, double value) {
  set_attribute(name, std::vector<double>{value});
}

void Object::set_attribute(const std::string& name, std::int64_t value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "H5Screate");
  Handle attr = recreate_attribute(id(), name, H5T_NATIVE_INT64, space.id());
  check(H5Awrite(attr.id(), H5T_NATIVE_INT64, &value), "write attribute " + name);
}

void Object::set_attribute(const std::string& name, const std::vector<double>& value) {
  Handle space = value.size() == 1 ? Handle(H5Screate(H5S_SCALAR), H5Sclose, "H5Screate")
                                   : [&] {
                                       hsize_t n = value.size();
                                       return Handle(H5Screate_simple(1, &n, nullptr), H5Sclose,
                                                     "H5Screate_simple");
                                     }();
  Handle attr = recreate_attribute(id(), name, H5T_NATIVE_DOUBLE, space.id());
  check(H5Awrite(attr.id(), H5T_NATIVE_DOUBLE, value.data()), "write attribute " + name);
}

void Object::delete_attribute(const std::string& name) {
  if (has_attribute(name)) check(H5Adelete(id(), name.c_str()), "delete attribute " + name);
}

std::string Object::string_attribute(const std::string& name) const {
  Handle attr = open_attribute(id(), name);
  Handle type(H5Aget_type(attr.id()), H5Tclose, "H5Aget_type");
  if (H5Tget_class(type.id()) != H5T_STRING)
    throw Error(fmt::format("HDF5: attribute '{}' is not a string", name));
  if (H5Tis_variable_str(type.id()) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy");
    check(H5Tset_size(mem.id(), H5T_VARIABLE), "H5Tset_size");
    check(H5Tset_cset(mem.id(), H5Tget_cset(type.id())), "H5Tset_cset");
    char* buf = nullptr;
    check(H5Aread(attr.id(), mem.id(), &buf), "read attribute " + name);
    std::string s = buf ? buf : "";
    H5free_memory(buf);
    return s;
  }
  std::size_t n = H5Tget_size(type.id());
  std::string s(n, '\0');
  check(H5Aread(attr.id(), type.id(), s.data()), "read attribute " + name);
  auto end = s.find('\0');
  if (end != std::string::npos) s.resize(end);
  return s;
}

std::vector<double> Object::doubles_attribute(const std::string& name) const {
  Handle attr = open_attribute(id(), name);
  Handle space(H5Aget_space(attr.id()), H5Sclose, "H5Aget_space");
  hssize_t n = H5Sget_simple_extent_npoints(space.id());
  std::vector<double> out(static_cast<std::size_t>(n));
  check(H5Aread(attr.id(), H5T_NATIVE_DOUBLE, out.data()), "read attribute " + name);
  return out;
}

double Object::double_attribute(const std::string& name) const {
  auto v = doubles_attribute(name);
  if (v.size() != 1) throw Error(fmt::format("HDF5: attribute '{}' is not a scalar", name));
  return v[0];
}

std::int64_t Object::int_attribute(const std::string& name) const {
  Handle attr = open_attribute(id(), name);
  std::int64_t v = 0;
  check(H5Aread(attr.id(), H5T_NATIVE_INT64, &v), "read attribute " + name);
  return v;
}

std::vector<std::string> Object::attribute_names() const {
  std::vector<std::string> names;
  auto cb = [](hid_t, const char* n, const H5A_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(n);
    return 0;
  };
  hsize_t idx = 0;
  check(H5Aiterate2(id(), H5_INDEX_NAME, H5_ITER_INC, &idx, cb, &names), "H5Aiterate2");
  return names;
}

// ---- datasets ------------------------------------------------------------------

Dims Dataset::dims() const {
  Handle space(H5Dget_space(id()), H5Sclose, "H5Dget_space");
  int nd = H5Sget_simple_extent_ndims(space.id());
  Dims d(static_cast<std::size_t>(nd));
  check(H5Sget_simple_extent_dims(space.id(), d.data(), nullptr), "H5Sget_simple_extent_dims");
  return d;
}

namespace {
struct Selection {
  Handle file_space;
  Handle mem_space;
};

Selection select(hid_t dataset, const Dims& offset, const Dims& count) {
  Handle fs(H5Dget_space(dataset), H5Sclose, "H5Dget_space");
  int nd = H5Sget_simple_extent_ndims(fs.id());
  if (static_cast<std::size_t>(nd) != offset.size() || offset.size() != count.size())
    throw Error(fmt::format("HDF5: hyperslab rank {} does not match dataset rank {}", offset.size(), nd));
  Handle ms;
  if (element_count(count) == 0) {
    check(H5Sselect_none(fs.id()), "H5Sselect_none");
    ms = Handle(H5Screate(H5S_NULL), H5Sclose, "H5Screate(NULL)");
  } else {
    check(H5Sselect_hyperslab(fs.id(), H5S_SELECT_SET, offset.data(), nullptr, count.data(), nullptr),
          "H5Sselect_hyperslab");
    ms = Handle(H5Screate_simple(nd, count.data(), nullptr), H5Sclose, "H5Screate_simple");
  }
  return {std::move(fs), std::move(ms)};
}

Handle transfer_plist(bool collective) {
  Handle x = make_plist(H5P_DATASET_XFER, "H5Pcreate(XFER)");
  if (collective) check(H5Pset_dxpl_mpio(x.id(), H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio");
  return x;
}
}  // namespace

void Dataset::write_raw(const Dims& offset, const Dims& count, const void* data, hid_t type) {
  Selection s = select(id(), offset, count);
  Handle x = transfer_plist(collective_);
  check(H5Dwrite(id(), type, s.mem_space.id(), s.file_space.id(), x.id(), data), "H5Dwrite");
}

void Dataset::read_raw(const Dims& offset, const Dims& count, void* data, hid_t type) const {
  Selection s = select(id(), offset, count);
  Handle x = transfer_plist(collective_);
  check(H5Dread(id(), type, s.mem_space.id(), s.file_space.id(), x.id(), data), "H5Dread");
}

// ---- groups ----------------------------------------------------------------------

bool Group::exists(const std::string& path) const {
  // H5Lexists needs every intermediate link to exist, so walk the path.
  std::string partial;
  std::size_t start = (!path.empty() && path[0] == '/') ? 1 : 0;
  if (start == 1) partial = "/";
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!part.empty()) {
      partial += (partial.empty() || partial.back() == '/') ? part : "/" + part;
      if (check(H5Lexists(id(), partial.c_str(), H5P_DEFAULT), "H5Lexists " + partial) <= 0) return false;
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

Group Group::require_group(const std::string& path) {
  if (exists(path)) return open_group(path);
  Handle lcpl = make_plist(H5P_LINK_CREATE, "H5Pcreate(LINK_CREATE)");
  check(H5Pset_create_intermediate_group(lcpl.id(), 1), "H5Pset_create_intermediate_group");
  return Group(Handle(H5Gcreate2(id(), path.c_str(), lcpl.id(), H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                      "create group '" + path + "'"),
               collective_, rank_);
}

Group Group::open_group(const std::string& path) const {
  return Group(Handle(H5Gopen2(id(), path.c_str(), H5P_DEFAULT), H5Gclose, "open group '" + path + "'"),
               collective_, rank_);
}

void Group::remove(const std::string& path) {
  if (exists(path)) check(H5Ldelete(id(), path.c_str(), H5P_DEFAULT), "delete '" + path + "'");
}

void Group::copy_to(const std::string& path, Group& destination, const std::string& destination_path) const {
  // H5Ocopy creates missing parents only with this property.
  Handle lcpl = make_plist(H5P_LINK_CREATE, "H5Pcreate(LINK_CREATE)");
  check(H5Pset_create_intermediate_group(lcpl.id(), 1), "H5Pset_create_intermediate_group");
  check(H5Ocopy(id(), path.c_str(), destination.id(), destination_path.c_str(), H5P_DEFAULT, lcpl.id()),
        "copy '" + path + "' to '" + destination_path + "'");
}

std::vector<std::string> Group::children() const {
  std::vector<std::string> names;
  auto cb = [](hid_t, const char* n, const H5L_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(n);
    return 0;
  };
  hsize_t idx = 0;
  check(H5Literate(id(), H5_INDEX_NAME, H5_ITER_INC, &idx, cb, &names), "H5Literate");
  return names;
}

Dataset Group::create_raw(const std::string& path, const Dims& dims, hid_t type, const DatasetOptions& opt) {
  if (exists(path)) remove(path);
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose,
               "H5Screate_simple");
  Handle dcpl = make_plist(H5P_DATASET_CREATE, "H5Pcreate(DATASET_CREATE)");
  // Every non-empty array is chunked so that it can carry a checksum (HDF5
  // filters need chunks); an empty one has no data to protect. Parallel
  // writes through filters are collective, which Dataset::write is.
  if (!dims.empty() && element_count(dims) > 0) {
    if (!opt.chunk.empty() && opt.chunk.size() != dims.size())
      throw Error(fmt::format("HDF5: chunk rank {} differs from dataset rank {} for '{}'", opt.chunk.size(),
                              dims.size(), path));
    const Dims chunk = opt.chunk.empty() ? default_chunk(dims, H5Tget_size(type)) : opt.chunk;
    check(H5Pset_chunk(dcpl.id(), static_cast<int>(chunk.size()), chunk.data()), "H5Pset_chunk");
    if (opt.deflate_level > 0) check(H5Pset_deflate(dcpl.id(), static_cast<unsigned>(opt.deflate_level)),
                                     "H5Pset_deflate");
    // Last in the pipeline: the checksum covers the bytes as stored.
    check(H5Pset_fletcher32(dcpl.id()), "H5Pset_fletcher32");
  }
  // Parallel HDF5 requires early allocation; it also makes the layout of a
  // half-written file predictable. No fill values: every element is written
  // by its producer, and filling first costs a full extra pass over the file
  // (a third of the output time of a trajectory series, tests/benchmarks).
  check(H5Pset_alloc_time(dcpl.id(), H5D_ALLOC_TIME_EARLY), "H5Pset_alloc_time");
  check(H5Pset_fill_time(dcpl.id(), H5D_FILL_TIME_NEVER), "H5Pset_fill_time");
  Handle lcpl = make_plist(H5P_LINK_CREATE, "H5Pcreate(LINK_CREATE)");
  check(H5Pset_create_intermediate_group(lcpl.id(), 1), "H5Pset_create_intermediate_group");
  Dataset d(Handle(H5Dcreate2(id(), path.c_str(), type, space.id(), lcpl.id(), dcpl.id(), H5P_DEFAULT),
                   H5Dclose, "create dataset '" + path + "'"),
            collective_);
  if (!opt.unit.empty()) d.set_attribute("unit", opt.unit);
  return d;
}

Dataset Group::open_dataset(const std::string& path) const {
  return Dataset(Handle(H5Dopen2(id(), path.c_str(), H5P_DEFAULT), H5Dclose, "open dataset '" + path + "'"),
                 collective_);
}

void Group::write_string_dataset(const std::string& path, const std::string& text) {
  if (exists(path)) remove(path);
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy");
  check(H5Tset_size(type.id(), text.empty() ? 1 : text.size()), "H5Tset_size");
  check(H5Tset_cset(type.id(), H5T_CSET_UTF8), "H5Tset_cset");
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "H5Screate");
  Handle lcpl = make_plist(H5P_LINK_CREATE, "H5Pcreate(LINK_CREATE)");
  check(H5Pset_create_intermediate_group(lcpl.id(), 1), "H5Pset_create_intermediate_group");
  // A scalar cannot be chunked, so it cannot carry a Fletcher32 checksum;
  // compact storage puts the text inside the object header, whose checksum
  // covers it.
  const bool compact = text.size() <= compact_limit;
  Handle dcpl = make_plist(H5P_DATASET_CREATE, "H5Pcreate(DATASET_CREATE)");
  if (compact) check(H5Pset_layout(dcpl.id(), H5D_COMPACT), "H5Pset_layout(COMPACT)");
  Handle d(H5Dcreate2(id(), path.c_str(), type.id(), space.id(), lcpl.id(), dcpl.id(), H5P_DEFAULT),
           H5Dclose, "create dataset '" + path + "'");
  Handle x = transfer_plist(collective_);
  std::string padded = text.empty() ? std::string(1, '\0') : text;
  // Compact data is metadata: every rank holds a copy of the header, so
  // every rank writes the same text (the callers pass the same text on all
  // ranks, as for attributes). Contiguous data is written by rank 0 alone.
  if (collective_ && rank_ != 0 && !compact) check(H5Sselect_none(space.id()), "H5Sselect_none");
  check(H5Dwrite(d.id(), type.id(), space.id(), space.id(), x.id(), padded.data()), "write " + path);
}

std::string Group::read_string_dataset(const std::string& path) const {
  Handle d(H5Dopen2(id(), path.c_str(), H5P_DEFAULT), H5Dclose, "open dataset '" + path + "'");
  Handle type(H5Dget_type(d.id()), H5Tclose, "H5Dget_type");
  if (H5Tis_variable_str(type.id()) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy");
    check(H5Tset_size(mem.id(), H5T_VARIABLE), "H5Tset_size");
    check(H5Tset_cset(mem.id(), H5Tget_cset(type.id())), "H5Tset_cset");
    char* buf = nullptr;
    check(H5Dread(d.id(), mem.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &buf), "read " + path);
    std::string s = buf ? buf : "";
    H5free_memory(buf);
    return s;
  }
  std::string s(H5Tget_size(type.id()), '\0');
  check(H5Dread(d.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, s.data()), "read " + path);
  auto end = s.find('\0');
  if (end != std::string::npos) s.resize(end);
  return s;
}

// ---- files -------------------------------------------------------------------------

namespace {
Handle open_file(const std::string& path, Mode mode, hid_t fapl) {
  switch (mode) {
    case Mode::Create:
      return Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose,
                    "create file '" + path + "'");
    case Mode::ReadWrite:
      return Handle(H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl), H5Fclose, "open file '" + path + "' for writing");
    case Mode::ReadOnly:
    default:
      return Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl), H5Fclose, "open file '" + path + "'");
  }
}
}  // namespace

File File::open(const std::string& path, Mode mode) {
  silence_error_printing();
  Handle fapl = make_plist(H5P_FILE_ACCESS, "H5Pcreate(FILE_ACCESS)");
  // Attributes are replaced often (stage markers); the newest format keeps
  // the file from growing and allows attributes larger than 64 KiB.
  check(H5Pset_libver_bounds(fapl.id(), H5F_LIBVER_V18, H5F_LIBVER_LATEST), "H5Pset_libver_bounds");
  // STRONG: closing the file closes whatever objects are still open in it,
  // so a File going out of scope always releases the file.
  check(H5Pset_fclose_degree(fapl.id(), H5F_CLOSE_STRONG), "H5Pset_fclose_degree");
  // The file id doubles as the root group: HDF5 accepts it as a location.
  last_directory() = std::filesystem::absolute(path).parent_path().string();
  return File(open_file(path, mode, fapl.id()), false, 0, path);
}

File File::open_parallel(const std::string& path, Mode mode, MPI_Comm comm) {
  silence_error_printing();
  Handle fapl = make_plist(H5P_FILE_ACCESS, "H5Pcreate(FILE_ACCESS)");
  check(H5Pset_fapl_mpio(fapl.id(), comm, MPI_INFO_NULL), "H5Pset_fapl_mpio");
  check(H5Pset_libver_bounds(fapl.id(), H5F_LIBVER_V18, H5F_LIBVER_LATEST), "H5Pset_libver_bounds");
  check(H5Pset_all_coll_metadata_ops(fapl.id(), true), "H5Pset_all_coll_metadata_ops");
  check(H5Pset_coll_metadata_write(fapl.id(), true), "H5Pset_coll_metadata_write");
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  check(H5Pset_fclose_degree(fapl.id(), H5F_CLOSE_STRONG), "H5Pset_fclose_degree");
  last_directory() = std::filesystem::absolute(path).parent_path().string();
  return File(open_file(path, mode, fapl.id()), true, rank, path);
}

void File::flush() { check(H5Fflush(id(), H5F_SCOPE_GLOBAL), "H5Fflush " + path_); }

void File::close() { handle_.close_checked("close file '" + path_ + "'"); }

}  // namespace structura::h5
