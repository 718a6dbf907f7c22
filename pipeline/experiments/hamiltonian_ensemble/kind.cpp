// Experiment kind `hamiltonian.ensemble`: an ensemble of trajectories of one
// Hamiltonian system integrated by several methods side by side, with energy
// errors, errors against an accurate reference, and throughput.
//
// Stages:  initial (prepare)            draw initial conditions -> /data/initial
//          reference (prepare)          exact flow or adaptive Dormand-Prince -> /timeseries/reference
//          integrate/<method> (integrate, checkpointed)  -> /timeseries/<method>
//          metrics (integrate)          -> /timeseries/<method>/{relative_energy_error,state_error}, /metrics
#include "experiments/hamiltonian_ensemble/settings.hpp"
#include "experiments/hamiltonian_ensemble/stages.hpp"
#include "experiments/kind.hpp"
#include "experiments/shared/hamiltonian_system.hpp"

namespace structura::pipeline::hamiltonian_ensemble {

namespace {

const std::vector<std::string> method_names = {"symplectic-euler", "verlet", "triple-jump4", "implicit-midpoint",
                                               "rk4"};

Schema make_schema() {
  Schema s;
  add_common_params(s);
  using V = std::vector<std::string>;
  add_system_params(s, "henon-heiles");
  s.add({"ensemble.trajectories", Type::Int, std::int64_t{1000}, "number of trajectories N (all ranks together)", 1.0});
  s.add({"ensemble.sampling", Type::String, std::string("box"),
         "initial conditions: box (q, p uniform in the boxes) or shell (on the energy shell H = ensemble.energy)", {},
         {}, V{"box", "shell"}});
  s.add({"ensemble.energy", Type::Float, 0.1, "shell sampling: the energy H of every initial condition"});
  s.add({"ensemble.q_min", Type::Float, -1.0, "lower bound of every coordinate q_i"});
  s.add({"ensemble.q_max", Type::Float, 1.0, "upper bound of every coordinate q_i"});
  s.add({"ensemble.p_min", Type::Float, -1.0, "box sampling: lower bound of every momentum p_i"});
  s.add({"ensemble.p_max", Type::Float, 1.0, "box sampling: upper bound of every momentum p_i"});
  s.add({"integration.methods", Type::StringList, V{"verlet", "triple-jump4", "rk4"},
         "fixed-step integrators to run side by side", {}, {}, method_names});
  s.add({"integration.dt", Type::Float, 0.01, "step size (time units)", above(0.0)});
  s.add({"integration.t_end", Type::Float, 100.0, "final time; must be a whole number of steps", above(0.0)});
  // A frame of an ensemble is 16 n bytes per trajectory: every 1000 steps
  // keeps writing under 10% of a run at ~2e9 trajectory-steps/s per core
  // (tests/benchmarks/run_pipeline_output.sh); ask for more where needed.
  s.add({"integration.output_every", Type::Int, std::int64_t{1000},
         "steps between frames written to /timeseries (the cadence)", 1.0});
  s.add({"reference.method", Type::String, std::string("auto"),
         "accuracy reference: exact (harmonic oscillator, Kepler), dopri5 (adaptive), auto (exact where known), none",
         {}, {}, V{"auto", "exact", "dopri5", "none"}});
  s.add({"reference.rtol", Type::Float, 1e-12, "dopri5 relative tolerance", 1e-16, 1.0});
  s.add({"reference.atol", Type::Float, 1e-12, "dopri5 absolute tolerance", above(0.0), 1.0});
  // Off by default: trajectories in float64 compress to ~96% only, at ~36 MB/s
  // (tests/benchmarks), which would dominate a fast integration.
  s.add({"output.deflate", Type::Int, std::int64_t{0},
         "deflate level of /timeseries (0: uncompressed; float64 states gain little)", 0.0, 9.0, {}, false});
  s.add({"output.states", Type::Bool, true, "write positions and momenta of every frame (energies always)", {}, {},
         {}, true});
  return s;
}

// Validation is reading the settings: what they refuse, a run refuses.
void check(const Config& c) { read_settings(c); }

std::vector<Stage> stages(const Config& c) {
  const Settings s = read_settings(c);
  std::vector<Stage> out;
  out.push_back({"initial", "prepare", false, stage_body("hamiltonian_ensemble", "initial")});
  if (s.reference != "none")
    out.push_back({"reference", "prepare", true, stage_body("hamiltonian_ensemble", "reference")});
  for (const auto& m : s.methods)
    out.push_back({"integrate/" + m, "integrate", true, stage_body("hamiltonian_ensemble", "integrate", m)});
  out.push_back({"metrics", "integrate", false, stage_body("hamiltonian_ensemble", "metrics")});
  return out;
}

}  // namespace

ExperimentKind make_kind() {
  ExperimentKind k;
  k.name = "hamiltonian.ensemble";
  k.summary = "ensemble integration of a Hamiltonian system with several integrators side by side";
  k.schema = make_schema();
  k.check = check;
  k.stages = stages;
  k.summary_lines = hamiltonian_ensemble::summary;
  return k;
}

}  // namespace structura::pipeline::hamiltonian_ensemble
