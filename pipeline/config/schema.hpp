// The parameters an experiment file may contain: for each dotted key its
// type, default, allowed range or choices, and one line of meaning. Every
// experiment kind declares its own schema and shares the common tables
// ([experiment], [run], [slurm]).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace structura::pipeline {

enum class Type { Int, Float, Bool, String, StringList, FloatList, IntList };

std::string type_name(Type t);

using Value = std::variant<std::int64_t, double, bool, std::string, std::vector<std::string>, std::vector<double>,
                           std::vector<std::int64_t>>;

std::string value_to_string(const Value& v);  // as TOML would write it

// A bound of a number: inclusive unless made with above()/below(). Converts
// from a double so schemas write plain numbers for inclusive bounds.
struct Bound {
  double value;
  bool exclusive = false;
  Bound(double v, bool excl = false) : value(v), exclusive(excl) {}  // NOLINT: implicit on purpose
};
inline Bound above(double v) { return Bound(v, true); }  // exclusive lower bound: x > v
inline Bound below(double v) { return Bound(v, true); }  // exclusive upper bound: x < v

// Integers without a declared upper bound are limited to this (stages hold
// counts in int, and a count beyond it is not a run that finishes); a key
// that needs more declares its own max.
inline constexpr double kDefaultIntMax = 2147483647.0;

struct Param {
  std::string key;  // dotted path, e.g. "ensemble.trajectories"
  Type type;
  Value default_value;
  std::string meaning;
  std::optional<Bound> min = std::nullopt;  // bounds for numbers (each element of lists)
  std::optional<Bound> max = std::nullopt;
  std::vector<std::string> choices = {};  // allowed strings (each element of string lists)
  bool identity = true;  // part of the run's identity (false: resources, logging)
  bool allow_infinite = false;  // floats: inf/-inf accepted (NaN never is)
};

// The bounds a value is checked against, the implicit integer cap included.
std::optional<Bound> effective_max(const Param& p);
// "in (0, 2)", ">= 1", "<= 9" or "" for messages and `structura list`.
std::string range_text(const Param& p);

class Schema {
public:
  Schema& add(Param p);
  const Param* find(const std::string& key) const;
  const std::vector<Param>& params() const { return params_; }
  // Keys and table names for did-you-mean suggestions.
  std::vector<std::string> keys() const;

private:
  std::vector<Param> params_;
};

// Parameters every experiment kind has.
void add_common_params(Schema& s);

// Closest key by edit distance, if it is close enough to be a likely typo.
std::optional<std::string> did_you_mean(const std::string& key, const std::vector<std::string>& candidates);

}  // namespace structura::pipeline
