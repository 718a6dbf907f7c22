#include "core/error.hpp"

namespace structura {

void require(bool condition, const std::string& message) {
  if (!condition) throw InputError(message);
}

}  // namespace structura
