#include "config/config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <toml++/toml.h>

#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace structura::pipeline {

// ---- Config --------------------------------------------------------------------------

Config::Config(const Schema* schema, std::string source_file) : schema_(schema), source_file_(std::move(source_file)) {
  for (const auto& p : schema_->params()) {
    values_[p.key] = p.default_value;
    origins_[p.key] = "default";
  }
}

const Value& Config::get(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) throw Error(fmt::format("internal: parameter '{}' is not in the schema", key));
  return it->second;
}

namespace {
template <class T>
const T& get_as(const Config& c, const std::string& key) {
  const Value& v = c.get(key);
  if (const T* x = std::get_if<T>(&v)) return *x;
  throw Error(fmt::format("internal: parameter '{}' read with the wrong type", key));
}
}  // namespace

std::int64_t Config::get_int(const std::string& key) const { return get_as<std::int64_t>(*this, key); }
double Config::get_float(const std::string& key) const { return get_as<double>(*this, key); }
bool Config::get_bool(const std::string& key) const { return get_as<bool>(*this, key); }
std::string Config::get_string(const std::string& key) const { return get_as<std::string>(*this, key); }
std::vector<std::string> Config::get_strings(const std::string& key) const {
  return get_as<std::vector<std::string>>(*this, key);
}
std::vector<double> Config::get_floats(const std::string& key) const { return get_as<std::vector<double>>(*this, key); }

std::string Config::origin(const std::string& key) const {
  auto it = origins_.find(key);
  return it == origins_.end() ? "default" : it->second;
}

void Config::set(const std::string& key, Value v, std::string origin) {
  values_[key] = std::move(v);
  origins_[key] = std::move(origin);
}

void Config::fail(const std::string& key, const std::string& message) const {
  const std::string where = origin(key);
  if (where.rfind(source_file_, 0) == 0)  // "file:line"
    throw ConfigError(fmt::format("{}: {}: {}", where, key, message));
  throw ConfigError(fmt::format("{}: {} (set by {}): {}", source_file_, key, where, message));
}

std::string Config::canonical_toml(bool identity_only) const {
  // Group by table (everything before the last dot), both sorted.
  std::map<std::string, std::map<std::string, std::string>> tables;
  for (const auto& p : schema_->params()) {
    if (identity_only && !p.identity) continue;
    const auto dot = p.key.rfind('.');
    tables[p.key.substr(0, dot)][p.key.substr(dot + 1)] = value_to_string(values_.at(p.key));
  }
  std::string out;
  for (const auto& [table, entries] : tables) {
    if (!out.empty()) out += "\n";
    out += fmt::format("[{}]\n", table);
    for (const auto& [k, v] : entries) out += fmt::format("{} = {}\n", k, v);
  }
  return out;
}

std::string Config::run_id() const {
  // FNV-1a, 64 bit: identity, not security. 12 hex digits keep paths short;
  // the chance that two of a million runs collide is below 1e-3.
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : kind() + "\n" + canonical_toml(true)) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("{:012x}", h >> 16);
}

// ---- conversion from TOML ------------------------------------------------------------

namespace {

std::string describe(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return fmt::format("string \"{}\"", *n.value<std::string>());
    case toml::node_type::integer: return fmt::format("integer {}", *n.value<std::int64_t>());
    case toml::node_type::floating_point: return fmt::format("float {}", *n.value<double>());
    case toml::node_type::boolean: return fmt::format("boolean {}", *n.value<bool>() ? "true" : "false");
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date/time";
  }
}

std::string where_of(const std::string& file, const toml::node& n) {
  const auto& src = n.source();
  if (src.begin.line > 0) return fmt::format("{}:{}", file, src.begin.line);
  return file;
}

