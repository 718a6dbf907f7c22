#include "config/schema.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace structura::pipeline {

std::string type_name(Type t) {
  switch (t) {
    case Type::Int: return "integer";
    case Type::Float: return "float";
    case Type::Bool: return "boolean";
    case Type::String: return "string";
    case Type::StringList: return "list of strings";
    case Type::FloatList: return "list of floats";
    case Type::IntList: return "list of integers";
  }
  return "?";
}

namespace {
std::string float_text(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  // Shortest representation that reads back to the same double, made a TOML
  // float by adding ".0" where it looks like an integer.
  std::string s = fmt::format("{}", x);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::string value_to_string(const Value& v) {
  struct Writer {
    std::string operator()(std::int64_t x) const { return fmt::format("{}", x); }
    std::string operator()(double x) const { return float_text(x); }
    std::string operator()(bool x) const { return x ? "true" : "false"; }
    std::string operator()(const std::string& x) const { return quoted(x); }
    std::string operator()(const std::vector<std::string>& x) const {
      std::vector<std::string> parts;
      for (const auto& s : x) parts.push_back(quoted(s));
      return fmt::format("[{}]", fmt::join(parts, ", "));
    }
    std::string operator()(const std::vector<double>& x) const {
      std::vector<std::string> parts;
      for (double d : x) parts.push_back(float_text(d));
      return fmt::format("[{}]", fmt::join(parts, ", "));
    }
    std::string operator()(const std::vector<std::int64_t>& x) const { return fmt::format("[{}]", fmt::join(x, ", ")); }
  };
  return std::visit(Writer{}, v);
}

std::optional<Bound> effective_max(const Param& p) {
  if (p.max || (p.type != Type::Int && p.type != Type::IntList)) return p.max;
  return Bound(kDefaultIntMax);
}

std::string range_text(const Param& p) {
  const bool integer = p.type == Type::Int || p.type == Type::IntList;
  auto number = [&](double x) {
    // Integer bounds as integers (2^63 stands for the largest int64).
    if (integer && std::fabs(x) < 9.3e18)
      return x >= 9223372036854775807.0 ? std::string("9223372036854775807")
                                        : fmt::format("{}", static_cast<std::int64_t>(x));
    return fmt::format("{}", x);
  };
  const auto lo = p.min, hi = effective_max(p);
  if (lo && hi)
    return fmt::format("in {}{}, {}{}", lo->exclusive ? "(" : "[", number(lo->value), number(hi->value),
                       hi->exclusive ? ")" : "]");
  if (lo) return fmt::format("{} {}", lo->exclusive ? ">" : ">=", number(lo->value));
  if (hi) return fmt::format("{} {}", hi->exclusive ? "<" : "<=", number(hi->value));
  return "";
}

Schema& Schema::add(Param p) {
  params_.push_back(std::move(p));
  return *this;
}

const Param* Schema::find(const std::string& key) const {
  for (const auto& p : params_)
    if (p.key == key) return &p;
  return nullptr;
}

std::vector<std::string> Schema::keys() const {
  std::set<std::string> out;
  for (const auto& p : params_) {
    out.insert(p.key);
    auto dot = p.key.find('.');
    if (dot != std::string::npos) out.insert(p.key.substr(0, dot));
  }
  return {out.begin(), out.end()};
}

void add_common_params(Schema& s) {
  s.add({"experiment.kind", Type::String, std::string(), "experiment kind (see `structura list`)", {}, {}, {}, true});
  s.add({"experiment.name", Type::String, std::string(),
         "name of the experiment: runs go to <runs_dir>/<name>/<run-id>/ (default: the file's stem)", {}, {}, {}, false});
  s.add({"experiment.seed", Type::Int, std::int64_t{1}, "seed of the counter-based random generator", 0.0,
         9223372036854775807.0, {}, true});
  s.add({"experiment.runs_dir", Type::String, std::string("runs"),
         "directory holding the runs (relative to the working directory)", {}, {}, {}, false});
  s.add({"run.checkpoint_interval", Type::Float, 300.0, "seconds between periodic checkpoints of long stages", 1.0, 1e9,
         {}, false});
  s.add({"run.progress_interval", Type::Float, 10.0,
         "seconds between progress lines when the output is not a terminal", 0.1, 1e9, {}, false});
  s.add({"slurm.site", Type::String, std::string("default"), "site profile jobs/sites/<site>.toml giving defaults below",
         {}, {}, {}, false});
  s.add({"slurm.partition", Type::String, std::string(), "partition (empty: the site's or Slurm's default)", {}, {}, {},
         false});
  s.add({"slurm.account", Type::String, std::string(), "account to charge (empty: none)", {}, {}, {}, false});
  s.add({"slurm.time", Type::String, std::string(), "time limit per job, e.g. \"01:00:00\" (empty: site default)", {},
         {}, {}, false});
  s.add({"slurm.nodes", Type::Int, std::int64_t{0}, "nodes per run (0: site default)", 0.0, {}, {}, false});
  s.add({"slurm.ntasks", Type::Int, std::int64_t{0}, "MPI ranks per run (0: site default)", 0.0, {}, {}, false});
  s.add({"slurm.cpus_per_task", Type::Int, std::int64_t{0}, "cores per rank (0: site default)", 0.0, {}, {}, false});
  s.add({"slurm.throttle", Type::Int, std::int64_t{0}, "most array tasks running at once (0: site default)", 0.0, {},
         {}, false});
  s.add({"slurm.signal_seconds", Type::Int, std::int64_t{0},
         "seconds before the time limit at which checkpointing jobs get SIGUSR1 (0: site default)", 0.0, {}, {},
         false});
  s.add({"slurm.launcher", Type::String, std::string(), "how a job starts its ranks: srun or mpirun (empty: site default)",
         {}, {}, {"", "srun", "mpirun"}, false});
  s.add({"slurm.extra", Type::StringList, std::vector<std::string>{},
         "extra #SBATCH lines, e.g. [\"--qos=debug\", \"--gres=gpu:1\"]", {}, {}, {}, false});
}

std::optional<std::string> did_you_mean(const std::string& key, const std::vector<std::string>& candidates) {
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j)
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      std::swap(prev, cur);
    }
    return prev[b.size()];
  };
  std::optional<std::string> best;
  std::size_t best_d = 0;
  for (const auto& c : candidates) {
    const std::size_t d = distance(key, c);
    if (!best || d < best_d) {
      best = c;
      best_d = d;
    }
  }
  if (best && best_d <= std::max<std::size_t>(2, key.size() / 3)) return best;
  return std::nullopt;
}

}  // namespace structura::pipeline
