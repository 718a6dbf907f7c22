// The XDMF sidecar of /fields/truth, so ParaView (Xdmf3 reader) opens the
// phantoms without a plugin: a temporal collection with one 2D grid per
// phantom, each a hyperslab (p, :, :) of the one (P, n, n) dataset.
// The grid is rectilinear rather than uniform because row 0 of our images
// is the TOP (geometry.hpp): the y coordinates run downwards, which a
// rectilinear grid states exactly and a uniform grid could only state with a
// negative spacing that VTK does not reliably support.
#include <fmt/format.h>

#include "experiments/ct_classical/stages.hpp"

namespace structura::pipeline::ct_classical {

namespace {
// n + 1 cell boundaries from `from` to `to`.
std::string boundaries(int n, double from, double to) {
  std::string out;
  for (int i = 0; i <= n; ++i) out += fmt::format("{}{:.17g}", i ? " " : "", from + (to - from) * i / n);
  return out;
}
}  // namespace

std::string truth_xdmf(const std::string& h5_name, long phantoms, int n, double extent) {
  const double h = extent / 2;
  const std::string xs = boundaries(n, -h, h), ys = boundaries(n, h, -h);
  std::string out = "<?xml version=\"1.0\" ?>\n<Xdmf Version=\"3.0\">\n <Domain>\n";
  out += "  <Grid Name=\"truth\" GridType=\"Collection\" CollectionType=\"Temporal\">\n";
  for (long p = 0; p < phantoms; ++p) {
    out += fmt::format("   <Grid Name=\"phantom {}\" GridType=\"Uniform\">\n    <Time Value=\"{}\"/>\n", p, p);
    out += fmt::format("    <Topology TopologyType=\"2DRectMesh\" Dimensions=\"{} {}\"/>\n", n + 1, n + 1);
    out += "    <Geometry GeometryType=\"VXVY\">\n";
    out += fmt::format("     <DataItem Format=\"XML\" NumberType=\"Float\" Precision=\"8\" Dimensions=\"{}\">{}</DataItem>\n",
                       n + 1, xs);
    out += fmt::format("     <DataItem Format=\"XML\" NumberType=\"Float\" Precision=\"8\" Dimensions=\"{}\">{}</DataItem>\n",
                       n + 1, ys);
    out += "    </Geometry>\n    <Attribute Name=\"truth\" AttributeType=\"Scalar\" Center=\"Cell\">\n";
    out += fmt::format("     <DataItem ItemType=\"HyperSlab\" Dimensions=\"{} {}\" Type=\"HyperSlab\">\n", n, n);
    out += fmt::format("      <DataItem Format=\"XML\" Dimensions=\"3 3\">{} 0 0 1 1 1 1 {} {}</DataItem>\n", p, n, n);
    out += fmt::format(
        "      <DataItem Format=\"HDF\" NumberType=\"Float\" Precision=\"8\" Dimensions=\"{} {} {}\">{}:/fields/truth</DataItem>\n",
        phantoms, n, n, h5_name);
    out += "     </DataItem>\n    </Attribute>\n   </Grid>\n";
  }
  out += "  </Grid>\n </Domain>\n</Xdmf>\n";
  return out;
}

}  // namespace structura::pipeline::ct_classical
