#include "experiments/ct_classical/methods.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <optional>

#include "run/collective_errors.hpp"
#include "tomography/fbp.hpp"
#include "tomography/iterative_krylov.hpp"
#include "tomography/petsc_operator.hpp"
#include "tomography/tv_pdhg.hpp"

namespace structura::pipeline::ct_classical {

using namespace tomography;

namespace {

History from(const IterationHistory& h, std::string residual_meaning = "||A x_k - y||, k = 0 .. iterations") {
  return {h.residual_norms, {}, {}, h.iterations, h.stop_reason, h.discrepancy_reached, std::move(residual_meaning)};
}

void describe_petsc(h5::Group& g, const petsc::PetscSettings& p) {
  g.set_attribute("petsc_options", fmt::format("{}", fmt::join(p.options, " ")));
  g.set_attribute("petsc_options_prefix", p.prefix);
}

class FbpMethod : public Method {
public:
  explicit FbpMethod(const MethodInput& in) : filter_(in.settings.method.fbp_filter) {
    const Settings& s = in.settings;
    agree_on_errors(in.comm, [&] {
      fbp_ = std::make_unique<Fbp<double>>(s.image, s.beam, parse_filter(filter_, "fbp.filter"), in.comm,
                                           s.full_scan ? 0.0 : s.range_radians);
    });
  }
  History reconstruct(const Sinogram<double>& y, Image<double>& x, const Discrepancy&) override {
    fbp_->reconstruct(y, x);
    return {};
  }
  void describe(h5::Group& g) const override { g.set_attribute("filter", filter_); }
  bool has_history() const override { return false; }

private:
  std::string filter_;
  std::unique_ptr<Fbp<double>> fbp_;
};

class SirtMethod : public Method {
public:
  explicit SirtMethod(const MethodInput& in) : in_(in) {}
  History reconstruct(const Sinogram<double>& y, Image<double>& x, const Discrepancy& rule) override {
    const MethodSettings& m = in_.settings.method;
    return from(sirt(in_.A, y, x,
                     {.iterations = m.sirt_iterations,
                      .relaxation = m.sirt_relaxation,
                      .nonnegative = m.sirt_nonnegative,
                      .discrepancy = rule,
                      .poll = in_.poll}));
  }

private:
  MethodInput in_;
};

class LsqrMethod : public Method {
public:
  explicit LsqrMethod(const MethodInput& in) : in_(in) {}
  History reconstruct(const Sinogram<double>& y, Image<double>& x, const Discrepancy& rule) override {
    const MethodSettings& m = in_.settings.method;
    return from(
        lsqr(in_.A, y, x,
             {.max_iterations = m.lsqr_max_iterations, .discrepancy = rule, .petsc = m.lsqr_petsc, .poll = in_.poll}),
        "LSQR's estimate of ||A x_k - y||, k = 0 .. iterations");
  }
  void describe(h5::Group& g) const override { describe_petsc(g, in_.settings.method.lsqr_petsc); }

private:
  MethodInput in_;
  petsc::PetscSession petsc_;  // the Krylov methods run on PETSc KSP
};

class TikhonovMethod : public Method {
public:
  explicit TikhonovMethod(const MethodInput& in) : in_(in) {}
  History reconstruct(const Sinogram<double>& y, Image<double>& x, const Discrepancy&) override {
    const MethodSettings& m = in_.settings.method;
    return from(tikhonov(in_.A, y, x,
                         {.alpha = m.tikhonov_alpha,
                          .max_iterations = m.tikhonov_iterations,
                          .petsc = m.tikhonov_petsc,
                          .poll = in_.poll}),
                "CG residual of the normal equations ||A^T y - (A^T A + alpha I) x_k||");
  }
  void describe(h5::Group& g) const override { describe_petsc(g, in_.settings.method.tikhonov_petsc); }

private:
  MethodInput in_;
  petsc::PetscSession petsc_;
};

class TvMethod : public Method {
public:
  explicit TvMethod(const MethodInput& in) : in_(in), norm_(operator_norm(in.A, PowerIteration{.poll = in.poll})) {}
  History reconstruct(const Sinogram<double>& y, Image<double>& x, const Discrepancy&) override {
    const MethodSettings& m = in_.settings.method;
    const TvPdhgHistory t = tv_pdhg(
        in_.A, y, x, {.lambda = m.tv_lambda, .iterations = m.tv_iterations, .operator_norm = norm_, .poll = in_.poll});
    return History{t.residual_norms,
                   t.primal,
                   t.gap,
                   t.iterations,
                   "iterations",
                   false,
                   "||A x_k - y|| after each iteration k = 1 .. iterations"};
  }
  void describe(h5::Group& g) const override { g.set_attribute("operator_norm", norm_); }

private:
  MethodInput in_;
  double norm_;  // ||A||, once for all phantoms (TV steps)
};

template <class M>
std::unique_ptr<Method> make(const MethodInput& in) {
  return std::make_unique<M>(in);
}

}  // namespace

const std::vector<MethodEntry>& method_table() {
  static const std::vector<MethodEntry> table{
      {"fbp", make<FbpMethod>},           {"sirt", make<SirtMethod>}, {"lsqr", make<LsqrMethod>},
      {"tikhonov", make<TikhonovMethod>}, {"tv", make<TvMethod>},
  };
  return table;
}

const MethodEntry& find_method(const std::string& name) {
  for (const MethodEntry& e : method_table())
    if (name == e.name) return e;
  throw InputError(fmt::format("reconstruction.methods: unknown method '{}'", name));
}

}  // namespace structura::pipeline::ct_classical
