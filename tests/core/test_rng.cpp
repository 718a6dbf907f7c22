// The counter-based generator: Random123's published known-answer vectors
// for Philox4x64-10, and the property the ensembles rely on, that a draw
// depends only on (seed, stream, item, draw).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>

#include "core/rng.hpp"

using namespace structura;

TEST_CASE("Philox4x64-10 reproduces Random123's known-answer vectors") {
  // From Random123's tests/kat_vectors: "philox4x64 10 <ctr x4> <key x2>  <out x4>".
  struct Kat {
    std::uint64_t ctr[4], key[2], out[4];
  };
  const Kat kats[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x16554d9eca36314cull, 0xdb20fe9d672d0fdcull, 0xd7e772cee186176bull, 0x7e68b68aec7ba23bull}},
      {{~0ull, ~0ull, ~0ull, ~0ull},
       {~0ull, ~0ull},
       {0x87b092c3013fe90bull, 0x438c3c67be8d0224ull, 0x9cc7d7c69cd777b6ull, 0xa09caebf594f0ba0ull}},
      {{0x243f6a8885a308d3ull, 0x13198a2e03707344ull, 0xa4093822299f31d0ull, 0x082efa98ec4e6c89ull},
       {0x452821e638d01377ull, 0xbe5466cf34e90c6cull},
       {0xa528f45403e61d95ull, 0x38c72dbd566e9788ull, 0xa5a1610e72fd18b5ull, 0x57bd43b5e52b7fe6ull}},
  };
  for (const auto& k : kats) {
    CounterRng::Engine engine;
    CounterRng::Engine::ctr_type ctr = {{k.ctr[0], k.ctr[1], k.ctr[2], k.ctr[3]}};
    CounterRng::Engine::key_type key = {{k.key[0], k.key[1]}};
    const auto r = engine(ctr, key);
    for (int i = 0; i < 4; ++i) CHECK(r.v[i] == k.out[i]);
    // Our wrapper maps (seed, stream) to the key and (item, draw) to the first counter words.
    if (k.ctr[2] == 0 && k.ctr[3] == 0) {
      const auto w = CounterRng(k.key[0], k.key[1]).bits(k.ctr[0], k.ctr[1]);
      for (int i = 0; i < 4; ++i) CHECK(w.v[i] == k.out[i]);
    }
  }
}

TEST_CASE("uniforms lie in the open unit interval and have the right moments") {
  const CounterRng rng(7, 0);
  const int n = 200000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n / 4; ++i) {
    const auto u = rng.uniform4(static_cast<std::uint64_t>(i), 0);
    for (double x : u.u) {
      REQUIRE(x > 0.0);
      REQUIRE(x < 1.0);
      sum += x;
      sum2 += x * x;
    }
  }
  const double mean = sum / n, var = sum2 / n - mean * mean;
  // Standard errors: 1/sqrt(12 n) for the mean; tolerance 5 of them.
  CHECK(std::fabs(mean - 0.5) < 5.0 / std::sqrt(12.0 * n));
  CHECK(std::fabs(var - 1.0 / 12.0) < 5.0 * std::sqrt(1.0 / 180.0 / n));
}

TEST_CASE("a draw depends only on its key and counter, not on the order of draws") {
  const CounterRng a(99, 3), b(99, 3);
  const auto late = a.uniform4(123456, 2);
  for (int i = 0; i < 1000; ++i) (void)b.uniform4(static_cast<std::uint64_t>(i), 0);
  const auto again = b.uniform4(123456, 2);
  for (int k = 0; k < 4; ++k) CHECK(late.u[k] == again.u[k]);
  CHECK(CounterRng(100, 3).uniform4(123456, 2).u[0] != late.u[0]);
}
