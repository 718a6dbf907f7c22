#include "core/mpi.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/error.hpp"

namespace structura::mpi {

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw Error(fmt::format("MPI call {} failed: {}", what, std::string(text, len)));
}

int Comm::rank() const {
  int r = 0;
  check(MPI_Comm_rank(comm_, &r), "MPI_Comm_rank");
  return r;
}

int Comm::size() const {
  int s = 0;
  check(MPI_Comm_size(comm_, &s), "MPI_Comm_size");
  return s;
}

void Comm::barrier() const { check(MPI_Barrier(comm_), "MPI_Barrier"); }

namespace {
template <class T>
T reduce(MPI_Comm comm, T local, MPI_Datatype type, MPI_Op op) {
  T out{};
  check(MPI_Allreduce(&local, &out, 1, type, op, comm), "MPI_Allreduce");
  return out;
}
}  // namespace

double Comm::sum(double v) const { return reduce(comm_, v, MPI_DOUBLE, MPI_SUM); }
double Comm::max(double v) const { return reduce(comm_, v, MPI_DOUBLE, MPI_MAX); }
double Comm::min(double v) const { return reduce(comm_, v, MPI_DOUBLE, MPI_MIN); }
std::int64_t Comm::sum(std::int64_t v) const { return reduce(comm_, v, MPI_INT64_T, MPI_SUM); }
std::int64_t Comm::max(std::int64_t v) const { return reduce(comm_, v, MPI_INT64_T, MPI_MAX); }
std::int64_t Comm::min(std::int64_t v) const { return reduce(comm_, v, MPI_INT64_T, MPI_MIN); }

std::string Comm::first_error(const std::string& local) const {
  const std::int64_t owner = min(local.empty() ? std::int64_t{size()} : std::int64_t{rank()});
  if (owner == size()) return "";
  std::string message = local;
  broadcast(message, static_cast<int>(owner));
  return message;
}
bool Comm::any(bool v) const { return reduce<int>(comm_, v ? 1 : 0, MPI_INT, MPI_MAX) != 0; }

void Comm::sum_in_place(std::vector<double>& values) const {
  check(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE,
                      MPI_SUM, comm_),
        "MPI_Allreduce");
}

void Comm::broadcast(std::string& text, int root) const {
  std::int64_t n = static_cast<std::int64_t>(text.size());
  broadcast(n, root);
  text.resize(static_cast<std::size_t>(n));
  check(MPI_Bcast(text.data(), static_cast<int>(n), MPI_CHAR, root, comm_), "MPI_Bcast");
}

void Comm::broadcast(double& value, int root) const {
  check(MPI_Bcast(&value, 1, MPI_DOUBLE, root, comm_), "MPI_Bcast");
}

void Comm::broadcast(std::int64_t& value, int root) const {
  check(MPI_Bcast(&value, 1, MPI_INT64_T, root, comm_), "MPI_Bcast");
}

std::vector<std::string> Comm::host_names() const {
  char name[MPI_MAX_PROCESSOR_NAME] = {};
  int len = 0;
  check(MPI_Get_processor_name(name, &len), "MPI_Get_processor_name");
  std::vector<char> all(static_cast<std::size_t>(size()) * MPI_MAX_PROCESSOR_NAME);
  check(MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, all.data(), MPI_MAX_PROCESSOR_NAME,
                      MPI_CHAR, comm_),
        "MPI_Allgather");
  std::set<std::string> unique;
  for (int r = 0; r < size(); ++r) unique.insert(std::string(all.data() + r * MPI_MAX_PROCESSOR_NAME));
  return {unique.begin(), unique.end()};
}

Environment::Environment(int& argc, char**& argv) {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) {
    int provided = 0;
    check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    owns_ = true;
  }
}

Environment::~Environment() {
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (owns_ && !finalised) MPI_Finalize();
}

std::string library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int len = 0;
  MPI_Get_library_version(text, &len);
  std::string s(text, static_cast<std::size_t>(len));
  auto nl = s.find_first_of("\n,");
  return nl == std::string::npos ? s : s.substr(0, nl);
}

}  // namespace structura::mpi