// Checks ranges and choices; returns an error message or "".
std::string check_bounds(const Param& p, const Value& v) {
  const auto lo = p.min, hi = effective_max(p);
  auto number_ok = [&](double x) {
    if (std::isnan(x) || (std::isinf(x) && !p.allow_infinite)) return false;
    if (lo && (lo->exclusive ? !(x > lo->value) : !(x >= lo->value))) return false;
    if (hi && (hi->exclusive ? !(x < hi->value) : !(x <= hi->value))) return false;
    return true;
  };
  const std::string range = range_text(p).empty() ? "" : " " + range_text(p);
  const char* finite = p.allow_infinite ? "" : " finite";
  auto choice_ok = [&](const std::string& s) {
    return p.choices.empty() || std::find(p.choices.begin(), p.choices.end(), s) != p.choices.end();
  };
  auto choices_text = [&] {
    std::vector<std::string> q;
    for (const auto& c : p.choices) q.push_back(fmt::format("\"{}\"", c));
    return fmt::format("{}", fmt::join(q, ", "));
  };
  if (auto* i = std::get_if<std::int64_t>(&v); i && !number_ok(static_cast<double>(*i)))
    return fmt::format("expected an integer{}, found {}", range, *i);
  if (auto* d = std::get_if<double>(&v); d && !number_ok(*d))
    return fmt::format("expected a{} float{}, found {}", finite, range, *d);
  if (auto* s = std::get_if<std::string>(&v); s && !choice_ok(*s)) {
    auto hint = did_you_mean(*s, p.choices);
    return fmt::format("expected one of {}, found \"{}\"{}", choices_text(), *s,
                       hint ? fmt::format(" (did you mean \"{}\"?)", *hint) : "");
  }
  if (auto* l = std::get_if<std::vector<std::string>>(&v)) {
    for (const auto& s : *l)
      if (!choice_ok(s)) {
        auto hint = did_you_mean(s, p.choices);
        return fmt::format("every element must be one of {}, found \"{}\"{}", choices_text(), s,
                           hint ? fmt::format(" (did you mean \"{}\"?)", *hint) : "");
      }
  }
  if (auto* l = std::get_if<std::vector<double>>(&v)) {
    for (double x : *l)
      if (!number_ok(x)) return fmt::format("every element must be a{} float{}, found {}", finite, range, x);
  }
  if (auto* l = std::get_if<std::vector<std::int64_t>>(&v)) {
    for (auto x : *l)
      if (!number_ok(static_cast<double>(x)))
        return fmt::format("every element must be an integer{}, found {}", range, x);
  }
  return "";
}

// Converts a TOML node to the parameter's type; throws ConfigError naming
// `where` and the key. Integers are accepted where floats are expected.
Value convert(const toml::node& n, const Param& p, const std::string& where) {
  auto wrong = [&](const std::string& found) -> ConfigError {
    return ConfigError(fmt::format("{}: {}: expected {}, found {}", where, p.key, type_name(p.type), found));
  };
  auto as_float = [&](const toml::node& x) -> std::optional<double> {
    if (auto d = x.value_exact<double>()) return *d;
    if (auto i = x.value_exact<std::int64_t>()) return static_cast<double>(*i);
    return std::nullopt;
  };
  Value v;
  switch (p.type) {
    case Type::Int:
      if (auto i = n.value_exact<std::int64_t>()) v = *i;
      else throw wrong(describe(n));
      break;
    case Type::Float:
      if (auto d = as_float(n)) v = *d;
      else throw wrong(describe(n));
      break;
    case Type::Bool:
      if (auto b = n.value_exact<bool>()) v = *b;
      else throw wrong(describe(n));
      break;
    case Type::String:
      if (auto s = n.value_exact<std::string>()) v = *s;
      else throw wrong(describe(n));
      break;
    case Type::StringList:
    case Type::FloatList:
    case Type::IntList: {
      const toml::array* a = n.as_array();
      if (!a) throw wrong(describe(n));
      std::vector<std::string> ss;
      std::vector<double> ds;
      std::vector<std::int64_t> is;
      for (std::size_t k = 0; k < a->size(); ++k) {
        const toml::node& e = *a->get(k);
        const std::string elem = fmt::format("{} at position {}", describe(e), k + 1);
        if (p.type == Type::StringList) {
          if (auto s = e.value_exact<std::string>()) ss.push_back(*s);
          else throw wrong(elem);
        } else if (p.type == Type::FloatList) {
          if (auto d = as_float(e)) ds.push_back(*d);
          else throw wrong(elem);
        } else {
          if (auto i = e.value_exact<std::int64_t>()) is.push_back(*i);
          else throw wrong(elem);
        }
      }
      if (p.type == Type::StringList) v = ss;
      else if (p.type == Type::FloatList) v = ds;
      else v = is;
      break;
    }
  }
  if (auto msg = check_bounds(p, v); !msg.empty()) throw ConfigError(fmt::format("{}: {}: {}", where, p.key, msg));
  return v;
}

