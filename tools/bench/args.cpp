#include "args.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "mixgemm/mixgemm.h"
#include "names.h"

namespace mixgemm::bench {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + items[i];
  return s;
}

// Splits "a,b,c"; an empty list or an empty item is an error (a stray comma is a typo worth
// reporting rather than skipping).
bool split_list(const std::string& flag, const std::string& s, std::vector<std::string>* out,
                std::string* error) {
  out->clear();
  size_t start = 0;
  while (true) {
    const size_t comma = s.find(',', start);
    const std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) {
      *error = flag + ": empty item in list '" + s + "'";
      return false;
    }
    out->push_back(item);
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}

// A decimal integer spanning the whole string (no sign, exponent or trailing junk).
bool parse_positive(const std::string& s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), nullptr, 10);
  if (errno != 0 || v <= 0) return false;
  *out = v;
  return true;
}

}  // namespace

bool parse_int_list(const std::string& s, std::vector<int64_t>* out, std::string* error) {
  std::vector<std::string> items;
  if (!split_list("list", s, &items, error)) return false;
  out->clear();
  for (const std::string& item : items) {
    int64_t v = 0;
    if (!parse_positive(item, &v)) {
      *error = "'" + item + "' is not a positive integer";
      return false;
    }
    out->push_back(v);
  }
  return true;
}

bool parse_shape(const std::string& s, Layer* out, std::string* error) {
  const size_t x = s.find_first_of("xX");
  int64_t k = 0, n = 0;
  if (x == std::string::npos || !parse_positive(s.substr(0, x), &k) ||
      !parse_positive(s.substr(x + 1), &n)) {
    *error = "'" + s + "' is not KxN with positive integers K and N (e.g. 4096x11008)";
    return false;
  }
  *out = shape_layer(k, n);
  return true;
}

std::string usage_text() {
  return
      "usage: mixgemm-bench [options]\n"
      "\n"
      "Times mixgemm::mm against the hardware ceilings and the cuBLASLt dense GEMM on the\n"
      "dequantized weight, measured in the same run. Default sweep: Llama-3.1-8B and -70B linear\n"
      "layers (TP=1) and 8192x8192, M = 1..8192 (powers of two), u4b8, group 128, bf16.\n"
      "\n"
      "options (lists are comma-separated; --flag=value works too):\n"
      "  --types LIST       weight types: u4b8, u4, u8b128, u8           (default u4b8)\n"
      "  --groups LIST      group sizes: 32, 64, 128, ..., ch (= one group spanning K) (default 128)\n"
      "  --act LIST         activation types: bf16, fp16                  (default bf16)\n"
      "  --models LIST      8b, 70b, square (= 8192x8192)          (default 8b,70b,square)\n"
      "                     also q7b, l2-13b, q32b, phi3m: Qwen2.5-7B, Llama-2-13B, Qwen2.5-32B,\n"
      "                     Phi-3-medium layers (untuned shapes)\n"
      "  --m LIST           M values (with --stack: batch sizes)    (default 1,2,4,...,8192)\n"
      "  --shape LIST       custom KxN layers, e.g. 4096x11008; replaces the default models\n"
      "                     unless --models is given too\n"
      "  --schedule NAME    force a schedule (see list_schedules); default: the automatic choice\n"
      "  --all-schedules    every compiled schedule per point, plus one row auto:<chosen>\n"
      "  --schedules LIST   as --all-schedules, with only the listed schedules\n"
      "  --interleave       with --all-schedules: time a point's schedules and cuBLAS in rounds\n"
      "                     (shuffled each round), so clock drift under sustained load affects\n"
      "                     them alike (without --all-schedules, mixgemm and cuBLAS always are)\n"
      "  --stack            decode layer-stack mode: per model, qkv->o->gate_up->down chained over\n"
      "                     as many distinct layers as fit in memory, B = 1,4,16,64, one CUDA graph;\n"
      "                     us = time per token scaled to the model's depth (32 layers for 8B, 80\n"
      "                     for 70B); CSV rows: layer=stack:<model>, N = summed N*K over the depth,\n"
      "                     K = 1\n"
      "  --quick            smoke test: 8192x8192 and 8b.o at M = 1,16,256 (--stack: 8b, B = 1,16)\n"
      "  --csv FILE         write results as CSV (written row by row)\n"
      "  --json FILE        write results, device info and ceilings as JSON\n"
      "  --no-check         skip the correctness spot check against the CPU reference\n"
      "  --no-cublas        skip the cuBLASLt baseline (cublas_us left empty)\n"
      "  --no-pdl           turn off programmatic dependent launch in mixgemm (default on)\n"
      "  --no-pinning       turn off mixgemm's one-CTA-per-SM pinning (default on; see set_pinning_enabled)\n"
      "  --repeats N        timed repetitions per measurement, median reported (default 10)\n"
      "  --graph-us US      length of each timed CUDA graph in microseconds (default 4000)\n"
      "  --device N         CUDA device ordinal (default 0)\n"
      "  -h, --help         this text\n"
      "\n"
      "CSV columns: device,act,wtype,group,layer,M,N,K,schedule,us,tflops,gbps,roofline_us,\n"
      "pct_roofline,cublas_us,speedup_vs_cublas. roofline_us = (integer weight + scale/zero +\n"
      "activation + output bytes) / measured HBM read bandwidth; pct_roofline = 100 * roofline_us\n"
      "/ us; group -1 = channel-wise. Exit status: 0 ok, 1 a correctness check failed, 2 bad\n"
      "arguments or a CUDA error.\n";
}

