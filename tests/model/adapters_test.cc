// Houlsby adapters in the forward pass against a scalar reference: plain double loops of the
// adapter layer (docs/formats.md "Task packs with adapters") over the albert-groups fixture
// (3 groups × 2 inner layers, 12 layer applications), shared and per-application sets, each
// activation, adapter tensors in F32, F16 and BF16.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "formats/config.h"
#include "model/albert.h"
#include "model/weights.h"
#include "runtime/pack_builder.h"
#include "runtime/task_pack.h"
#include "support/golden.h"
#include "support/paths.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;
using Mat = std::vector<double>;  // row-major

fs::path groups_dir() { return testing::source_dir() / "tests/data/hf/albert-groups"; }

struct Lin {
  std::vector<float> w, b;  // [out, in], [out]
  int out = 0, in = 0;
};

Mat linear(const Lin& l, const Mat& x, int N) {  // [N, in] → [N, out]
  Mat y(static_cast<size_t>(N) * l.out);
  for (int n = 0; n < N; ++n)
    for (int o = 0; o < l.out; ++o) {
      double s = l.b[o];
      for (int i = 0; i < l.in; ++i)
        s += static_cast<double>(l.w[static_cast<size_t>(o) * l.in + i]) * x[static_cast<size_t>(n) * l.in + i];
      y[static_cast<size_t>(n) * l.out + o] = s;
    }
  return y;
}

double act(const std::string& f, double x) {
  if (f == "gelu") return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  if (f == "gelu_new") return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
  if (f == "relu") return x > 0 ? x : 0.0;
  if (f == "silu" || f == "swish") return x / (1.0 + std::exp(-x));
  ADD_FAILURE() << f;
  return 0;
}

// LayerNorm(x + r) per row of H.
Mat layer_norm(const Mat& x, const Mat& r, const std::vector<float>& g, const std::vector<float>& b, double eps, int N,
               int H) {
  Mat y(x.size());
  for (int n = 0; n < N; ++n) {
    double mean = 0, var = 0;
    for (int j = 0; j < H; ++j) mean += x[static_cast<size_t>(n) * H + j] + r[static_cast<size_t>(n) * H + j];
    mean /= H;
    for (int j = 0; j < H; ++j) {
      const double d = x[static_cast<size_t>(n) * H + j] + r[static_cast<size_t>(n) * H + j] - mean;
      var += d * d;
    }
    var /= H;
    for (int j = 0; j < H; ++j) {
      const size_t k = static_cast<size_t>(n) * H + j;
      y[k] = (x[k] + r[k] - mean) / std::sqrt(var + eps) * g[j] + b[j];
    }
  }
  return y;
}

// x ← x + up(f(down(x))).
void adapter(Mat& x, const Lin& down, const Lin& up, const std::string& f, int N) {
  Mat s = linear(down, x, N);
  for (double& v : s) v = act(f, v);
  const Mat u = linear(up, s, N);
  for (size_t k = 0; k < x.size(); ++k) x[k] += u[k];
}

// Multi-head self-attention of each sequence (rows [offset, offset + len)) without padding.
Mat attention(const Mat& q, const Mat& k, const Mat& v, const std::vector<std::pair<int, int>>& seqs, int H, int NH) {
  const int DH = H / NH;
  Mat ctx(q.size(), 0.0);
  for (auto [o, T] : seqs)
    for (int h = 0; h < NH; ++h)
      for (int t = 0; t < T; ++t) {
        std::vector<double> p(static_cast<size_t>(T));
        double mx = -1e300, sum = 0;
        for (int j = 0; j < T; ++j) {
          double s = 0;
          for (int d = 0; d < DH; ++d)
            s += q[static_cast<size_t>(o + t) * H + h * DH + d] * k[static_cast<size_t>(o + j) * H + h * DH + d];
          p[j] = s / std::sqrt(static_cast<double>(DH));
          mx = std::max(mx, p[j]);
        }
        for (double& x : p) sum += (x = std::exp(x - mx));
        for (int d = 0; d < DH; ++d) {
          double c = 0;
          for (int j = 0; j < T; ++j) c += p[j] / sum * v[static_cast<size_t>(o + j) * H + h * DH + d];
          ctx[static_cast<size_t>(o + t) * H + h * DH + d] = c;
        }
      }
  return ctx;
}

struct Case {
  bool shared;
  std::string activation;
  DType dtype;  // of the adapter tensors
};

class AdapterForward : public ::testing::TestWithParam<Case> {};