[[noreturn]] void unknown_key(const std::string& where, const std::string& key, const Schema& schema,
                              const std::string& kind) {
  auto hint = did_you_mean(key, schema.keys());
  throw ConfigError(fmt::format("{}: unknown key '{}' for experiment kind '{}'{}", where, key, kind,
                                hint ? fmt::format(" (did you mean '{}'?)", *hint) : " (see `structura list`)"));
}

// Walks the document, collecting leaf nodes by dotted key; [sweep] is skipped.
void flatten(const toml::table& t, const std::string& prefix, std::vector<std::pair<std::string, const toml::node*>>& out) {
  for (auto&& [k, v] : t) {
    const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (prefix.empty() && k.str() == "sweep") continue;
    if (const toml::table* sub = v.as_table()) flatten(*sub, key, out);
    else out.emplace_back(key, &v);
  }
}

const Param& kind_param() {
  static const Param p{"experiment.kind", Type::String, std::string(), "experiment kind"};
  return p;
}

// toml++ recurses once per level of nesting while it parses and frees a
// document, and a key 40 000 levels deep (a.a.a...) overflows the stack, so
// the depth is bounded on the text before parsing. The count is conservative:
// the dots of the current [table] header, plus the dots of every key on the
// line (inline tables are one line in TOML), plus the open brackets. Strings
// and comments do not count.
void check_nesting(const std::string& text, const std::string& path) {
  const std::size_t n = text.size();
  int line = 1, brackets = 0, header_dots = 0, line_key_dots = 0, segment_dots = 0;
  bool line_start = true, in_header = false;
  auto fail = [&] {
    throw ConfigError(fmt::format("{}:{}: nesting deeper than {} levels (tables, dotted keys and arrays); "
                                  "experiment files are not nested this deep",
                                  path, line, kMaxNesting));
  };
  // Open arrays and inline tables: a close that matches none is a syntax
  // error on which toml++ 3.3 trips an assertion in parse_value (`-=[}`,
  // found by tests/fuzz), so it is reported here.
  std::string open;
  auto close = [&](char opener) {
    if (open.empty() || open.back() != opener)
      throw ConfigError(fmt::format("{}:{}: TOML syntax error: '{}' closes no '{}'", path, line,
                                    opener == '[' ? ']' : '}', opener));
    open.pop_back();
    --brackets;
  };
  auto depth_check = [&](int extra) {
    if (header_dots + line_key_dots + brackets + extra > kMaxNesting) fail();
  };
  for (std::size_t i = 0; i < n; ++i) {
    const char ch = text[i];
    if (ch == '\n') {
      ++line;
      line_start = true;
      line_key_dots = segment_dots = 0;
      in_header = false;
      continue;
    }
    if (ch == '#') {
      while (i + 1 < n && text[i + 1] != '\n') ++i;
      continue;
    }
    if (ch == '"' || ch == '\'') {
      const bool multi = i + 2 < n && text[i + 1] == ch && text[i + 2] == ch;
      const bool escapes = ch == '"';
      i += multi ? 3 : 1;
      for (; i < n; ++i) {
        if (text[i] == '\n') {
          if (!multi) break;  // unterminated: the parser reports it
          ++line;
        }
        if (escapes && text[i] == '\\') {
          if (i + 1 < n && text[i + 1] == '\n') ++line;
          ++i;
          continue;
        }
        if (text[i] == ch && (!multi || (i + 2 < n && text[i + 1] == ch && text[i + 2] == ch))) {
          if (multi) {
            i += 2;
            // A closing """ may follow up to two quotes that belong to the string.
            for (int extra = 0; extra < 2 && i + 1 < n && text[i + 1] == ch; ++extra) ++i;
          }
          break;
        }
      }
      if (i < n && text[i] == '\n') --i;  // let the newline be counted above
      line_start = false;
      continue;
    }
    if (ch == ' ' || ch == '\t' || ch == '\r') continue;
    const bool first = line_start;
    line_start = false;
    switch (ch) {
      case '.':
        ++segment_dots;
        depth_check(segment_dots);
        break;
      case '[':
        if (first && brackets == 0) {
          in_header = true;
          header_dots = 0;
          segment_dots = 0;
          if (i + 1 < n && text[i + 1] == '[') ++i;
          // toml++ 3.3 asserts (release builds: assumes) that a key follows
          // "[" and misbehaves on "[" then a line end; found by tests/fuzz.
          std::size_t k = i + 1;
          while (k < n && (text[k] == ' ' || text[k] == '\t')) ++k;
          const char next = k < n ? text[k] : '\n';
          if (!(std::isalnum(static_cast<unsigned char>(next)) || next == '_' || next == '-' || next == '"' ||
                next == '\''))
            throw ConfigError(fmt::format("{}:{}: TOML syntax error: a [table] header needs a name", path, line));
        } else {
          ++brackets;
          open.push_back('[');
          depth_check(0);
          segment_dots = 0;
        }
        break;
      case ']':
        if (in_header) {
          header_dots = segment_dots;
          segment_dots = 0;
          in_header = false;
          if (i + 1 < n && text[i + 1] == ']') ++i;
          depth_check(1);
        } else {
          close('[');
          segment_dots = 0;
        }
        break;
      case '{':
        ++brackets;
        open.push_back('{');
        depth_check(0);
        segment_dots = 0;
        break;
      case '}':
        close('{');
        segment_dots = 0;
        break;
      case '=':
        line_key_dots += segment_dots;
        segment_dots = 0;
        depth_check(1);
        break;
      case ',': segment_dots = 0; break;
      default:
        // TOML 1.0 allows non-ASCII only in strings and comments; toml++ 3.3
        // reaches TOML_UNREACHABLE (undefined behaviour) on some of them
        // after a value (`a = 1 ²`), found by tests/fuzz.
        if (static_cast<unsigned char>(ch) >= 0x80)
          throw ConfigError(fmt::format("{}:{}: TOML syntax error: a non-ASCII character outside a string or comment",
                                        path, line));
        break;
    }
  }
}