bool parse_args(int argc, const char* const* argv, Options* out, std::string* error) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return parse_args(args, out, error);
}

bool parse_args(const std::vector<std::string>& args, Options* out, std::string* error) {
  Options o;
  bool models_given = false, m_given = false;
  std::vector<std::string> model_keys;
  std::vector<Layer> custom;

  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_inline_value = false;
    const size_t eq = flag.find('=');
    if (flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_inline_value = true;
    }
    // Takes the flag's value from "--flag=value" or the next argument.
    auto need_value = [&]() -> bool {
      if (has_inline_value) {
        if (!value.empty()) return true;
        *error = flag + " needs a value";
        return false;
      }
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        *error = flag + " needs a value";
        return false;
      }
      value = args[++i];
      return true;
    };
    auto no_value = [&]() -> bool {
      if (!has_inline_value) return true;
      *error = flag + " takes no value";
      return false;
    };
    std::vector<std::string> items;

    if (flag == "-h" || flag == "--help") {
      if (!no_value()) return false;
      o.help = true;
    } else if (flag == "--types") {
      if (!need_value() || !split_list(flag, value, &items, error)) return false;
      o.wtypes.clear();
      for (const std::string& s : items) {
        WeightType t;
        if (!parse_wtype_name(s, &t)) {
          *error = "--types: unknown weight type '" + s + "' (known: " + join(all_wtype_names()) + ")";
          return false;
        }
        o.wtypes.push_back(t);
      }
    } else if (flag == "--act") {
      if (!need_value() || !split_list(flag, value, &items, error)) return false;
      o.acts.clear();
      for (const std::string& s : items) {
        ActType t;
        if (!parse_act_name(s, &t)) {
          *error = "--act: unknown activation type '" + s + "' (known: " + join(all_act_names()) + ")";
          return false;
        }
        o.acts.push_back(t);
      }
    } else if (flag == "--groups") {
      if (!need_value() || !split_list(flag, value, &items, error)) return false;
      o.groups.clear();
      for (const std::string& s : items) {
        int64_t g = 0;
        if (s == "ch" || s == "channel" || s == "-1") {
          g = kChannelWise;
        } else if (!parse_positive(s, &g)) {
          *error = "--groups: '" + s + "' is not a positive group size or 'ch'";
          return false;
        }
        o.groups.push_back(g);
      }
    } else if (flag == "--models") {
      if (!need_value() || !split_list(flag, value, &items, error)) return false;
      model_keys.clear();
      for (const std::string& s : items) {
        if (s == kSquareKey) {
          model_keys.push_back(s);
        } else if (const ModelSpec* m = find_model(s)) {
          model_keys.push_back(m->key);
        } else {
          *error = "--models: unknown model '" + s + "' (known: " + join(known_model_keys()) + ")";
          return false;
        }
      }
      models_given = true;
    } else if (flag == "--m") {
      if (!need_value()) return false;
      std::string e;
      if (!parse_int_list(value, &o.m_list, &e)) {
        *error = "--m: " + e;
        return false;
      }
      m_given = true;
    } else if (flag == "--shape") {
      if (!need_value() || !split_list(flag, value, &items, error)) return false;
      for (const std::string& s : items) {
        Layer l;
        std::string e;
        if (!parse_shape(s, &l, &e)) {
          *error = "--shape: " + e;
          return false;
        }
        custom.push_back(l);
      }
    } else if (flag == "--schedule") {
      if (!need_value()) return false;
      o.schedule = value;
    } else if (flag == "--schedules") {
      std::vector<std::string> items;
      if (!need_value() || !split_list(flag, value, &items, error)) return false;
      const std::vector<std::string> known = list_schedules(WeightType::u4b8, ActType::bf16);
      for (const std::string& s : items) {
        if (std::find(known.begin(), known.end(), s) == known.end()) {
          *error = "--schedules: unknown schedule '" + s + "' (known: " + join(known) + ")";
          return false;
        }
      }
      o.schedule_list = items;
      o.all_schedules = true;
    } else if (flag == "--interleave") {
      if (!no_value()) return false;
      o.interleave = true;
    } else if (flag == "--all-schedules") {
      if (!no_value()) return false;
      o.all_schedules = true;
    } else if (flag == "--csv") {
      if (!need_value()) return false;
      o.csv_path = value;
    } else if (flag == "--json") {
      if (!need_value()) return false;
      o.json_path = value;
    } else if (flag == "--stack") {
      if (!no_value()) return false;
      o.stack = true;
    } else if (flag == "--quick") {
      if (!no_value()) return false;
      o.quick = true;
    } else if (flag == "--no-check") {
      if (!no_value()) return false;
      o.check = false;
    } else if (flag == "--no-cublas") {
      if (!no_value()) return false;
      o.cublas = false;
    } else if (flag == "--no-pdl") {
      if (!no_value()) return false;
      o.pdl = false;
    } else if (flag == "--no-pinning") {
      if (!no_value()) return false;
      o.pinning = false;
    } else if (flag == "--graph-us") {
      if (!need_value()) return false;
      int64_t v = 0;
      if (!parse_positive(value, &v) || v < 100 || v > 1000000) {
        *error = "--graph-us: '" + value + "' is not an integer in [100, 1000000]";
        return false;
      }
      o.graph_us = static_cast<double>(v);
    } else if (flag == "--repeats" || flag == "--device") {
      if (!need_value()) return false;
      int64_t v = 0;
      const bool zero_ok = flag == "--device";
      if (!(zero_ok && value == "0") && (!parse_positive(value, &v) || v > 1000000)) {
        *error = flag + ": '" + value + "' is not a " + (zero_ok ? "device ordinal" : "positive integer");
        return false;
      }
      (flag == "--device" ? o.device : o.repeats) = static_cast<int>(v);
    } else {
      *error = "unknown " + std::string(flag.rfind("-", 0) == 0 ? "flag" : "argument") + " '" +
               args[i] + "'";
      return false;
    }
  }

  if (o.help) {
    *out = o;
    return true;
  }
  if (!o.schedule.empty() && o.all_schedules) {
    *error = "--schedule and --all-schedules exclude each other";
    return false;
  }
  if (o.interleave && !o.all_schedules) {
    *error = "--interleave applies to --all-schedules";
    return false;
  }
  if (o.stack && o.all_schedules) {
    *error = "--all-schedules applies to the per-shape sweep, not to --stack";
    return false;
  }
  if (o.stack && !custom.empty()) {
    *error = "--shape applies to the per-shape sweep, not to --stack";
    return false;
  }

  if (o.stack) {
    if (!models_given) model_keys = o.quick ? std::vector<std::string>{"8b"} : std::vector<std::string>{"8b", "70b"};
    for (const std::string& key : model_keys)
      if (const ModelSpec* m = find_model(key)) o.stack_models.push_back(m);
    if (o.stack_models.empty()) {
      *error = "--stack needs a model (8b, 70b, q7b, l2-13b, q32b or phi3m) in --models";
      return false;
    }
    if (!m_given) o.m_list = o.quick ? quick_stack_batches() : stack_batches();
  } else {
    if (!models_given && custom.empty()) {
      if (o.quick) {
        o.layers = quick_layers();
      } else {
        model_keys = default_model_keys();
      }
    }
    for (const std::string& key : model_keys) {
      if (key == kSquareKey) {
        o.layers.push_back(shape_layer(kSquareDim, kSquareDim));
      } else {
        for (const Layer& l : model_layers(*find_model(key))) o.layers.push_back(l);
      }
    }
    o.layers.insert(o.layers.end(), custom.begin(), custom.end());
    if (!m_given) o.m_list = o.quick ? quick_m_list() : default_m_list();
  }
  *out = o;
  return true;
}

std::string TypeConfig::label() const {
  return std::string(wtype_name(wtype)) + " g" + group_label(group) + " " + act_name(act);
}

std::vector<TypeConfig> type_configs(const Options& o) {
  std::vector<TypeConfig> out;
  for (const ActType act : o.acts)
    for (const WeightType wtype : o.wtypes)
      for (const int64_t group : o.groups) out.push_back({act, wtype, group});
  return out;
}

}  // namespace mixgemm::bench