TEST_P(AdapterForward, MatchesScalarReferenceAtEveryLayerApplication) {
  const Case cs = GetParam();
  const AlbertConfig c = load_albert_config(groups_dir() / "config.json");
  ASSERT_GT(c.num_hidden_groups, 1);
  ASSERT_GT(c.inner_group_num, 1);
  const LoadedWeights weights(groups_dir() / "model.safetensors", c);
  const AlbertModel model(c, weights.weights());
  const SafetensorsFile backbone(groups_dir() / "model.safetensors");
  const int H = c.hidden_size, I = c.intermediate_size, m = 8, A = cs.shared ? 1 : c.total_layers();
  ASSERT_EQ(A, cs.shared ? 1 : 12);

  testing::PackBuilder b;
  testing::add_random_head(b, c, 3, 7);
  testing::add_random_adapters(b, c, m, A, 11);
  for (auto& t : b.tensors)
    if (t.name.rfind("adapters.", 0) == 0) b.set_dtype(t.name, cs.dtype);
  const fs::path dir = testing::temp_dir("adapters_forward") / "task";
  b.write(dir, R"({"labels": ["a", "b", "c"], "adapter": )" + testing::adapter_json(m, cs.activation, cs.shared) + "}");
  const TaskPack pack = load_task_pack(dir, c);
  ASSERT_TRUE(pack.adapters);
  ASSERT_EQ(pack.adapters->sets.size(), static_cast<size_t>(A));

  // Two sequences of different lengths, packed into rows; ids and types from a fixed pattern.
  std::vector<Sequence> batch(2);
  for (int s = 0; s < 2; ++s)
    for (int t = 0; t < (s ? 14 : 9); ++t) {
      batch[s].ids.push_back(5 + (t * 37 + s * 101) % (c.vocab_size - 5));
      batch[s].type_ids.push_back(t > 5 ? 1 : 0);
    }
  const std::vector<std::pair<int, int>> seqs{{0, 9}, {9, 14}};
  const int N = 23;
  const ForwardOutput out = model.forward(batch, {.keep_hidden_states = true, .adapters = &*pack.adapters});
  ASSERT_EQ(out.hidden_states.size(), static_cast<size_t>(c.total_layers() + 1));

  const auto lin = [&](const std::string& name, int out_dim, int in_dim) {
    return Lin{testing::tensor_f32(backbone, name + ".weight"), testing::tensor_f32(backbone, name + ".bias"), out_dim,
               in_dim};
  };
  const auto pack_lin = [&](const std::string& name, int out_dim, int in_dim) {
    return Lin{b.values(name + ".weight"), b.values(name + ".bias"), out_dim, in_dim};
  };
  Mat x(out.hidden_states[0].begin(), out.hidden_states[0].end());  // hidden.0: embeddings are not the point here
  for (int l = 0; l < c.total_layers(); ++l) {
    SCOPED_TRACE("layer application " + std::to_string(l));
    const int g = (l / c.inner_group_num) / c.layers_per_group(), i = l % c.inner_group_num;
    const std::string p =
        "albert.encoder.albert_layer_groups." + std::to_string(g) + ".albert_layers." + std::to_string(i) + ".";
    const std::string ap = "adapters." + std::to_string(cs.shared ? 0 : l) + ".";
    const Mat ctx =
        attention(linear(lin(p + "attention.query", H, H), x, N), linear(lin(p + "attention.key", H, H), x, N),
                  linear(lin(p + "attention.value", H, H), x, N), seqs, H, c.num_attention_heads);
    Mat y = linear(lin(p + "attention.dense", H, H), ctx, N);
    adapter(y, pack_lin(ap + "attention.down", m, H), pack_lin(ap + "attention.up", H, m), cs.activation, N);
    const Mat h = layer_norm(y, x, b.values(ap + "attention_norm.weight"), b.values(ap + "attention_norm.bias"),
                             c.layer_norm_eps, N, H);
    Mat f = linear(lin(p + "ffn", I, H), h, N);
    for (double& v : f) v = act(c.hidden_act_name, v);
    Mat z = linear(lin(p + "ffn_output", H, I), f, N);
    adapter(z, pack_lin(ap + "ffn.down", m, H), pack_lin(ap + "ffn.up", H, m), cs.activation, N);
    x = layer_norm(z, h, b.values(ap + "full_norm.weight"), b.values(ap + "full_norm.bias"), c.layer_norm_eps, N, H);
    const std::vector<float> ref(x.begin(), x.end());
    testing::expect_matches(out.hidden_states[static_cast<size_t>(l) + 1], ref, "hidden." + std::to_string(l + 1));
  }

  // The adapters matter: without them the last hidden state is far from the reference.
  const ForwardOutput plain = model.forward(batch);
  double max_diff = 0, max_ref = 0;
  for (size_t k = 0; k < x.size(); ++k) {
    max_diff = std::max(max_diff, std::fabs(plain.last_hidden[k] - x[k]));
    max_ref = std::max(max_ref, std::fabs(x[k]));
  }
  EXPECT_GT(max_diff, 0.05 * max_ref);
}