struct SweepAxis {
  std::string key;
  std::vector<Value> values;
  std::string where;
};

}  // namespace

void check_common(const Config& c) {
  // experiment.name becomes a directory (<runs_dir>/<name>/) and a Slurm job
  // name: one plain path component of printable characters.
  const std::string name = c.name();
  if (name.empty()) c.fail("experiment.name", "must not be empty (it names the runs' directory)");
  if (name.size() > kMaxNameBytes)
    c.fail("experiment.name", fmt::format("is {} bytes long; at most {} (it names a directory)", name.size(),
                                          kMaxNameBytes));
  if (name == "." || name == "..") c.fail("experiment.name", fmt::format("\"{}\" is not a directory name", name));
  for (unsigned char ch : name) {
    if (ch == '/' || ch == '\\')
      c.fail("experiment.name", "must not contain '/' or '\\' (it is one directory name, not a path)");
    if (ch < 0x20 || ch == 0x7f)
      c.fail("experiment.name", fmt::format("must not contain control characters (found byte 0x{:02x})", ch));
  }
}

Value parse_override_value(const std::string& text, const Param& param, const std::string& where) {
  toml::table doc;
  bool parsed = true;
  try {
    doc = toml::parse("v = " + text);
  } catch (const toml::parse_error&) {
    parsed = false;
  }
  // A string parameter takes the text as it is unless it is a quoted TOML
  // string: slurm.time=01:00:00 would otherwise parse as a TOML time.
  if (param.type == Type::String && parsed && doc.contains("v") && !doc.get("v")->is_string()) parsed = false;
  if (!parsed || !doc.contains("v")) {
    // Not TOML: a bare word is a string (so `integration.methods=verlet` is
    // not an error, but a list must be written as TOML).
    if (param.type == Type::String) {
      Value v = text;
      if (auto msg = check_bounds(param, v); !msg.empty())
        throw ConfigError(fmt::format("{}: {}: {}", where, param.key, msg));
      return v;
    }
    throw ConfigError(fmt::format("{}: {}: expected {}, found '{}' which is not a TOML value", where, param.key,
                                  type_name(param.type), text));
  }
  return convert(*doc.get("v"), param, where);
}

