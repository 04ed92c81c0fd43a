// GPU prepack against the CPU prepack (byte for byte), CUDA-graph capture and replay of mm(),
// bad input on a real device, and the small cases run under compute-sanitizer.
#include <cstring>

#include "gemm_harness.h"

namespace mixgemm::test {
namespace {

TEST(GpuPrepack, MatchesCpuPrepackBytes) {
  REQUIRE_SM90();
  for (WeightType t : {WeightType::u4b8, WeightType::u4, WeightType::u8b128, WeightType::u8}) {
    for (ActType a : {ActType::bf16, ActType::fp16}) {
      for (int64_t g : {32, 128, -1}) {
        WeightDesc w;
        w.wtype = t;
        w.act = a;
        w.n = 320;
        w.k = 512;
        w.group_size = g == -1 ? w.k : g;
        const uint64_t seed = fresh_seed();
        SCOPED_TRACE(std::string(to_string(t)) + " " + to_string(a) + " g=" + std::to_string(g) + " seed=" + std::to_string(seed));
        const ref::QuantizedWeights qw = ref::make_weights(w, seed);
        w.group_size = g;
        const size_t bytes = prepacked_bytes(w);
        std::vector<uint8_t> cpu(bytes, 0xAB), gpu(bytes, 0xCD);
        PrepackArgs pa;
        pa.w = w;
        pa.qweight = qw.qweight.data();
        pa.scales = qw.scales.data();
        pa.zeros = qw.zeros.empty() ? nullptr : qw.zeros.data();
        pa.out = cpu.data();
        ASSERT_TRUE(prepack_host(pa).ok());

        DeviceBuffer d_q(qw.qweight.size() * 4), d_s(qw.scales.size() * 2), d_z(qw.zeros.size() + 1), d_out(bytes);
        CUDA_OK(cudaMemcpy(d_q.ptr, qw.qweight.data(), d_q.bytes, cudaMemcpyHostToDevice));
        CUDA_OK(cudaMemcpy(d_s.ptr, qw.scales.data(), d_s.bytes, cudaMemcpyHostToDevice));
        if (!qw.zeros.empty()) CUDA_OK(cudaMemcpy(d_z.ptr, qw.zeros.data(), qw.zeros.size(), cudaMemcpyHostToDevice));
        CUDA_OK(cudaMemset(d_out.ptr, 0x5A, bytes));  // stale bytes must be overwritten
        pa.qweight = d_q.as<int32_t>();
        pa.scales = d_s.ptr;
        pa.zeros = qw.zeros.empty() ? nullptr : d_z.as<uint8_t>();
        pa.out = d_out.ptr;
        Status st = prepack(pa, nullptr);
        ASSERT_TRUE(st.ok()) << st.message;
        CUDA_OK(cudaMemcpy(gpu.data(), d_out.ptr, bytes, cudaMemcpyDeviceToHost));
        EXPECT_EQ(0, std::memcmp(cpu.data(), gpu.data(), bytes));
      }
    }
  }
}

// mm() captured into a graph (split-K and plain schedules) replays to the same bits as a
// direct call: no host-side state, allocation or synchronisation inside the call.
TEST(GpuGraph, CaptureAndReplay) {
  REQUIRE_SM90();
  for (const char* sched : {"sm90_ws_n128_m16_sk4", "sm90_ws_n128_m128", static_cast<const char*>(nullptr)}) {
    CaseSpec s;
    s.m = 16;
    s.n = 512;
    s.k = 2048;
    s.bias = true;
    s.schedule = sched;
    CaseResult direct;
    run_case(s, &direct);
    if (HasFatalFailure()) return;
    expect_close(direct);

    // Same data again, this time through a captured graph replayed twice.
    WeightDesc w;
    w.n = s.n;
    w.k = s.k;
    const ref::QuantizedWeights qw = ref::make_weights(w, 1234);
    const std::vector<uint16_t> x = ref::make_activations(s.m, s.k, s.k, w.act, 99);
    DeviceBuffer d_q(qw.qweight.size() * 4), d_s(qw.scales.size() * 2), d_packed(prepacked_bytes(w));
    DeviceBuffer d_x(x.size() * 2), d_y(size_t(s.m) * s.n * 2), d_ws(workspace_bytes(w, s.m, sched));
    CUDA_OK(cudaMemcpy(d_q.ptr, qw.qweight.data(), d_q.bytes, cudaMemcpyHostToDevice));
    CUDA_OK(cudaMemcpy(d_s.ptr, qw.scales.data(), d_s.bytes, cudaMemcpyHostToDevice));
    CUDA_OK(cudaMemcpy(d_x.ptr, x.data(), d_x.bytes, cudaMemcpyHostToDevice));
    if (d_ws.bytes) CUDA_OK(cudaMemset(d_ws.ptr, 0, d_ws.bytes));
    PrepackArgs pa;
    pa.w = w;
    pa.qweight = d_q.as<int32_t>();
    pa.scales = d_s.ptr;
    pa.out = d_packed.ptr;
    ASSERT_TRUE(prepack(pa, nullptr).ok());
    CUDA_OK(cudaDeviceSynchronize());
    GemmArgs ga;
    ga.w = w;
    ga.packed = d_packed.ptr;
    ga.m = s.m;
    ga.x = d_x.ptr;
    ga.y = d_y.ptr;
    ga.workspace = d_ws.ptr;
    ga.workspace_bytes = d_ws.bytes;
    ga.schedule = sched;

    cudaStream_t stream;
    CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    ASSERT_TRUE(mm(ga, stream).ok());
    CUDA_OK(cudaStreamSynchronize(stream));
    std::vector<uint16_t> expect(size_t(s.m) * s.n), got(expect.size());
    CUDA_OK(cudaMemcpy(expect.data(), d_y.ptr, d_y.bytes, cudaMemcpyDeviceToHost));

    cudaGraph_t graph;
    cudaGraphExec_t exec;
    CUDA_OK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal));
    Status st = mm(ga, stream);
    Status st2 = mm(ga, stream);  // two GEMMs back to back: PDL edges inside the graph
    CUDA_OK(cudaStreamEndCapture(stream, &graph));
    ASSERT_TRUE(st.ok()) << st.message;
    ASSERT_TRUE(st2.ok()) << st2.message;
    CUDA_OK(cudaGraphInstantiate(&exec, graph, 0));
    for (int rep = 0; rep < 2; ++rep) {
      CUDA_OK(cudaMemsetAsync(d_y.ptr, 0xFF, d_y.bytes, stream));  // NaN poison
      CUDA_OK(cudaGraphLaunch(exec, stream));
      CUDA_OK(cudaStreamSynchronize(stream));
      CUDA_OK(cudaMemcpy(got.data(), d_y.ptr, d_y.bytes, cudaMemcpyDeviceToHost));
      EXPECT_EQ(0, std::memcmp(expect.data(), got.data(), got.size() * 2)) << "replay " << rep << " schedule "
                                                                             << (sched ? sched : "auto");
    }
    cudaGraphExecDestroy(exec);
    cudaGraphDestroy(graph);
    cudaStreamDestroy(stream);
  }
}

