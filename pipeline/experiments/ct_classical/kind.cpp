// Experiment kind `ct.classical`: classical CT reconstruction of simulated
// data. Phantoms are scanned by the Joseph projector (parallel or fan beam),
// noise is added, and each listed method reconstructs every phantom; PSNR
// and SSIM compare them with the truth.
//
// Stages:  phantoms (prepare)               -> /fields/truth, truth.xdmf beside result.h5
//          sinograms (prepare)              -> /sinograms/{clean,noisy,angles,noise_norm}
//          reconstruct/<method> (reconstruct) -> /reconstructions/<method>/{images,history/<phantom>}
//          metrics (evaluate)               -> /metrics/<method>/{psnr,ssim,psnr_mean,ssim_mean}
#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "experiments/ct_classical/settings.hpp"
#include "experiments/ct_classical/stages.hpp"
#include "experiments/kind.hpp"
#include "tomography/parker.hpp"

namespace structura::pipeline::ct_classical {

namespace {

using V = std::vector<std::string>;

const V kMethods{"fbp", "sirt", "lsqr", "tikhonov", "tv"};

Schema make_schema() {
  Schema s;
  add_common_params(s);
  s.add({"image.size", Type::Int, std::int64_t{128},
         "pixels per side n of the square n x n image (>= 11: the SSIM window)", 11.0, 8192.0});
  s.add({"image.extent", Type::Float, 2.0, "physical width (= height) of the image, centred at the origin", 1e-300});
  s.add({"beam.kind", Type::String, std::string("parallel"), "acquisition geometry", {}, {}, V{"parallel", "fan"}});
  s.add({"beam.angles", Type::Int, std::int64_t{180}, "projection angles, uniform over beam.range_degrees", 1.0,
         100000.0});
  s.add({"beam.range_degrees", Type::Float, 0.0,
         "angular span scanned (endpoint excluded); 0: the full scan, 180 parallel, 360 fan; parallel below 180 is "
         "limited angle; fan below 360 is a short scan (FBP with Parker weights) of at least 180 + 2 x the fan "
         "half-angle",
         0.0, 360.0});
  s.add({"beam.detectors", Type::Int, std::int64_t{0}, "detector elements (0: image.size)", 0.0, 100000.0});
  s.add({"beam.spacing", Type::Float, 0.0,
         "detector spacing (0: parallel extent / detectors; fan: just covering the image's bounding circle)", 0.0});
  s.add({"beam.source_origin", Type::Float, 0.0,
         "fan: source-to-centre distance, > half the image diagonal (0: 2 x image.extent)", 0.0});
  s.add({"beam.origin_detector", Type::Float, 0.0, "fan: centre-to-detector distance", 0.0});
  s.add({"phantoms.kind", Type::String, std::string("ellipses"),
         "truth images: random ellipses (a function of experiment.seed and the index) or modified Shepp-Logan",
         {}, {}, V{"ellipses", "shepp-logan"}});
  s.add({"phantoms.count", Type::Int, std::int64_t{4}, "number of phantoms P", 1.0, 100000.0});
  s.add({"phantoms.supersample", Type::Int, std::int64_t{1}, "points per pixel side averaged when rasterising",
         1.0, 16.0});
  s.add({"noise.kind", Type::String, std::string("gaussian"), "measurement noise", {}, {},
         V{"none", "gaussian", "poisson"}});
  s.add({"noise.level", Type::Float, 0.01, "gaussian: standard deviation relative to the mean |sinogram|", 0.0});
  s.add({"noise.photons", Type::Float, 1e4, "poisson: incident photons I0 per ray", 1e-300});
  s.add({"reconstruction.methods", Type::StringList, V{"fbp", "sirt", "lsqr", "tv"}, "methods compared, in order",
         {}, {}, kMethods});
  s.add({"fbp.filter", Type::String, std::string("ramp"), "FBP filter (ramp window times the named one)", {}, {},
         V{"ramp", "shepp-logan", "cosine", "hamming", "hann"}});
  s.add({"sirt.iterations", Type::Int, std::int64_t{200}, "SIRT: most iterations", 1.0});
  s.add({"sirt.relaxation", Type::Float, 1.0, "SIRT: relaxation omega in (0, 2)", 1e-300, 2.0});
  s.add({"sirt.nonnegative", Type::Bool, true, "SIRT: project onto x >= 0 after each step"});
  s.add({"lsqr.max_iterations", Type::Int, std::int64_t{100}, "LSQR: most iterations", 1.0});
  s.add({"tikhonov.alpha", Type::Float, 1e-2, "Tikhonov: weight alpha of ||x||^2", 1e-300});
  s.add({"tikhonov.iterations", Type::Int, std::int64_t{200}, "Tikhonov: most CG iterations", 1.0});
  s.add({"tv.lambda", Type::Float, 3e-5,
         "TV: weight of the total variation (its scale grows with the grid; ~ angles / n)", 0.0});
  s.add({"tv.iterations", Type::Int, std::int64_t{500}, "TV: PDHG iterations", 1.0});
  s.add({"discrepancy.tau", Type::Float, 1.01,
         "sirt and lsqr stop at ||A x - y|| <= tau delta, delta the known noise norm (0: off)", 0.0});
  return s;
}

void check(const Config& c) {
  const auto methods = c.get_strings("reconstruction.methods");
  if (methods.empty()) c.fail("reconstruction.methods", "needs at least one method");
  for (std::size_t i = 0; i < methods.size(); ++i)
    for (std::size_t j = i + 1; j < methods.size(); ++j)
      if (methods[i] == methods[j]) c.fail("reconstruction.methods", fmt::format("lists \"{}\" twice", methods[i]));
  const double range = c.get_float("beam.range_degrees");
  if (c.get_string("beam.kind") == "fan") {
    const double half_diagonal = c.get_float("image.extent") / std::sqrt(2.0);
    if (ct_classical::source_origin(c) <= half_diagonal)
      c.fail("beam.source_origin", fmt::format("must exceed half the image diagonal, {:g}", half_diagonal));
    if (range != 0 && range != 360) {
      // A short scan: FBP's Parker weights need pi + 2 gamma_max of the
      // detector the settings build (parker.hpp). Compared without slack so
      // that fan_scan(), which allows rounding below the minimum, accepts it.
      const ct_classical::Settings s = ct_classical::read_settings(c);
      const double minimum = tomography::short_scan_minimum(s.beam);
      if (s.range_radians < minimum) {
        const double degrees = minimum * 180 / std::numbers::pi;  // shown rounded up: the value shown passes
        c.fail("beam.range_degrees",
               fmt::format("a fan-beam short scan needs at least pi + 2 gamma_max = {:.4f} degrees for this geometry "
                           "(fan half-angle gamma_max = {:.4f} degrees), got {:g}; 360 is the full scan",
                           std::ceil(degrees * 1e4) / 1e4, (degrees - 180) / 2, range));
      }
    }
  }
  const double tau = c.get_float("discrepancy.tau");
  if (tau != 0 && tau < 1) c.fail("discrepancy.tau", fmt::format("must be 0 (off) or >= 1, got {:g}", tau));
  if (c.get_float("sirt.relaxation") >= 2) c.fail("sirt.relaxation", "must be below 2");
}

std::vector<Stage> stages(const Config& c) {
  std::vector<Stage> out;
  out.push_back({"phantoms", "prepare", false, stage_body("ct_classical", "phantoms")});
  out.push_back({"sinograms", "prepare", false, stage_body("ct_classical", "sinograms")});
  for (const auto& m : c.get_strings("reconstruction.methods"))
    out.push_back({"reconstruct/" + m, "reconstruct", false, stage_body("ct_classical", "reconstruct", m)});
  out.push_back({"metrics", "evaluate", false, stage_body("ct_classical", "metrics")});
  return out;
}

// The phantoms and their sinograms depend on these keys alone: a sweep over
// the methods' parameters makes them once.
std::vector<DataSet> data_sets(const Config&) {
  return {{.name = "sinograms",
           .keys = {"experiment.seed", "image.", "beam.", "phantoms.", "noise."},
           .stages = {"phantoms", "sinograms"},
           .groups = {"/fields", "/sinograms"},
           .sidecars = {"truth.xdmf"}}};
}

}  // namespace

ExperimentKind make_kind() {
  ExperimentKind k;
  k.name = "ct.classical";
  k.summary = "classical CT reconstruction (FBP, SIRT, LSQR, Tikhonov, TV) of simulated phantoms, PSNR and SSIM";
  k.schema = make_schema();
  k.check = check;
  k.stages = stages;
  k.summary_lines = ct_classical::summary;
  k.data_sets = data_sets;
  return k;
}

}  // namespace structura::pipeline::ct_classical