INSTANTIATE_TEST_SUITE_P(Adapters, AdapterForward,
                         ::testing::Values(Case{false, "gelu", DType::F32}, Case{true, "swish", DType::F16},
                                           Case{false, "relu", DType::BF16}, Case{true, "gelu_new", DType::F32},
                                           Case{false, "silu", DType::F16}),
                         [](const auto& info) {
                           return std::string(info.param.shared ? "Shared" : "PerApplication") + "_" +
                                  (info.param.activation == "gelu_new" ? "gelu_new" : info.param.activation) + "_" +
                                  std::string(dtype_traits(info.param.dtype).name);
                         });

// Identity adapters (zero up-projections) with the backbone's own LayerNorms of each application
// leave every hidden state bit-identical: the set of application l is used at application l,
// across groups and inner layers.
TEST(AdapterForward, IdentityAdaptersWithBackboneNormsChangeNothing) {
  const AlbertConfig c = load_albert_config(groups_dir() / "config.json");
  const LoadedWeights weights(groups_dir() / "model.safetensors", c);
  const AlbertModel model(c, weights.weights());
  const SafetensorsFile backbone(groups_dir() / "model.safetensors");
  testing::PackBuilder b;
  testing::add_random_head(b, c, 3, 3);
  testing::add_random_adapters(b, c, 4, c.total_layers(), 5);
  for (int l = 0; l < c.total_layers(); ++l) {
    const int g = (l / c.inner_group_num) / c.layers_per_group(), i = l % c.inner_group_num;
    const std::string p =
        "albert.encoder.albert_layer_groups." + std::to_string(g) + ".albert_layers." + std::to_string(i) + ".";
    const std::string ap = "adapters." + std::to_string(l) + ".";
    for (const char* part : {"attention.up.weight", "attention.up.bias", "ffn.up.weight", "ffn.up.bias"})
      std::fill(b.get(ap + part).values.begin(), b.get(ap + part).values.end(), 0.0f);
    for (const char* w : {".weight", ".bias"}) {
      b.get(ap + "attention_norm" + w).values = testing::tensor_f32(backbone, p + "attention.LayerNorm" + w);
      b.get(ap + "full_norm" + w).values = testing::tensor_f32(backbone, p + "full_layer_layer_norm" + w);
    }
  }
  const fs::path dir = testing::temp_dir("adapters_identity") / "task";
  b.write(dir, R"({"labels": ["a", "b", "c"], "adapter": )" + testing::adapter_json(4, "gelu", false) + "}");
  const TaskPack pack = load_task_pack(dir, c);
  std::vector<Sequence> batch{{{2, 40, 41, 900, 17, 3}, {0, 0, 0, 0, 0, 0}, {}},
                              {{2, 7, 3, 8, 9, 3}, {0, 0, 0, 1, 1, 1}, {}}};
  const ForwardOutput a = model.forward(batch, {.keep_hidden_states = true});
  const ForwardOutput t = model.forward(batch, {.keep_hidden_states = true, .adapters = &*pack.adapters});
  ASSERT_EQ(a.hidden_states.size(), t.hidden_states.size());
  for (size_t l = 0; l < a.hidden_states.size(); ++l)
    EXPECT_EQ(a.hidden_states[l], t.hidden_states[l]) << "hidden." << l;

  // One set's norms moved to another application breaks it: the indexing is what the test checks.
  std::swap(b.get("adapters.0.full_norm.bias").values, b.get("adapters.5.full_norm.bias").values);
  b.write(dir, R"({"labels": ["a", "b", "c"], "adapter": )" + testing::adapter_json(4, "gelu", false) + "}");
  const TaskPack swapped = load_task_pack(dir, c);
  const ForwardOutput s = model.forward(batch, {.adapters = &*swapped.adapters});
  EXPECT_NE(a.last_hidden, s.last_hidden);
}

}  // namespace
}  // namespace edgemt