// On a real device, bad input is reported and leaves no CUDA error behind.
TEST(GpuValidation, BadInputLeavesNoCudaError) {
  REQUIRE_SM90();
  DeviceBuffer d_x(1 << 20), d_y(1 << 20), d_packed(1 << 20);
  GemmArgs a;
  a.w.n = 256;
  a.w.k = 256;
  a.m = 4;
  a.packed = d_packed.ptr;
  a.x = static_cast<char*>(d_x.ptr) + 2;  // misaligned for TMA
  a.y = d_y.ptr;
  Status st = mm(a, nullptr);
  EXPECT_EQ(st.code, StatusCode::invalid_argument);
  EXPECT_NE(st.message.find("x="), std::string::npos) << st.message;
  a.x = d_x.ptr;
  a.schedule = "sm90_ws_n128_m8_sk8";  // needs a workspace, none given
  st = mm(a, nullptr);
  EXPECT_EQ(st.code, StatusCode::invalid_argument);
  EXPECT_NE(st.message.find("workspace"), std::string::npos) << st.message;
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
}

// Small cases that scripts/gpu_check.sh runs under compute-sanitizer memcheck and racecheck.
TEST(SanitizerSubset, SmallCases) {
  REQUIRE_SM90();
  for (WeightType t : {WeightType::u4b8, WeightType::u8}) {
    // The last: stream-K over 2 tiles of 8 K tiles, runs of one K tile (16 CTAs, 8 per tile).
    for (const char* sched : {"sm90_ws_n128_m8_sk2", "sm90_ws_n128_m64", "sm90_ws_n128_m256", "sm90_ws_n128_m128_streamk"}) {
      CaseSpec s;
      s.wtype = t;
      s.m = 9;
      s.n = 192;
      s.k = 512;
      s.group = 64;
      s.bias = true;
      s.schedule = sched;
      if (!run_and_compare(s)) return;
    }
  }
  const auto run_large = [](int64_t m, int64_t n, int64_t k, const char* schedule) {
    CaseSpec s;
    s.m = m;
    s.n = n;
    s.k = k;
    s.schedule = schedule;
    return run_and_compare(s);
  };
  // Stream-K whose runs cross tiles (15 tiles of 16 K tiles in runs of 3 on 132 SMs): a run
  // that starts mid-tile, and share 0's check of its tile's counter (splitk_reduce.cuh).
  if (!run_large(300, 640, 1024, "sm90_ws_n128_m128_streamk")) return;
  // A two-CTA split grid topped up to one CTA per SM (on 132 SMs: 32 tiles x 4 splits of 6 K
  // tiles, 4 tiles in 5 of 5; schedules.cpp, top_up_splits): the extra splits' slabs, K ranges.
  run_large(3, 4096, 1536, "sm90_ws_n128_m8_o2_sk4");
}

}  // namespace
}  // namespace mixgemm::test
