// Experiment kind `ct.classical`: classical CT reconstruction of simulated
// data. Phantoms are scanned by the Joseph projector (parallel or fan beam),
// noise is added, and each listed method reconstructs every phantom; PSNR
// and SSIM compare them with the truth.
//
// Stages:  phantoms (prepare)               -> /fields/truth, truth.xdmf beside result.h5
//          sinograms (prepare)              -> /sinograms/{clean,noisy,angles,noise_norm}
//          reconstruct/<method> (reconstruct) -> /reconstructions/<method>/{images,history/<phantom>}
//          metrics (evaluate)               -> /metrics/<method>/{psnr,ssim,psnr_mean,psnr_std,ssim_mean,ssim_std,seconds_per_image}
#include "experiments/ct_classical/settings.hpp"
#include "experiments/ct_classical/stages.hpp"
#include "experiments/kind.hpp"
#include "experiments/shared/ct_noise.hpp"

namespace structura::pipeline::ct_classical {

namespace {

using V = std::vector<std::string>;

const V kMethods{"fbp", "sirt", "lsqr", "tikhonov", "tv"};

Schema make_schema() {
  Schema s;
  add_common_params(s);
  s.add({"image.size", Type::Int, std::int64_t{128},
         "pixels per side n of the square n x n image (>= 11: the SSIM window)", 11.0, 8192.0});
  s.add({"image.extent", Type::Float, 2.0, "physical width (= height) of the image, centred at the origin",
         above(0.0)});
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
  add_ct_noise_params(s, 0.01);
  s.add({"reconstruction.methods", Type::StringList, V{"fbp", "sirt", "lsqr", "tv"}, "methods compared, in order",
         {}, {}, kMethods});
  s.add({"fbp.filter", Type::String, std::string("ramp"), "FBP filter (ramp window times the named one)", {}, {},
         V{"ramp", "shepp-logan", "cosine", "hamming", "hann"}});
  s.add({"sirt.iterations", Type::Int, std::int64_t{200}, "SIRT: most iterations", 1.0});
  s.add({"sirt.relaxation", Type::Float, 1.0, "SIRT: relaxation omega in (0, 2)", above(0.0), below(2.0)});
  s.add({"sirt.nonnegative", Type::Bool, true, "SIRT: project onto x >= 0 after each step"});
  s.add({"lsqr.max_iterations", Type::Int, std::int64_t{100}, "LSQR: most iterations", 1.0});
  s.add({"lsqr.petsc_options", Type::StringList, V{},
         "LSQR: PETSc options for its KSP/PC/Mat/Vec, \"name=value\" or \"name\" without '-' (e.g. "
         "\"ksp_rtol=1e-8\", \"ksp_monitor_true_residual\"), read under the prefix ct_lsqr_ from a private database"});
  s.add({"tikhonov.alpha", Type::Float, 1e-2, "Tikhonov: weight alpha of ||x||^2", above(0.0)});
  s.add({"tikhonov.iterations", Type::Int, std::int64_t{200}, "Tikhonov: most CG iterations", 1.0});
  s.add({"tikhonov.petsc_options", Type::StringList, V{},
         "Tikhonov: PETSc options for its CG KSP/PC/Mat/Vec, as lsqr.petsc_options, under the prefix ct_tikhonov_"});
  s.add({"tv.lambda", Type::Float, 3e-5,
         "TV: weight of the total variation (its scale grows with the grid; ~ angles / n)", 0.0});
  s.add({"tv.iterations", Type::Int, std::int64_t{500}, "TV: PDHG iterations", 1.0});
  s.add({"discrepancy.tau", Type::Float, 1.01,
         "sirt and lsqr stop at ||A x - y|| <= tau delta, delta the known noise norm (0: off)", 0.0});
  return s;
}

// Validation is reading the settings: what they refuse, a run refuses.
void check(const Config& c) { read_settings(c); }

std::vector<Stage> stages(const Config& c) {
  const Settings s = read_settings(c);
  std::vector<Stage> out;
  out.push_back({"phantoms", "prepare", false, stage_body("ct_classical", "phantoms")});
  out.push_back({"sinograms", "prepare", false, stage_body("ct_classical", "sinograms")});
  for (const auto& m : s.methods)
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
