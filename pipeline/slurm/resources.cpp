#include "slurm/resources.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <regex>
#include <string_view>

namespace structura::pipeline::slurm {

namespace fs = std::filesystem;

namespace {

// The keys of [slurm] that a site profile may set: all but slurm.site.
std::vector<std::string> profile_keys(const Schema& schema) {
  std::vector<std::string> out;
  for (const auto& key : schema.keys())
    if (key.rfind("slurm.", 0) == 0 && key != "slurm.site") out.push_back(key.substr(6));
  return out;
}

std::string where(const std::string& file, const toml::node& n) {
  return fmt::format("{}:{}", file, n.source().begin.line);
}

// A site profile's [slurm] table, checked against the experiment schema.
struct Profile {
  std::string file;
  std::map<std::string, Value> values;
  std::map<std::string, std::string> where;
};

Profile read_profile(const fs::path& path, const Schema& schema) {
  Profile p;
  p.file = path.string();
  toml::table doc;
  try {
    doc = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}:{}: TOML syntax error in site profile: {}", p.file, e.source().begin.line,
                                  e.source().begin.column, e.description()));
  }
  const std::vector<std::string> keys = profile_keys(schema);
  for (auto&& [k, v] : doc) {
    if (k.str() == "slurm" && v.is_table()) continue;
    throw ConfigError(
        fmt::format("{}: site profile: unexpected '{}'; a profile holds one [slurm] table", where(p.file, v), k.str()));
  }
  const toml::table* slurm = doc["slurm"].as_table();
  if (!slurm) return p;
  for (auto&& [k, v] : *slurm) {
    const std::string key(k.str());
    const std::string at = where(p.file, v);
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      const auto hint = did_you_mean(key, keys);
      throw ConfigError(fmt::format("{}: site profile: unknown key slurm.{}{}", at, key,
                                    hint ? fmt::format(" (did you mean '{}'?)", *hint) : ""));
    }
    const Param& param = *schema.find("slurm." + key);
    std::optional<Value> value;
    switch (param.type) {
      case Type::String:
        if (auto s = v.value_exact<std::string>()) value = *s;
        break;
      case Type::Int:
        if (auto i = v.value_exact<std::int64_t>(); i && *i >= 0) value = *i;
        break;
      case Type::StringList:
        if (const toml::array* a = v.as_array(); a && (a->empty() || a->is_homogeneous<std::string>())) {
          std::vector<std::string> list;
          for (auto&& e : *a) list.push_back(*e.value_exact<std::string>());
          value = list;
        }
        break;
      default: break;
    }
    if (!value)
      throw ConfigError(fmt::format("{}: site profile: slurm.{}: expected {}{}", at, key, type_name(param.type),
                                    param.type == Type::Int ? " >= 0" : ""));
    if (!param.choices.empty() && std::holds_alternative<std::string>(*value) &&
        std::find(param.choices.begin(), param.choices.end(), std::get<std::string>(*value)) == param.choices.end())
      throw ConfigError(fmt::format("{}: site profile: slurm.{}: \"{}\" is not one of srun, mpirun", at, key,
                                    std::get<std::string>(*value)));
    p.values[key] = *value;
    p.where[key] = at;
  }
  return p;
}

// Characters of a Slurm name (partition, account; ',' separates a list of
// them). Nothing else may reach an #SBATCH line: sbatch splits the line into
// words itself, and a line break would end the directives (everything after
// it runs as shell commands, and the #SBATCH lines below are ignored).
bool is_slurm_name(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("._-+,:@").find(c) != std::string::npos;
  });
}

// `s` as a TOML string, for messages: a line break shows as \n.
std::string as_toml(const std::string& s) { return value_to_string(Value(s)); }

// The first character of `s` that is a control character, as text for a message.
std::optional<std::string> control_character(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f)
      return c == '\n' ? std::string("a line break") : fmt::format("the control character 0x{:02x}", int(c));
  return std::nullopt;
}

