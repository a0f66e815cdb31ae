// The library's JSON reader and writer. nlohmann::json's parser and serializer are large
// templates: called from each file that reads or writes JSON (model.json, safetensors headers, the
// digits split), every one of those objects carried its own copy. These two functions instantiate
// them once (autograd/json.cpp); everything else about nlohmann::json stays as it is.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace xgrad::json_io {

// nlohmann::json::parse(text): throws nlohmann::json::parse_error on text that is not JSON.
nlohmann::json parse(const std::string& text);
// j.dump(indent): -1 gives one line, n >= 0 a new line per member indented by n spaces.
std::string dump(const nlohmann::json& j, int indent = -1);
std::string dump(const nlohmann::ordered_json& j, int indent = -1);

}  // namespace xgrad::json_io
