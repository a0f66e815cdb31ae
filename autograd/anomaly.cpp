// Anomaly mode: what each op recorded while it was on (name, inputs, the user's call site), kept
// beside the graph rather than in every node, and the NaN/Inf checks that name it.
#include <cmath>
#include <mutex>
#include <unordered_map>

#include "autograd/op.hpp"

namespace xgrad {

namespace autograd::detail {
std::atomic<bool> anomaly_enabled{false};
}  // namespace autograd::detail

namespace {
std::atomic<bool> g_check_forward{false};
thread_local const Where* g_call_site = nullptr;
// The last call site seen on this thread, for ops that take no location (a user's
// autograd::Function records the nearest one: the last op its forward called).
thread_local Where g_last_site(Where::Site{nullptr, 0});
thread_local bool g_checking = false;  // a device check copies to the CPU: no check of that copy

std::mutex g_records_mutex;
std::unordered_map<const Node*, std::unique_ptr<AnomalyRecord>>& records() {
  static auto* m =
      new std::unordered_map<const Node*, std::unique_ptr<AnomalyRecord>>;  // outlives static nodes
  return *m;
}
}  // namespace

std::atomic<int64_t> g_anomaly_records{0};

namespace autograd {
void set_detect_anomaly(bool on, bool check_forward) {
  g_check_forward.store(on && check_forward, std::memory_order_relaxed);
  detail::anomaly_enabled.store(on, std::memory_order_relaxed);
}
bool is_anomaly_check_forward_enabled() { return g_check_forward.load(std::memory_order_relaxed); }
}  // namespace autograd

const Where* current_call_site() { return g_call_site; }
void set_current_call_site(const Where* w) {
  g_call_site = w;
  if (w) g_last_site = *w;
}

namespace {
std::string site_str(const Where& w, bool nearest) {
  if (!w.file) return "";
  std::string s = std::string(w.file) + ":" + std::to_string(w.line);
  return nearest ? s + " (the nearest located call: the last op its forward ran)" : s;
}
void describe(std::string& s, const Tensor& t) {
  if (!s.empty()) s += ", ";
  s += t.defined() ? t.shape().str() + " " + dtype_name(t.dtype()) : "undefined";
}
std::unique_ptr<AnomalyRecord> make_record(const char* op, std::string inputs) {
  auto r = std::make_unique<AnomalyRecord>();
  r->op = op;
  r->inputs = std::move(inputs);
  if (const Where* w = current_call_site())
    r->site = site_str(*w, false);
  else
    r->site = site_str(g_last_site, true);
  return r;
}
std::string where_str(const AnomalyRecord& r) {
  std::string s = "'" + r.op + "' (inputs " + r.inputs + ")";
  return s + (r.site.empty() ? ", called from an unlocated call" : ", called at " + r.site);
}

// "" when every element is finite (int64 tensors always are), else "NaN" (when there is one) or
// "Inf".
const char* non_finite(const Tensor& t) {
  if (!is_floating(t.dtype()) || t.numel() == 0) return "";
  Tensor c = t.detach();
  if (!c.device().is_cpu()) {
    NoGradGuard no_grad;
    g_checking = true;
    struct Reset {
      ~Reset() { g_checking = false; }
    } reset;
    c = c.to(kCPU);
  }
  auto scan = [](const auto* p, int64_t n) {
    const char* found = "";
    for (int64_t i = 0; i < n; ++i)
      if (std::isnan(p[i]))
        return "NaN";
      else if (std::isinf(p[i]))
        found = "Inf";
    return found;
  };
  if (c.dtype() == kFloat64) return scan(static_cast<const double*>(c.data_ptr()), c.numel());
  return scan(static_cast<const float*>(c.data_ptr()), c.numel());
}
}  // namespace

std::unique_ptr<AnomalyRecord> anomaly_record(const char* op, const Tensor* const* inputs, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) describe(s, *inputs[i]);
  return make_record(op, std::move(s));
}

std::unique_ptr<AnomalyRecord> anomaly_record(const char* op, const std::vector<Tensor>& inputs) {
  std::string s;
  for (auto& t : inputs) describe(s, t);
  return make_record(op, std::move(s));
}

void check_forward_output(const AnomalyRecord& r, const Tensor& out, size_t output_nr) {
  if (g_checking || Node::running() || !autograd::is_anomaly_check_forward_enabled()) return;
  const char* bad = non_finite(out);
  if (!*bad) return;
  throw Error("anomaly mode: forward of " + where_str(r) + " produced " + bad + " in output " +
              std::to_string(output_nr) + " (shape " + out.shape().str() + " " +
              dtype_name(out.dtype()) + ")");
}

void keep_anomaly_record(const Node* node, std::unique_ptr<AnomalyRecord> record) {
  std::lock_guard lock(g_records_mutex);
  auto& slot = records()[node];
  if (!slot) g_anomaly_records.fetch_add(1, std::memory_order_relaxed);
  slot = std::move(record);
}

void forget_anomaly_record(const Node* node) {
  std::lock_guard lock(g_records_mutex);
  if (records().erase(node)) g_anomaly_records.fetch_sub(1, std::memory_order_relaxed);
}

// GCC 12 warns falsely (-Wrestrict, its bug 105651) on std::string appends inlined here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
void check_backward_grads(const Node& node, const std::vector<Tensor>& grads) {
  for (size_t i = 0; i < grads.size(); ++i) {
    const char* bad = grads[i].defined() ? non_finite(grads[i]) : "";
    if (!*bad) continue;
    std::string what;
    {
      std::lock_guard lock(g_records_mutex);
      auto it = records().find(&node);
      if (it != records().end()) {
        what = where_str(*it->second);
      } else {
        what = "'";
        what += node.name();
        what += "' (recorded while anomaly mode was off: no shapes or call site)";
      }
    }
    throw Error("anomaly mode: backward of " + what + " returned a gradient with " + bad +
                " for input " + std::to_string(i) + " (shape " + grads[i].shape().str() + " " +
                dtype_name(grads[i].dtype()) + ")");
  }
}
#pragma GCC diagnostic pop

}  // namespace xgrad
