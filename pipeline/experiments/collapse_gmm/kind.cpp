// Experiment kind `collapse.gmm`: model collapse of Gaussian mixtures under
// recursive training (Shumailov et al., "AI models collapse when trained on
// recursively generated data", Nature 631, 2024; the GMM experiment of its
// public notebook). Generation 0 fits a K-component mixture by EM to real
// data, N(0, std² I); generation g + 1 fits a fresh mixture to samples of
// generation g's (optionally with a kept fraction of the real rows); the
// closed-form L2 distance to generation 0 and the components' spreads
// measure the collapse.
//
// Stages:  generation/<g> (generations)  the data of g, the EM fit -> /generations/<g>
//          metrics (generations)         the per-generation series -> /recursion, /metrics/gmm
#include "experiments/collapse_gmm/settings.hpp"
#include "experiments/collapse_gmm/stages.hpp"
#include "experiments/kind.hpp"
#include "experiments/shared/generations.hpp"

namespace structura::pipeline::collapse_gmm {

namespace {

Schema make_schema() {
  Schema s;
  add_common_params(s);
  s.add({"data.dimension", Type::Int, std::int64_t{2}, "dimension d of the points", 1.0, 64.0});
  s.add({"data.samples", Type::Int, std::int64_t{1000}, "rows of every generation's data (the paper: 1000)", 2.0,
         1e9});
  s.add({"data.std", Type::Float, 1.0, "the real data: N(0, std^2 I) (the paper's make_blobs blob)", above(0.0),
         1e6});
  s.add({"mixture.components", Type::Int, std::int64_t{2}, "components K of every generation's mixture", 1.0,
         1024.0});
  s.add({"em.tolerance", Type::Float, 1e-5, "EM stops when the mean log-likelihood changes by less (sklearn tol)",
         0.0, 1.0});
  s.add({"em.max_iterations", Type::Int, std::int64_t{2000}, "EM iterations at most (sklearn max_iter)", 1.0, 1e7});
  s.add({"em.covariance_floor", Type::Float, 1e-6, "added to every covariance's diagonal (sklearn reg_covar)", 0.0,
         1e6});
  s.add({"em.kmeans_iterations", Type::Int, std::int64_t{20}, "Lloyd steps after the k-means++ seeding", 0.0, 1e6});
  s.add({"recursion.generations", Type::Int, std::int64_t{200},
         "the last generation: generation 0 fits the real data, every later one the previous one's samples "
         "(the paper: about 2000)",
         1.0, 1e6});
  s.add({"recursion.keep_fraction", Type::Float, 0.0,
         "fraction of every later generation's rows drawn from the real data (a fresh random subset each "
         "generation)",
         0.0, 1.0});
  s.add({"output.data_generations", Type::IntList, std::vector<std::int64_t>{0, 50, 100, 150, 200, 350, 2000},
         "generations whose data are stored (the paper's scatter plots; the last generation always is; the others "
         "are regenerated exactly from the stored models)",
         0.0, 1e6});
  return s;
}

void check(const Config& c) { read_settings(c); }

std::vector<Stage> stages(const Config& c) {
  const Settings s = read_settings(c);
  std::vector<Stage> out = generation_stages("collapse_gmm", "generation", s.generations);
  out.push_back({"metrics", "generations", false, stage_body("collapse_gmm", "metrics")});
  return out;
}

}  // namespace

ExperimentKind make_kind() {
  ExperimentKind k;
  k.name = "collapse.gmm";
  k.summary = "model collapse of Gaussian mixtures refitted by distributed EM to their own samples, generation after "
              "generation";
  k.schema = make_schema();
  k.check = check;
  k.stages = stages;
  k.summary_lines = summary;
  return k;
}

}  // namespace structura::pipeline::collapse_gmm
