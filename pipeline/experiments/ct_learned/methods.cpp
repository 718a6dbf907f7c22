#include "experiments/ct_learned/methods.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "experiments/ct_learned/learned_method.hpp"
#include "tomography/fbp.hpp"
#include "tomography/iterative.hpp"
#include "tomography/tv_pdhg.hpp"

namespace structura::pipeline::ct_learned {

using namespace tomography;

namespace {

class FbpMethod : public Method {
public:
  explicit FbpMethod(const MethodInput& in)
      : filter_(in.settings.data.fbp_filter),
        fbp_(in.settings.data.image, in.settings.data.beam, parse_filter(filter_, "fbp.filter"), in.A.comm(),
              in.settings.data.range_radians) {}
  Trace reconstruct(const Sinogram<double>& y, const Image<double>&, Image<double>& x) override {
    fbp_.reconstruct(y, x);
    return {};
  }
  void describe(h5::Group& g) const override { g.set_attribute("filter", filter_); }

private:
  std::string filter_;
  Fbp<double> fbp_;
};

// ct.classical's TV: tomography::tv_pdhg on 1/2 ||A x - y||^2 + lambda TV(x), from zero.
class TvMethod : public Method {
public:
  explicit TvMethod(const MethodInput& in) : in_(in), norm_(operator_norm(in.A, PowerIteration{})) {}
  Trace reconstruct(const Sinogram<double>& y, const Image<double>&, Image<double>& x) override {
    Kokkos::deep_copy(x, 0.0);
    const Settings& s = in_.settings;
    tv_pdhg(in_.A, y, x, {.lambda = s.tv_lambda, .iterations = s.tv_iterations, .operator_norm = norm_});
    return {};
  }
  void describe(h5::Group& g) const override {
    g.set_attribute("lambda", in_.settings.tv_lambda);
    g.set_attribute("iterations", in_.settings.tv_iterations);
    g.set_attribute("operator_norm", norm_);
  }

private:
  MethodInput in_;
  double norm_;
};

template <class M>
std::unique_ptr<Method> make(const MethodInput& in) {
  return std::make_unique<M>(in);
}

const std::vector<MethodEntry>& table() {
  static const std::vector<MethodEntry> entries{
      {"fbp", make<FbpMethod>},
      {"tv", make<TvMethod>},
      {"ar", [](const MethodInput& in) { return make_learned(in, "ar"); }},
      {"acr", [](const MethodInput& in) { return make_learned(in, "acr"); }},
      {"iwcnn", [](const MethodInput& in) { return make_learned(in, "iwcnn"); }},
      {"cnc", [](const MethodInput& in) { return make_learned(in, "cnc"); }},
      {"awcr-pd", make_awcr_pd}};
  return entries;
}

}  // namespace

const MethodEntry& find_method(const std::string& name) {
  for (const MethodEntry& e : table())
    if (name == e.name) return e;
  throw InputError(fmt::format("reconstruction.methods: unknown method '{}'", name));
}

}  // namespace structura::pipeline::ct_learned
