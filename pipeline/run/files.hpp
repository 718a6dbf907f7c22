// Small file helpers shared by the runner and the Slurm records.
#pragma once

#include <filesystem>
#include <string>

namespace structura::pipeline {

// Writes `text` to `path` so that readers see the old or the new content,
// never a torn file: a temporary file, fsync, rename.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);
void fsync_file(const std::filesystem::path& path);
std::string read_text_file(const std::filesystem::path& path);

}  // namespace structura::pipeline
