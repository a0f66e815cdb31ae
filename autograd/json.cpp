#include "autograd/json.hpp"

namespace xgrad::json_io {

nlohmann::json parse(const std::string& text) { return nlohmann::json::parse(text); }

std::string dump(const nlohmann::json& j, int indent) { return j.dump(indent); }
std::string dump(const nlohmann::ordered_json& j, int indent) { return j.dump(indent); }

}  // namespace xgrad::json_io
