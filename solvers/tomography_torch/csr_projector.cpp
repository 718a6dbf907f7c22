#include "tomography_torch/csr_projector.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "tomography/ray.hpp"

namespace structura::tomography_torch {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

struct Csr {
  std::vector<std::int64_t> rows, cols;
  std::vector<double> values;
};

template <class T>
struct CollectEntries {
  Csr* out;
  T length;
  int nx;
  void operator()(int r, int c, T w, int) const {
    out->cols.push_back(static_cast<std::int64_t>(r) * nx + c);
    out->values.push_back(static_cast<double>(length * w));
  }
};

// CSR wants each row's columns sorted: a walk over columns (rows ==
// false) visits pixels in column order, not in row-major order. A walk
// visits each pixel at most once (one step per row or column).
void sort_row(Csr& m, std::int64_t start) {
  const auto end = static_cast<std::int64_t>(m.cols.size());
  std::vector<std::pair<std::int64_t, double>> row;
  row.reserve(static_cast<std::size_t>(end - start));
  for (auto k = start; k < end; ++k) row.emplace_back(m.cols[k], m.values[k]);
  std::sort(row.begin(), row.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto k = start; k < end; ++k) std::tie(m.cols[k], m.values[k]) = row[static_cast<std::size_t>(k - start)];
}

// M by walking every ray exactly as the matrix-free kernels do.
template <class T>
Csr assemble(const tomography::ImageGeometry& im, const tomography::BeamGeometry& beam, Range angles) {
  const auto g = tomography::detail::ray_geometry(im, beam);
  Csr m;
  m.rows.reserve(static_cast<std::size_t>(angles.count * beam.detectors + 1));
  m.rows.push_back(0);
  for (std::int64_t a = angles.begin; a < angles.end(); ++a) {
    const double c = std::cos(beam.angles[static_cast<std::size_t>(a)]);
    const double s = std::sin(beam.angles[static_cast<std::size_t>(a)]);
    for (int u = 0; u < beam.detectors; ++u) {
      const auto ray = tomography::detail::make_ray<T>(g, c, s, u);
      CollectEntries<T> collect{&m, ray.length, im.nx};
      const auto start = static_cast<std::int64_t>(m.cols.size());
      tomography::detail::walk(ray, im.nx, im.ny, collect);
      sort_row(m, start);
      m.rows.push_back(static_cast<std::int64_t>(m.cols.size()));
    }
  }
  return m;
}

// The transpose, by counting sort on the column index (columns stay sorted
// by row within each new row).
Csr transpose(const Csr& m, std::int64_t n_cols) {
  Csr t;
  t.rows.assign(static_cast<std::size_t>(n_cols + 1), 0);
  for (auto c : m.cols) ++t.rows[static_cast<std::size_t>(c + 1)];
  for (std::int64_t i = 0; i < n_cols; ++i) t.rows[i + 1] += t.rows[i];
  t.cols.resize(m.cols.size());
  t.values.resize(m.values.size());
  std::vector<std::int64_t> next(t.rows.begin(), t.rows.end() - 1);
  const auto n_rows = static_cast<std::int64_t>(m.rows.size()) - 1;
  for (std::int64_t r = 0; r < n_rows; ++r)
    for (auto k = m.rows[r]; k < m.rows[r + 1]; ++k) {
      const auto at = next[static_cast<std::size_t>(m.cols[k])]++;
      t.cols[at] = r;
      t.values[at] = m.values[k];
    }
  return t;
}

torch::Tensor to_torch(const Csr& m, std::int64_t rows, std::int64_t cols, torch::Dtype dtype, torch::Device device) {
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64);
  auto crow = torch::from_blob(const_cast<std::int64_t*>(m.rows.data()), {rows + 1}, i64).clone();
  auto col = torch::from_blob(const_cast<std::int64_t*>(m.cols.data()), {static_cast<std::int64_t>(m.cols.size())},
                              i64)
                 .clone();
  auto val = torch::from_blob(const_cast<double*>(m.values.data()), {static_cast<std::int64_t>(m.values.size())},
                              torch::TensorOptions().dtype(torch::kFloat64))
                 .to(dtype, /*non_blocking=*/false, /*copy=*/true);  // a copy: m dies; exact: computed in dtype
  return torch::sparse_csr_tensor(crow, col, val, {rows, cols}, torch::TensorOptions().dtype(dtype)).to(device);
}