std::vector<Config> load_experiment(const std::string& path, const SchemaLookup& lookup, const LoadOptions& options) {
  namespace fs = std::filesystem;
  if (!fs::exists(path)) throw ConfigError(fmt::format("{}: no such experiment file", path));
  if (fs::is_directory(path)) throw ConfigError(fmt::format("{}: is a directory, not an experiment file", path));
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) throw ConfigError(fmt::format("{}: cannot read the experiment file", path));
  return load_experiment_text(text.str(), path, lookup, options);
}

std::vector<Config> load_experiment_text(const std::string& text, const std::string& path, const SchemaLookup& lookup,
                                         const LoadOptions& options) {
  namespace fs = std::filesystem;
  check_nesting(text, path);
  toml::table doc;
  try {
    doc = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}:{}: TOML syntax error: {}", path, e.source().begin.line,
                                  e.source().begin.column, e.description()));
  }

  // The kind decides the schema, so it comes first; an override of it picks
  // the schema the file is then checked against.
  const toml::node* kind_node = doc.at_path("experiment.kind").node();
  std::optional<std::string> kind;
  std::string kind_where;
  for (const auto& o : options.overrides)
    if (o.rfind("experiment.kind=", 0) == 0) {
      kind_where = fmt::format("command-line override '{}'", o);
      kind = std::get<std::string>(parse_override_value(o.substr(o.find('=') + 1), kind_param(), kind_where));
    }
  if (!kind) {
    if (!kind_node)
      throw ConfigError(fmt::format("{}: experiment.kind: missing; add [experiment] kind = \"...\"", path));
    kind_where = where_of(path, *kind_node);
    kind = kind_node->value_exact<std::string>();
    if (!kind)
      throw ConfigError(
          fmt::format("{}: experiment.kind: expected string, found {}", kind_where, describe(*kind_node)));
  }
  const Schema* schema = lookup(*kind);
  if (!schema) {
    auto hint = did_you_mean(*kind, options.known_kinds);
    throw ConfigError(fmt::format("{}: experiment.kind: unknown experiment kind \"{}\"{}", kind_where, *kind,
                                  hint ? fmt::format(" (did you mean \"{}\"?)", *hint)
                                       : fmt::format(" (known: {})", fmt::join(options.known_kinds, ", "))));
  }

  Config base(schema, path);
  base.set("experiment.name", fs::path(path).stem().string(), "default");
  std::vector<std::pair<std::string, const toml::node*>> leaves;
  flatten(doc, "", leaves);
  for (const auto& [key, node] : leaves) {
    const std::string where = where_of(path, *node);
    const Param* p = schema->find(key);
    if (!p) unknown_key(where, key, *schema, *kind);
    base.set(key, convert(*node, *p, where), where);
  }

  // Sweep axes: [sweep] "key" = [values] (cartesian product) and
  // [sweep.zip] "key" = [values] (advanced together, equal lengths).
  std::vector<SweepAxis> product, zipped;
  if (const toml::node* sweep_node = doc.get("sweep")) {
    const toml::table* sweep = sweep_node->as_table();
    if (!sweep) throw ConfigError(fmt::format("{}: sweep: expected a table", where_of(path, *sweep_node)));
    auto read_axes = [&](const toml::table& t, std::vector<SweepAxis>& axes, const std::string& table_name) {
      for (auto&& [k, v] : t) {
        const std::string key(k.str());
        if (table_name == "sweep" && key == "zip") continue;
        const std::string where = where_of(path, v);
        const Param* p = schema->find(key);
        if (!p) {
          auto hint = did_you_mean(key, schema->keys());
          throw ConfigError(fmt::format("{}: [{}] sweeps unknown key '{}'{}", where, table_name, key,
                                        hint ? fmt::format(" (did you mean '{}'?)", *hint) : ""));
        }
        if (key == "experiment.kind")
          throw ConfigError(fmt::format("{}: [{}] experiment.kind: the kind cannot be swept (it decides which keys "
                                        "exist); write one file per kind",
                                        where, table_name));
        const toml::array* a = v.as_array();
        if (!a || a->empty())
          throw ConfigError(fmt::format("{}: [{}] {}: expected a non-empty array of values", where, table_name, key));
        if (a->size() > kMaxSweepRuns)
          throw ConfigError(fmt::format("{}: [{}] {}: {} values, more than the {} runs a file may expand to", where,
                                        table_name, key, a->size(), kMaxSweepRuns));
        SweepAxis axis{key, {}, where};
        for (std::size_t i = 0; i < a->size(); ++i) axis.values.push_back(convert(*a->get(i), *p, where));
        axes.push_back(std::move(axis));
      }
    };
    read_axes(*sweep, product, "sweep");
    if (const toml::node* z = sweep->get("zip")) {
      if (!z->as_table()) throw ConfigError(fmt::format("{}: sweep.zip: expected a table", where_of(path, *z)));
      read_axes(*z->as_table(), zipped, "sweep.zip");
      for (const auto& a : zipped)
        if (a.values.size() != zipped.front().values.size())
          throw ConfigError(fmt::format("{}: [sweep.zip] {}: has {} values but {} has {}; zipped lists must have "
                                        "equal lengths",
                                        a.where, a.key, a.values.size(), zipped.front().key,
                                        zipped.front().values.size()));
    }
  }

  // Command-line overrides win over the file and over a sweep of the same key.
  for (const auto& o : options.overrides) {
    const auto eq = o.find('=');
    if (eq == std::string::npos || eq == 0)
      throw ConfigError(fmt::format("override '{}': expected key.path=value", o));
    const std::string key = o.substr(0, eq);
    const Param* p = schema->find(key);
    const std::string where = fmt::format("command-line override '{}'", o);
    if (!p) unknown_key(where, key, *schema, *kind);
    base.set(key, parse_override_value(o.substr(eq + 1), *p, where), where);
    auto drop = [&](std::vector<SweepAxis>& axes) {
      std::erase_if(axes, [&](const SweepAxis& a) { return a.key == key; });
    };
    drop(product);
    drop(zipped);
  }

  // Expand: product axes in key order (the last varies fastest), then the
  // zipped group as one more axis, varying fastest of all.
  std::sort(product.begin(), product.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  std::vector<std::size_t> radix;
  for (const auto& a : product) radix.push_back(a.values.size());
  if (!zipped.empty()) radix.push_back(zipped.front().values.size());
  // Counted before expanding (saturating), so a huge product is refused
  // without first building its runs.
  std::size_t total = 1;
  for (auto r : radix) total = total > kMaxSweepRuns / r ? kMaxSweepRuns + 1 : total * r;
  if (total > kMaxSweepRuns) {
    std::vector<std::string> sizes;
    for (const auto& a : product) sizes.push_back(fmt::format("{} ({})", a.key, a.values.size()));
    if (!zipped.empty()) sizes.push_back(fmt::format("[sweep.zip] ({})", zipped.front().values.size()));
    throw ConfigError(fmt::format("{}: [sweep]: expands to more than {} runs ({}); split it into several files or "
                                  "sweep fewer values",
                                  path, kMaxSweepRuns, fmt::join(sizes, " x ")));
  }
  std::vector<Config> runs;
  for (std::size_t index = 0; index < total; ++index) {
    Config c = base;
    std::size_t rest = index;
    std::vector<std::size_t> digit(radix.size());
    for (std::size_t k = radix.size(); k-- > 0;) {
      digit[k] = rest % radix[k];
      rest /= radix[k];
    }
    for (std::size_t k = 0; k < product.size(); ++k)
      c.set(product[k].key, product[k].values[digit[k]], product[k].where + " (sweep)");
    for (const auto& a : zipped) c.set(a.key, a.values[digit.back()], a.where + " (sweep.zip)");
    c.sweep_index = static_cast<int>(index);
    c.sweep_size = static_cast<int>(total);
    check_common(c);
    runs.push_back(std::move(c));
  }
  return runs;
}

}  // namespace structura::pipeline
