// Where structura finds its data files (Slurm templates, site profiles), and
// the {{name}} substitution that renders a template.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace structura::pipeline::slurm {

// The directory holding slurm/*.sbatch and sites/*.toml, in this order:
// $STRUCTURA_DATA_DIR; <dir of the executable>/../share/structura (an
// installed tree); the source tree's jobs/ (a build tree). Throws Error
// naming the places searched when none holds the templates.
std::filesystem::path data_dir();

// Replaces every {{name}} in `text` by values.at(name). A line that holds
// nothing but one placeholder whose value is empty disappears, so optional
// #SBATCH lines leave no gap. An unknown name is an error (a typo in a
// template must not reach sbatch); `where` names the template in messages.
// No value can add a line that bash would run: a value with a control
// character is an error, except a block of lines each starting with '#'
// (the #SBATCH directives) in a placeholder alone on its line. Callers check
// the values first and name the key; this is the last guard.
std::string render(const std::string& text, const std::map<std::string, std::string>& values, const std::string& where);

std::string read_file(const std::filesystem::path& path);

}  // namespace structura::pipeline::slurm
