#include <stdexcept>

#include "slurm/slurm.hpp"

namespace structura::pipeline::slurm {

int submit_command(const SubmitOptions&) { throw std::runtime_error("structura submit: not implemented yet"); }
int status_command(const std::vector<std::string>&) { throw std::runtime_error("structura status: not implemented yet"); }

}  // namespace structura::pipeline::slurm