bool is_unset(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return s->empty();
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i == 0;
  if (const auto* l = std::get_if<std::vector<std::string>>(&v)) return l->empty();
  return false;
}

}  // namespace

Resources resolve_resources(const Config& config, const fs::path& data_dir) {
  Resources r;
  r.site = config.get_string("slurm.site");
  if (r.site.empty()) config.fail("slurm.site", "must name a site profile (e.g. \"default\")");
  fs::path file;
  if (r.site.find('/') != std::string::npos || r.site.ends_with(".toml")) {
    file = r.site;  // a profile of one's own, by path
  } else {
    file = data_dir / "sites" / (r.site + ".toml");
  }
  Profile profile;
  if (fs::exists(file)) {
    profile = read_profile(file, config.schema());
    r.site_file = fs::absolute(file).lexically_normal().string();
  } else if (r.site != "default") {
    std::vector<std::string> known;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(data_dir / "sites", ec))
      if (e.path().extension() == ".toml") known.push_back(e.path().stem().string());
    std::sort(known.begin(), known.end());
    const auto hint = did_you_mean(r.site, known);
    config.fail("slurm.site", fmt::format("no site profile {}{} (profiles: {})", file.string(),
                                          hint ? fmt::format("; did you mean \"{}\"?", *hint) : "",
                                          known.empty() ? "none" : fmt::format("{}", fmt::join(known, ", "))));
  }

  // Experiment value when set, else the profile's, else the built-in default.
  auto pick = [&](const std::string& key, const Value& builtin) -> Value {
    const std::string full = "slurm." + key;
    const Value& mine = config.get(full);
    if (config.origin(full) != "default" && !is_unset(mine)) {
      r.origin[key] = config.origin(full);
      return mine;
    }
    if (auto it = profile.values.find(key); it != profile.values.end() && !is_unset(it->second)) {
      r.origin[key] = "site " + profile.where.at(key);
      return it->second;
    }
    r.origin[key] = "built-in default";
    return builtin;
  };
  auto str = [&](const std::string& key, const std::string& builtin) {
    return std::get<std::string>(pick(key, builtin));
  };
  auto num = [&](const std::string& key, std::int64_t builtin) { return std::get<std::int64_t>(pick(key, builtin)); };
  r.partition = str("partition", "");
  r.account = str("account", "");
  r.time = str("time", "");
  r.launcher = str("launcher", "srun");
  r.nodes = num("nodes", 1);
  r.ntasks = num("ntasks", 1);
  r.cpus_per_task = num("cpus_per_task", 1);
  r.throttle = num("throttle", 0);
  r.signal_seconds = num("signal_seconds", 300);
  if (auto it = profile.values.find("extra"); it != profile.values.end())
    r.extra = std::get<std::vector<std::string>>(it->second);
  for (const auto& line : config.get_strings("slurm.extra")) r.extra.push_back(line);
  r.origin["extra"] = "site and experiment";

  // Checks sbatch would make later, and with less context.
  auto fail = [&](const std::string& key, const std::string& message) {
    const std::string& from = r.origin[key];
    if (from.rfind("site ", 0) == 0) throw ConfigError(fmt::format("{}: slurm.{}: {}", from.substr(5), key, message));
    config.fail("slurm." + key, message);
  };
  for (const auto& [key, value] : {std::pair{"partition", &r.partition}, std::pair{"account", &r.account}})
    if (!value->empty() && !is_slurm_name(*value))
      fail(key, fmt::format("{} is not a Slurm name: letters, digits and . _ - + , : @ only (it goes into an "
                            "#SBATCH line)",
                            as_toml(*value)));
  if (r.nodes > r.ntasks) fail("nodes", fmt::format("{} nodes for {} task(s) leaves nodes idle", r.nodes, r.ntasks));
  if (r.signal_seconds > 65535) fail("signal_seconds", "Slurm accepts at most 65535 seconds");
  if (!r.time.empty()) {
    static const std::regex time_re(R"((\d+-)?\d+(:\d+){0,2}|infinite|unlimited|UNLIMITED|INFINITE)");
    if (!std::regex_match(r.time, time_re))
      fail("time", fmt::format("{} is not a Slurm time limit (MM, MM:SS, HH:MM:SS, D-HH:MM:SS)", as_toml(r.time)));
    const bool unlimited = r.time.find_first_of("0123456789") == std::string::npos;
    if (!unlimited && !time_limit_seconds(r.time))
      fail("time", fmt::format("{} is longer than any time limit Slurm keeps (at most {} days; use "
                               "\"infinite\" for none)",
                               as_toml(r.time), kMaxTimeLimitSeconds / 86400));
    if (auto limit = time_limit_seconds(r.time); limit && r.signal_seconds >= *limit)
      fail("signal_seconds",
           fmt::format("{} s before the time limit is at or before the start of a {} job ({} s): the job would be "
                       "interrupted at once",
                       r.signal_seconds, r.time, *limit));
  }
  const std::size_t from_site = r.extra.size() - config.get_strings("slurm.extra").size();
  for (std::size_t i = 0; i < r.extra.size(); ++i) {
    std::string message;
    if (r.extra[i].empty()) message = "each entry must be one non-empty line";
    else if (auto c = control_character(r.extra[i]))
      message = fmt::format("{} holds {}; each entry must be one #SBATCH line", as_toml(r.extra[i]), *c);
    if (message.empty()) continue;
    if (i < from_site) throw ConfigError(fmt::format("{}: slurm.extra: {}", profile.where.at("extra"), message));
    config.fail("slurm.extra", message);
  }
  check_name_for_slurm(config);
  return r;
}