// (N, 1, a, b) of the matrix's dtype and device, checked.
void require_batch(const torch::Tensor& t, const torch::Tensor& m, const char* what, std::int64_t rows,
                   std::int64_t cols) {
  require(t.defined(), fmt::format("{}: undefined tensor", what));
  require(t.dim() == 4 && t.size(1) == 1 && t.size(2) == rows && t.size(3) == cols,
          fmt::format("{}: expected (N, 1, {}, {}), got {}", what, rows, cols, fmt::join(t.sizes().vec(), "x")));
  require(t.scalar_type() == m.scalar_type() && t.device() == m.device(),
          fmt::format("{}: tensor is {} on {}, the matrix {} on {}", what, c10::toString(t.scalar_type()),
                      t.device().str(), c10::toString(m.scalar_type()), m.device().str()));
}

// (N, 1, ...) -> S applied to each image's flattened values -> (N, 1, a, b).
torch::Tensor apply(const torch::Tensor& s, const torch::Tensor& x, std::int64_t a, std::int64_t b) {
  const auto n = x.size(0);
  const auto columns = x.reshape({n, -1}).t().contiguous();  // (cols, N): one product for the batch
  return torch::mm(s, columns).t().reshape({n, 1, a, b});
}

const CsrProjector& op_of(AutogradContext* ctx) {
  return *reinterpret_cast<const CsrProjector*>(ctx->saved_data["op"].toInt());
}

struct CsrProject : torch::autograd::Function<CsrProject> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x, const CsrProjector* op) {
    ctx->saved_data["op"] = reinterpret_cast<std::int64_t>(op);
    return op->forward_raw(x);
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grads);
};

struct CsrBackproject : torch::autograd::Function<CsrBackproject> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor y, const CsrProjector* op) {
    ctx->saved_data["op"] = reinterpret_cast<std::int64_t>(op);
    return op->adjoint_raw(y);
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    return {CsrProject::apply(grads[0], &op_of(ctx)), torch::Tensor()};
  }
};

tensor_list CsrProject::backward(AutogradContext* ctx, tensor_list grads) {
  return {CsrBackproject::apply(grads[0], &op_of(ctx)), torch::Tensor()};
}

}  // namespace

CsrProjector::CsrProjector(const tomography::ImageGeometry& image, const tomography::BeamGeometry& beam,
                           torch::Dtype dtype, torch::Device device)
    : CsrProjector(image, beam, Range{0, static_cast<std::int64_t>(beam.angles.size())}, dtype, device) {}

CsrProjector::CsrProjector(const tomography::ImageGeometry& image, const tomography::BeamGeometry& beam,
                           Range angles, torch::Dtype dtype, torch::Device device)
    : image_(image), beam_(beam), angles_(angles) {
  image_.validate("image");
  beam_.validate(image_, "beam");
  const auto n = static_cast<std::int64_t>(beam_.angles.size());
  require(angles.begin >= 0 && angles.count >= 0 && angles.end() <= n,
          fmt::format("CsrProjector: angle range [{}, {}) is not within the beam's {} angles", angles.begin,
                      angles.end(), n));
  require(dtype == torch::kFloat32 || dtype == torch::kFloat64, "CsrProjector: dtype must be float32 or float64");
  const Csr m = dtype == torch::kFloat32 ? assemble<float>(image_, beam_, angles_) : assemble<double>(image_, beam_, angles_);
  const std::int64_t rays = angles_.count * beam_.detectors, pixels = image_.pixels();
  nnz_ = static_cast<std::int64_t>(m.cols.size());
  m_ = to_torch(m, rays, pixels, dtype, device);
  mt_ = to_torch(transpose(m, pixels), pixels, rays, dtype, device);
}

std::int64_t CsrProjector::bytes() const {
  const std::int64_t value = m_.scalar_type() == torch::kFloat32 ? 4 : 8;
  return 2 * nnz_ * (value + 8) + 8 * (angles_.count * beam_.detectors + image_.pixels() + 2);
}

torch::Tensor CsrProjector::forward_raw(const torch::Tensor& images) const {
  require_batch(images, m_, "CsrProjector::project", image_.ny, image_.nx);
  return apply(m_, images, angles_.count, beam_.detectors);
}

torch::Tensor CsrProjector::adjoint_raw(const torch::Tensor& sinograms) const {
  require_batch(sinograms, m_, "CsrProjector::backproject", angles_.count, beam_.detectors);
  return apply(mt_, sinograms, image_.ny, image_.nx);
}

torch::Tensor CsrProjector::project(const torch::Tensor& images) const { return CsrProject::apply(images, this); }
torch::Tensor CsrProjector::backproject(const torch::Tensor& sinograms) const {
  return CsrBackproject::apply(sinograms, this);
}

}  // namespace structura::tomography_torch
