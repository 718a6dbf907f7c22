// Parallel HDF5 round trip: every rank writes its block of chunked,
// compressed datasets collectively; the file is read back serially and
// compared with the analytic fill. Run on 1 and 2 ranks.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "core/h5.hpp"
#include "core/mpi.hpp"

using namespace structura;
using h5::Dims;
using h5::Handle;

namespace {
double fill(std::size_t k, std::size_t i, std::size_t d) { return 1e6 * double(k) + 10.0 * double(i) + double(d) + 0.25; }

std::string temp_path(const mpi::Comm& comm, const std::string& name) {
  std::string dir = (std::filesystem::temp_directory_path() / ("structura-h5-" + std::to_string(::getpid()))).string();
  comm.broadcast(dir);
  if (comm.is_root()) std::filesystem::create_directories(dir);
  comm.barrier();
  return dir + "/" + name;
}
}  // namespace

TEST_CASE("collective chunked, deflated writes round-trip on any number of ranks") {
  mpi::Comm comm;
  const std::string path = temp_path(comm, "roundtrip.h5");
  const std::size_t T = 5, N = 37, n = 3;  // N not divisible by the rank count
  const Range mine = comm.block(N);
  {
    h5::File f = h5::File::open_parallel(path, h5::Mode::Create, comm.get());
    h5::Dataset d = f.create_dataset<double>("/timeseries/x/value", Dims{T, N, n}, {Dims{1, 16, n}, 4, "length"});
    for (std::size_t k = 0; k < T; ++k) {
      std::vector<double> buf;
      for (std::int64_t i = mine.begin; i < mine.end(); ++i)
        for (std::size_t c = 0; c < n; ++c) buf.push_back(fill(k, std::size_t(i), c));
      d.write(Dims{k, hsize_t(mine.begin), 0}, Dims{1, hsize_t(mine.count), n}, buf.data());
    }
    h5::Group g = f.require_group("/metrics/verlet");
    g.set_attribute("name", "störmer-verlet");
    g.set_attribute("order", std::int64_t{2});
    g.set_attribute("error", 1.5e-7);
    g.set_attribute("series", std::vector<double>{1, 2, 3});
    f.write_dataset("/timeseries/x/step", std::vector<std::int64_t>{0, 10, 20, 30, 40}, Dims{T});
    f.write_string_dataset("/config", "[a]\nb = 1\n");
  }
  comm.barrier();
  if (comm.is_root()) {
    h5::File f = h5::File::open(path, h5::Mode::ReadOnly);
    h5::Dataset d = f.open_dataset("/timeseries/x/value");
    CHECK(d.dims() == Dims{T, N, n});
    CHECK(d.string_attribute("unit") == "length");
    const auto all = d.read_all<double>();
    std::size_t wrong = 0;
    for (std::size_t k = 0; k < T; ++k)
      for (std::size_t i = 0; i < N; ++i)
        for (std::size_t c = 0; c < n; ++c) wrong += all[(k * N + i) * n + c] != fill(k, i, c);
    CHECK(wrong == 0);
    h5::Group g = f.open_group("/metrics/verlet");
    CHECK(g.string_attribute("name") == "störmer-verlet");
    CHECK(g.int_attribute("order") == 2);
    CHECK(g.double_attribute("error") == 1.5e-7);
    CHECK(g.doubles_attribute("series") == std::vector<double>{1, 2, 3});
    CHECK(f.open_dataset("/timeseries/x/step").read_all<std::int64_t>() == std::vector<std::int64_t>{0, 10, 20, 30, 40});
    CHECK(f.read_string_dataset("/config") == "[a]\nb = 1\n");
    CHECK(f.exists("/timeseries/x"));
    CHECK_FALSE(f.exists("/timeseries/y/value"));
    CHECK(f.open_group("/timeseries").children() == std::vector<std::string>{"x"});
    std::filesystem::remove_all(std::filesystem::path(path).parent_path());
  }
}

TEST_CASE("HDF5 failures become exceptions that name the object") {
  if (mpi::Comm().is_root()) {
    try {
      h5::File::open("/nonexistent/dir/file.h5", h5::Mode::ReadOnly);
      FAIL("no exception");
    } catch (const h5::Error& e) {
      CHECK(std::string(e.what()).find("/nonexistent/dir/file.h5") != std::string::npos);
    }
  }
}

TEST_CASE("every dataset carries a checksum that verify_readable checks, also after parallel writes") {
  mpi::Comm comm;
  const std::string path = temp_path(comm, "checksums.h5");
  const std::size_t N = 301;  // not a multiple of the rank count
  const Range mine = comm.block(N);
  {
    h5::File f = h5::File::open_parallel(path, h5::Mode::Create, comm.get());
    // No chunks chosen: create_dataset chunks it itself, with Fletcher32.
    h5::Dataset d = f.create_dataset<double>("/data/x", Dims{N, 4});
    std::vector<double> buf;
    for (std::int64_t i = mine.begin; i < mine.end(); ++i)
      for (int c = 0; c < 4; ++c) buf.push_back(fill(0, std::size_t(i), std::size_t(c)));
    d.write(Dims{hsize_t(mine.begin), 0}, Dims{hsize_t(mine.count), 4}, buf.data());
    f.write_string_dataset("/config", "[a]\nb = 1\n");  // compact: every rank writes the same text
    f.close();
  }
  comm.barrier();
  if (comm.is_root()) {
    std::uint64_t offset = 0;
    {
      h5::File f = h5::File::open(path, h5::Mode::ReadOnly);
      CHECK_NOTHROW(h5::verify_readable(f));
      CHECK(f.read_string_dataset("/config") == "[a]\nb = 1\n");
      const h5::Dataset d = f.open_dataset("/data/x");
      Handle dcpl(H5Dget_create_plist(d.id()), H5Pclose, "H5Dget_create_plist");
      CHECK(H5Pget_nfilters(dcpl.id()) == 1);
      CHECK(H5Pget_layout(dcpl.id()) == H5D_CHUNKED);
      haddr_t addr = 0;
      hsize_t size = 0;
      Handle space(H5Dget_space(d.id()), H5Sclose, "H5Dget_space");
      REQUIRE(H5Dget_chunk_info(d.id(), space.id(), 0, nullptr, nullptr, &addr, &size) >= 0);
      offset = addr + size / 2;
    }
    {  // one flipped byte in the stored data
      std::FILE* raw = std::fopen(path.c_str(), "r+b");
      REQUIRE(raw);
      std::fseek(raw, long(offset), SEEK_SET);
      const int c = std::fgetc(raw);
      std::fseek(raw, long(offset), SEEK_SET);
      std::fputc(c ^ 0x5a, raw);
      std::fclose(raw);
    }
    h5::File f = h5::File::open(path, h5::Mode::ReadOnly);
    try {
      h5::verify_readable(f);
      FAIL("a corrupted chunk passed verify_readable");
    } catch (const h5::Error& e) {
      CHECK(std::string(e.what()).find("/data/x") != std::string::npos);
    }
    CHECK_NOTHROW(h5::verify_readable(f, ""));  // metadata only: intact
    std::filesystem::remove_all(std::filesystem::path(path).parent_path());
  }
}