void check_name_for_slurm(const Config& config) {
  const std::string name = config.name();
  if (auto c = control_character(name))
    config.fail("experiment.name",
                fmt::format("{} holds {}; the name goes into Slurm job names and batch scripts", as_toml(name), *c));
  const auto bad = std::find_if(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x80 && !std::isalnum(u) && std::string_view(" ._-+,:@=").find(c) == std::string_view::npos;
  });
  if (bad != name.end())
    config.fail("experiment.name",
                fmt::format("{} holds '{}': a name submitted to Slurm may hold letters, digits, blanks and "
                            ". _ - + , : @ = (it goes into #SBATCH lines and file names)",
                            as_toml(name), *bad));
}

std::optional<std::int64_t> time_limit_seconds(const std::string& text) {
  static const std::regex re(R"((?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?)");
  std::smatch m;
  if (!std::regex_match(text, m, re)) return std::nullopt;
  // Fields beyond this many digits (or a total beyond kMaxTimeLimitSeconds)
  // are no time limit Slurm keeps: the caller reports the key.
  std::int64_t v[5] = {0, 0, 0, 0, 0};
  for (int i = 1; i <= 4; ++i) {
    if (!m[i].matched) continue;
    const std::string digits = m[i].str();
    if (digits.size() > 9) return std::nullopt;
    std::from_chars(digits.data(), digits.data() + digits.size(), v[i]);
  }
  std::int64_t seconds;
  if (m[1].matched) seconds = v[1] * 86400 + v[2] * 3600 + v[3] * 60 + v[4];  // D-HH[:MM[:SS]]
  else if (m[4].matched) seconds = v[2] * 3600 + v[3] * 60 + v[4];            // HH:MM:SS
  else if (m[3].matched) seconds = v[2] * 60 + v[3];                          // MM:SS
  else seconds = v[2] * 60;                                                   // MM
  if (seconds > kMaxTimeLimitSeconds) return std::nullopt;
  return seconds;
}

std::string format_time_limit(std::int64_t seconds) {
  const std::int64_t d = seconds / 86400, h = seconds % 86400 / 3600, m = seconds % 3600 / 60, s = seconds % 60;
  if (d > 0) return fmt::format("{}-{:02}:{:02}:{:02}", d, h, m, s);
  return fmt::format("{:02}:{:02}:{:02}", h, m, s);
}

}  // namespace structura::pipeline::slurm
