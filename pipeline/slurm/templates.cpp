#include "slurm/templates.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/error.hpp"

namespace structura::pipeline::slurm {

namespace fs = std::filesystem;

namespace {

bool holds_templates(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "slurm" / "group.sbatch", ec);
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

// A block of comment or directive lines, none empty.
bool is_comment_block(const std::string& value) {
  std::size_t start = 0;
  while (start <= value.size()) {
    const std::size_t end = std::min(value.find('\n', start), value.size());
    const std::string line = value.substr(start, end - start);
    if (line.empty() || line[0] != '#') return false;
    for (char c : line)
      if (is_control(static_cast<unsigned char>(c))) return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

fs::path data_dir() {
  std::vector<fs::path> searched;
  if (const char* env = std::getenv("STRUCTURA_DATA_DIR"); env && *env) {
    if (holds_templates(env)) return env;
    throw Error(
        fmt::format("STRUCTURA_DATA_DIR={} holds no slurm/group.sbatch; unset it or point it at the "
                    "directory with slurm/ and sites/",
                    env));
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "structura";
    if (holds_templates(installed)) return installed;
    searched.push_back(installed);
  }
#ifdef STRUCTURA_SOURCE_DIR
  const fs::path source = fs::path(STRUCTURA_SOURCE_DIR) / "jobs";
  if (holds_templates(source)) return source;
  searched.push_back(source);
#endif
  std::string list;
  for (const auto& p : searched) {
    list += ' ';
    list += p.string();
  }
  throw Error(fmt::format("cannot find the Slurm templates (slurm/group.sbatch) in:{}; set STRUCTURA_DATA_DIR", list));
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("cannot read {}", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string render(const std::string& text, const std::map<std::string, std::string>& values,
                   const std::string& where) {
  std::string out;
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    std::string rendered;
    std::size_t pos = 0;
    int placeholders = 0;
    bool all_empty = true;
    std::string multiline;  // the placeholder whose value spans lines, if any
    while (true) {
      const std::size_t open = line.find("{{", pos);
      if (open == std::string::npos) {
        rendered += line.substr(pos);
        break;
      }
      const std::size_t close = line.find("}}", open + 2);
      if (close == std::string::npos) throw Error(fmt::format("{}:{}: '{{{{' without a closing '}}}}'", where, number));
      std::string name = line.substr(open + 2, close - open - 2);
      name.erase(0, name.find_first_not_of(' '));
      name.erase(name.find_last_not_of(' ') + 1);
      const auto it = values.find(name);
      if (it == values.end()) {
        std::string known;
        for (const auto& [k, v] : values) known += " " + k;
        throw Error(fmt::format("{}:{}: unknown placeholder {{{{{}}}}} (known:{})", where, number, name, known));
      }
      for (char ch : it->second) {
        if (ch == '\n') multiline = name;
        else if (is_control(static_cast<unsigned char>(ch)))
          throw Error(
              fmt::format("{}:{}: the value of {{{{{}}}}} holds the control character 0x{:02x}; refusing to "
                          "write it into a batch script",
                          where, number, name, static_cast<int>(static_cast<unsigned char>(ch))));
      }
      rendered += line.substr(pos, open - pos) + it->second;
      ++placeholders;
      all_empty = all_empty && it->second.empty();
      pos = close + 2;
    }
    const bool only_placeholder = placeholders == 1 && line.find_first_not_of(" \t") == line.find("{{") &&
                                  line.find_last_not_of(" \t") == line.rfind("}}") + 1;
    if (!multiline.empty() && !(only_placeholder && is_comment_block(values.at(multiline))))
      throw Error(
          fmt::format("{}:{}: the value of {{{{{}}}}} spans lines that are not all '#' lines; bash would run "
                      "them: refusing to write it into a batch script",
                      where, number, multiline));
    if (only_placeholder && all_empty) continue;
    out += rendered + "\n";
  }
  return out;
}

}  // namespace structura::pipeline::slurm
