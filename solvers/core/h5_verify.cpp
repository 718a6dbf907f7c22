// h5::verify_readable: reads a whole file back through HDF5's checksums.
// HDF5 checks a Fletcher32 filter and the metadata checksums only when the
// bytes are read, so a corrupted file looks fine until someone reads the
// corrupted part; this reads all of it, once, on purpose.
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "core/h5.hpp"

namespace structura::h5 {

namespace {

// Throws Error("<what> of '<path>' ... ") with HDF5's stack when rc < 0.
// (The checked wrappers of h5.cpp name calls, not objects; here the object
// is what a user needs.)
struct Checker {
  const std::string& file;
  std::string object;
  template <class T>
  T operator()(T rc, const char* what) const {
    if (rc < 0) {
      std::string stack;
      auto walker = [](unsigned n, const H5E_error2_t* e, void* data) -> herr_t {
        auto* s = static_cast<std::string*>(data);
        if (n > 0) *s += "; ";
        *s += fmt::format("{} ({})", e->desc ? e->desc : "", e->func_name ? e->func_name : "?");
        return 0;
      };
      H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walker, &stack);
      H5Eclear2(H5E_DEFAULT);
      throw Error(fmt::format("HDF5: {} cannot be read ({} failed): {}: {}", object, what, file, stack));
    }
    return rc;
  }
};

// Frees what a read of a variable-length type allocated.
void reclaim(hid_t type, hid_t space, void* buf) {
  if (H5Tdetect_class(type, H5T_VLEN) > 0 || H5Tis_variable_str(type) > 0) {
#if H5_VERSION_GE(1, 12, 0)
    H5Treclaim(type, space, H5P_DEFAULT, buf);
#else
    H5Dvlen_reclaim(type, space, H5P_DEFAULT, buf);
#endif
  }
}

// HDF5's iteration callbacks only collect names: an exception must not
// unwind through the C library, so the reading happens afterwards.
herr_t collect_name(const char* name, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

void verify_attributes(hid_t obj, const Checker& outer) {
  std::vector<std::string> names;
  auto each = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t { return collect_name(name, data); };
  hsize_t idx = 0;
  outer(H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, each, &names), "H5Aiterate2");
  for (const std::string& name : names) {
    const Checker check{outer.file, fmt::format("attribute '{}' of {}", name, outer.object)};
    Handle attr(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "H5Aopen"), H5Aclose, "H5Aopen");
    Handle ftype(check(H5Aget_type(attr.id()), "H5Aget_type"), H5Tclose, "H5Aget_type");
    Handle mtype(check(H5Tget_native_type(ftype.id(), H5T_DIR_DEFAULT), "H5Tget_native_type"), H5Tclose,
                 "H5Tget_native_type");
    Handle space(check(H5Aget_space(attr.id()), "H5Aget_space"), H5Sclose, "H5Aget_space");
    const hssize_t n = check(H5Sget_simple_extent_npoints(space.id()), "H5Sget_simple_extent_npoints");
    std::vector<unsigned char> buf(static_cast<std::size_t>(std::max<hssize_t>(n, 1)) * H5Tget_size(mtype.id()));
    check(H5Aread(attr.id(), mtype.id(), buf.data()), "H5Aread");
    reclaim(mtype.id(), space.id(), buf.data());
  }
}

void verify_data(hid_t dataset, const Checker& check) {
  Handle ftype(check(H5Dget_type(dataset), "H5Dget_type"), H5Tclose, "H5Dget_type");
  Handle mtype(check(H5Tget_native_type(ftype.id(), H5T_DIR_DEFAULT), "H5Tget_native_type"), H5Tclose,
               "H5Tget_native_type");
  Handle space(check(H5Dget_space(dataset), "H5Dget_space"), H5Sclose, "H5Dget_space");
  const int rank = check(H5Sget_simple_extent_ndims(space.id()), "H5Sget_simple_extent_ndims");
  const std::size_t element = H5Tget_size(mtype.id());
  if (rank == 0) {  // scalar (or null) dataspace
    if (H5Sget_simple_extent_type(space.id()) == H5S_NULL) return;
    std::vector<unsigned char> buf(element);
    check(H5Dread(dataset, mtype.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()), "H5Dread");
    reclaim(mtype.id(), space.id(), buf.data());
    return;
  }
  Dims dims(static_cast<std::size_t>(rank));
  check(H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr), "H5Sget_simple_extent_dims");
  hsize_t row = 1;  // elements per index of the first dimension
  for (std::size_t d = 1; d < dims.size(); ++d) row *= dims[d];
  if (dims[0] == 0 || row == 0) return;
  // Slabs along the first dimension, whole chunks each, about 16 MiB.
  hsize_t step = std::max<hsize_t>(1, (hsize_t{16} << 20) / (row * element));
  Handle dcpl(check(H5Dget_create_plist(dataset), "H5Dget_create_plist"), H5Pclose, "H5Dget_create_plist");
  if (H5Pget_layout(dcpl.id()) == H5D_CHUNKED) {
    Dims chunk(dims.size());
    check(H5Pget_chunk(dcpl.id(), rank, chunk.data()), "H5Pget_chunk");
    step = std::max(chunk[0], step / chunk[0] * chunk[0]);
  }
  step = std::min(step, dims[0]);
  std::vector<unsigned char> buf(static_cast<std::size_t>(step * row) * element);
  for (hsize_t first = 0; first < dims[0]; first += step) {
    Dims offset(dims.size(), 0), count = dims;
    offset[0] = first;
    count[0] = std::min(step, dims[0] - first);
    Handle fspace(check(H5Dget_space(dataset), "H5Dget_space"), H5Sclose, "H5Dget_space");
    check(H5Sselect_hyperslab(fspace.id(), H5S_SELECT_SET, offset.data(), nullptr, count.data(), nullptr),
          "H5Sselect_hyperslab");
    Handle mspace(check(H5Screate_simple(rank, count.data(), nullptr), "H5Screate_simple"), H5Sclose,
                  "H5Screate_simple");
    check(H5Dread(dataset, mtype.id(), mspace.id(), fspace.id(), H5P_DEFAULT, buf.data()), "H5Dread");
    reclaim(mtype.id(), mspace.id(), buf.data());
  }
}

}  // namespace

void verify_readable(const File& file, const std::string& data_prefix) {
  silence_error_printing();
  const Checker root{file.path(), "the root group"};
  verify_attributes(file.id(), root);
  std::vector<std::string> names;  // every hard link below the root, parents first
  auto each = [](hid_t, const char* name, const H5L_info_t* info, void* data) -> herr_t {
    // structura writes no soft or external links; an external file is not this one.
    return info->type == H5L_TYPE_HARD ? collect_name(name, data) : 0;
  };
  root(H5Lvisit(file.id(), H5_INDEX_NAME, H5_ITER_NATIVE, each, &names), "H5Lvisit");
  for (const std::string& name : names) {
    const std::string path = "/" + name;
    const Checker check{file.path(), "'" + path + "'"};
    Handle obj(check(H5Oopen(file.id(), name.c_str(), H5P_DEFAULT), "H5Oopen"), H5Oclose, "H5Oopen");
    verify_attributes(obj.id(), check);
    if (H5Iget_type(obj.id()) == H5I_DATASET && !data_prefix.empty() && path.rfind(data_prefix, 0) == 0)
      verify_data(obj.id(), check);
  }
}

}  // namespace structura::h5
