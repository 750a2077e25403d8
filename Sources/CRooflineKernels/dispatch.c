// Type traits and run-time kernel selection (ggml's type_traits_cpu table, reduced to what Roofline runs).
#include "kernels_internal.h"
#include <stdatomic.h>

static _Atomic int g_path = -2;

int rf_cpu_best_path(void) {
#ifdef RF_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
            __builtin_cpu_supports("avx512vnni")) return RF_PATH_AVX512VNNI;
        return RF_PATH_AVX2;
    }
#endif
#ifdef RF_NEON
    return RF_PATH_NEON;  // Advanced SIMD is part of every AArch64 CPU
#endif
    return RF_PATH_SCALAR;
}

int rf_path_supported(int path) {
    const int best = rf_cpu_best_path();
    if (path == RF_PATH_SCALAR) return 1;
    if (best == RF_PATH_NEON) return path == RF_PATH_NEON;
    return path > RF_PATH_SCALAR && path <= best && path != RF_PATH_NEON;
}

int rf_set_path(int path) {
    if (path < 0 || !rf_path_supported(path)) path = rf_cpu_best_path();
    atomic_store(&g_path, path);
    return path;
}

int rf_get_path(void) {
    int p = atomic_load(&g_path);
    if (p == -2) p = rf_set_path(RF_PATH_AUTO);
    return p;
}

const char *rf_path_name(int path) {
    switch (path) {
    case RF_PATH_SCALAR: return "scalar";
    case RF_PATH_AVX2: return "avx2";
    case RF_PATH_AVX512VNNI: return "avx512vnni";
    case RF_PATH_NEON: return "neon";
    default: return "unknown";
    }
}

int rf_vec_dot_type(int type) {
    switch (type) {
    case RF_F32: return RF_F32;
    case RF_F16: return RF_F16;
    case RF_BF16: return RF_BF16;
    case RF_Q4_0: return RF_Q8_0;
    case RF_Q4_1: return RF_Q8_1;
    case RF_Q5_0: return RF_Q8_0;
    case RF_Q5_1: return RF_Q8_1;
    case RF_Q8_0: return RF_Q8_0;
    case RF_MXFP4: return RF_Q8_0;
    case RF_NVFP4: return RF_Q8_0;
    case RF_FP8_E4M3: case RF_FP8_E5M2: return RF_F32;  // FP8 rows: float32 activations
    case RF_Q2_K: case RF_Q3_K: case RF_Q4_K: case RF_Q5_K: case RF_Q6_K: return RF_Q8_K;
    default: return -1;
    }
}

int64_t rf_row_size(int type, int64_t k) {
    switch (type) {
    case RF_F32: return 4 * k;
    case RF_F16: case RF_BF16: return 2 * k;
    case RF_Q4_0: return k / RF_QK * (int64_t)sizeof(rf_block_q4_0);
    case RF_Q4_1: return k / RF_QK * (int64_t)sizeof(rf_block_q4_1);
    case RF_Q8_0: return k / RF_QK * (int64_t)sizeof(rf_block_q8_0);
    case RF_Q8_1: return k / RF_QK * (int64_t)sizeof(rf_block_q8_1);
    case RF_Q5_0: return k / RF_QK * (int64_t)sizeof(rf_block_q5_0);
    case RF_Q5_1: return k / RF_QK * (int64_t)sizeof(rf_block_q5_1);
    case RF_MXFP4: return k / RF_QK * (int64_t)sizeof(rf_block_mxfp4);
    case RF_NVFP4: return k / RF_QK_NVFP4 * (int64_t)sizeof(rf_block_nvfp4);
    case RF_Q2_K: return k / RF_QK_K * (int64_t)sizeof(rf_block_q2_K);
    case RF_Q3_K: return k / RF_QK_K * (int64_t)sizeof(rf_block_q3_K);
    case RF_Q4_K: return k / RF_QK_K * (int64_t)sizeof(rf_block_q4_K);
    case RF_Q5_K: return k / RF_QK_K * (int64_t)sizeof(rf_block_q5_K);
    case RF_Q6_K: return k / RF_QK_K * (int64_t)sizeof(rf_block_q6_K);
    case RF_Q8_K: return k / RF_QK_K * (int64_t)sizeof(rf_block_q8_K);
    case RF_FP8_E4M3: case RF_FP8_E5M2: return RF_FP8_SCALE_BYTES + k;
    default: return -1;
    }
}

rf_quantize_fn rf_get_quantize(int type, int path) {
    if (path < 0) path = rf_get_path();
#ifdef RF_X86
    if (path >= RF_PATH_AVX2) {
        switch (type) {
        case RF_Q8_0: return rf_quantize_row_q8_0_avx2;
        case RF_Q8_1: return rf_quantize_row_q8_1_avx2;
        case RF_Q8_K: return rf_quantize_row_q8_K_avx2;
        case RF_F16: return rf_quantize_row_f16_avx2;
        default: break;
        }
    }
#endif
    switch (type) {
    case RF_F32: return rf_quantize_row_f32_ref;
    case RF_F16: return rf_quantize_row_f16_ref;
    case RF_BF16: return rf_quantize_row_bf16_ref;
    case RF_Q8_0: return rf_quantize_row_q8_0_ref;
    case RF_Q8_1: return rf_quantize_row_q8_1_ref;
    case RF_Q8_K: return rf_quantize_row_q8_K_ref;
    default: return 0;
    }
}

// K-quant SIMD kernels (kernels_kquants_impl.h): one-row (kind 0), four-row (1) or 4×4 tile (2); NULL where none.
static void *kquant_simd(int type, int path, int kind) {
#ifdef RF_X86
#define RF_KQ(T, SFX) return kind == 2 ? (void *)rf_tile4x4_##T##_q8_K_##SFX : kind == 1 ? (void *)rf_vec_dot4_##T##_q8_K_##SFX \
                                       : (void *)rf_vec_dot_##T##_q8_K_##SFX
#define RF_KQ_SWITCH(SFX) switch (type) { \
        case RF_Q2_K: RF_KQ(q2_K, SFX); case RF_Q3_K: RF_KQ(q3_K, SFX); case RF_Q4_K: RF_KQ(q4_K, SFX); \
        case RF_Q5_K: RF_KQ(q5_K, SFX); case RF_Q6_K: RF_KQ(q6_K, SFX); default: return 0; }
    if (path >= RF_PATH_AVX512VNNI) RF_KQ_SWITCH(vnni)
    if (path >= RF_PATH_AVX2) RF_KQ_SWITCH(avx2)
#undef RF_KQ_SWITCH
#undef RF_KQ
#endif
    (void)type; (void)path; (void)kind;
    return 0;
}

rf_vec_dot_fn rf_get_vec_dot(int type, int path) {
    if (path < 0) path = rf_get_path();
    rf_vec_dot_fn kq = (rf_vec_dot_fn)kquant_simd(type, path, 0);
    if (kq) return kq;
#ifdef RF_X86
    // FP8 rows: AVX-512 on the VNNI path (which implies AVX-512 F/BW/VL); F16C comes with every AVX2 CPU
    // this path runs on, but is checked.
    if (path >= RF_PATH_AVX512VNNI && type == RF_FP8_E4M3) return rf_vec_dot_fp8_e4m3_f32_avx512;
    if (path >= RF_PATH_AVX512VNNI && type == RF_FP8_E5M2) return rf_vec_dot_fp8_e5m2_f32_avx512;
    if (path >= RF_PATH_AVX2 && __builtin_cpu_supports("f16c")) {
        if (type == RF_FP8_E4M3) return rf_vec_dot_fp8_e4m3_f32_avx2;
        if (type == RF_FP8_E5M2) return rf_vec_dot_fp8_e5m2_f32_avx2;
    }
    if (path >= RF_PATH_AVX2) {
        switch (type) {
        case RF_Q4_0: return rf_vec_dot_q4_0_q8_0_avx2;
        case RF_Q4_1: return rf_vec_dot_q4_1_q8_1_avx2;
        case RF_Q8_0: return rf_vec_dot_q8_0_q8_0_avx2;
        case RF_F16: return rf_vec_dot_f16_f16_avx2;
        case RF_F32: return rf_vec_dot_f32_f32_avx2;
        case RF_BF16: return rf_vec_dot_bf16_bf16_avx2;
        case RF_Q5_0: return rf_vec_dot_q5_0_q8_0_avx2;
        case RF_Q5_1: return rf_vec_dot_q5_1_q8_1_avx2;
        case RF_MXFP4: return rf_vec_dot_mxfp4_q8_0_avx2;
        case RF_NVFP4: return rf_vec_dot_nvfp4_q8_0_avx2;
        default: break;
        }
    }
#endif
#ifdef RF_NEON
    if (path == RF_PATH_NEON) {
        switch (type) {
        case RF_Q4_0: return rf_vec_dot_q4_0_q8_0_neon;
        case RF_Q4_1: return rf_vec_dot_q4_1_q8_1_neon;
        case RF_Q8_0: return rf_vec_dot_q8_0_q8_0_neon;
        default: break;
        }
    }
#endif
    switch (type) {
    case RF_F32: return rf_vec_dot_f32_f32_ref;
    case RF_F16: return rf_vec_dot_f16_f16_ref;
    case RF_BF16: return rf_vec_dot_bf16_bf16_ref;
    case RF_Q4_0: return rf_vec_dot_q4_0_q8_0_ref;
    case RF_Q4_1: return rf_vec_dot_q4_1_q8_1_ref;
    case RF_Q8_0: return rf_vec_dot_q8_0_q8_0_ref;
    case RF_Q5_0: return rf_vec_dot_q5_0_q8_0_ref;
    case RF_Q5_1: return rf_vec_dot_q5_1_q8_1_ref;
    case RF_MXFP4: return rf_vec_dot_mxfp4_q8_0_ref;
    case RF_NVFP4: return rf_vec_dot_nvfp4_q8_0_ref;
    case RF_Q2_K: return rf_vec_dot_q2_K_q8_K_ref;
    case RF_Q3_K: return rf_vec_dot_q3_K_q8_K_ref;
    case RF_Q4_K: return rf_vec_dot_q4_K_q8_K_ref;
    case RF_Q5_K: return rf_vec_dot_q5_K_q8_K_ref;
    case RF_Q6_K: return rf_vec_dot_q6_K_q8_K_ref;
    case RF_FP8_E4M3: return rf_vec_dot_fp8_e4m3_f32_ref;
    case RF_FP8_E5M2: return rf_vec_dot_fp8_e5m2_f32_ref;
    default: return 0;
    }
}

rf_quantize_fn rf_get_weight_quantize(int type) {
    switch (type) {
    case RF_Q5_0: return rf_quantize_row_q5_0_ref;
    case RF_Q5_1: return rf_quantize_row_q5_1_ref;
    case RF_MXFP4: return rf_quantize_row_mxfp4_ref;
    case RF_NVFP4: return rf_quantize_row_nvfp4_ref;
    case RF_Q2_K: return rf_quantize_row_q2_K_ref;
    case RF_Q3_K: return rf_quantize_row_q3_K_ref;
    case RF_Q4_K: return rf_quantize_row_q4_K_ref;
    case RF_Q5_K: return rf_quantize_row_q5_K_ref;
    case RF_Q6_K: return rf_quantize_row_q6_K_ref;
    case RF_FP8_E4M3: return rf_quantize_row_fp8_e4m3_ref;  // one row: k values -> scale + k codes
    case RF_FP8_E5M2: return rf_quantize_row_fp8_e5m2_ref;
    default: return 0;
    }
}

rf_vec_dot4_fn rf_get_vec_dot4(int type, int path) {
    if (path < 0) path = rf_get_path();
    rf_vec_dot4_fn kq = (rf_vec_dot4_fn)kquant_simd(type, path, 1);
    if (kq) return kq;
#ifdef RF_X86
    if (path >= RF_PATH_AVX2 && __builtin_cpu_supports("f16c")) {  // FP8 rows: one AVX2 + F16C kernel for both paths
        if (type == RF_FP8_E4M3) return rf_vec_dot4_fp8_e4m3_f32_avx2;
        if (type == RF_FP8_E5M2) return rf_vec_dot4_fp8_e5m2_f32_avx2;
    }
    if (path >= RF_PATH_AVX512VNNI) {
        switch (type) {
        case RF_Q4_0: return rf_vec_dot4_q4_0_q8_0_vnni;
        case RF_Q4_1: return rf_vec_dot4_q4_1_q8_1_vnni;
        case RF_Q8_0: return rf_vec_dot4_q8_0_q8_0_vnni;
        case RF_Q5_0: return rf_vec_dot4_q5_0_q8_0_vnni;
        case RF_Q5_1: return rf_vec_dot4_q5_1_q8_1_vnni;
        case RF_MXFP4: return rf_vec_dot4_mxfp4_q8_0_vnni;
        case RF_NVFP4: return rf_vec_dot4_nvfp4_q8_0_vnni;
        default: break;
        }
    }
    if (path >= RF_PATH_AVX2) {
        switch (type) {
        case RF_Q4_0: return rf_vec_dot4_q4_0_q8_0_avx2;
        case RF_Q4_1: return rf_vec_dot4_q4_1_q8_1_avx2;
        case RF_Q8_0: return rf_vec_dot4_q8_0_q8_0_avx2;
        case RF_Q5_0: return rf_vec_dot4_q5_0_q8_0_avx2;
        case RF_Q5_1: return rf_vec_dot4_q5_1_q8_1_avx2;
        case RF_MXFP4: return rf_vec_dot4_mxfp4_q8_0_avx2;
        case RF_NVFP4: return rf_vec_dot4_nvfp4_q8_0_avx2;
        default: break;
        }
    }
#endif
#ifdef RF_NEON
    if (path == RF_PATH_NEON) {
        switch (type) {
        case RF_Q4_0: return rf_vec_dot4_q4_0_q8_0_neon;
        case RF_Q4_1: return rf_vec_dot4_q4_1_q8_1_neon;
        case RF_Q8_0: return rf_vec_dot4_q8_0_q8_0_neon;
        default: break;
        }
    }
#endif
    (void)type;
    return 0;
}

rf_vec_dot8n_fn rf_get_vec_dot8n(int type, int path) {
    if (path < 0) path = rf_get_path();
#ifdef RF_X86
    if (path >= RF_PATH_AVX512VNNI && __builtin_cpu_supports("gfni") && __builtin_cpu_supports("avx512bitalg")) {
        switch (type) {
        case RF_Q4_K: return rf_vec_dot8n_q4_K_q8_K_avx512;
        case RF_Q6_K: return rf_vec_dot8n_q6_K_q8_K_avx512;
        case RF_Q5_0: return rf_vec_dot8n_q5_0_q8_0_avx512;
        case RF_Q4_1: return rf_vec_dot8n_q4_1_q8_1_avx512;
        default: break;
        }
    }
#endif
    (void)type;
    return 0;
}

rf_vec_dot8_fn rf_get_vec_dot8(int type, int path) {
    if (path < 0) path = rf_get_path();
#ifdef RF_X86
    if (path >= RF_PATH_AVX512VNNI && __builtin_cpu_supports("gfni") && __builtin_cpu_supports("avx512bitalg")) {
        // Ice Lake and later, Zen 4; Cascade/Cooper Lake keep the four-row kernels
        switch (type) {
        case RF_Q5_0: return rf_vec_dot8_q5_0_q8_0_avx512;
        case RF_Q4_K: return rf_vec_dot8_q4_K_q8_K_avx512;
        case RF_Q6_K: return rf_vec_dot8_q6_K_q8_K_avx512;
        case RF_Q4_0: return rf_vec_dot8_q4_0_q8_0_avx512;
        case RF_Q4_1: return rf_vec_dot8_q4_1_q8_1_avx512;
        case RF_Q8_0: return rf_vec_dot8_q8_0_q8_0_avx512;
        default: break;
        }
    }
#endif
    (void)type;
    return 0;
}

rf_tile4x4_fn rf_get_tile4x4(int type, int path) {
    if (path < 0) path = rf_get_path();
    rf_tile4x4_fn kq = (rf_tile4x4_fn)kquant_simd(type, path, 2);
    if (kq) return kq;
#ifdef RF_X86
    if (path >= RF_PATH_AVX2 && __builtin_cpu_supports("f16c")) {
        if (type == RF_FP8_E4M3) return rf_tile4x4_fp8_e4m3_f32_avx2;
        if (type == RF_FP8_E5M2) return rf_tile4x4_fp8_e5m2_f32_avx2;
    }
    if (path >= RF_PATH_AVX512VNNI) {
        switch (type) {
        case RF_Q4_0: return rf_tile4x4_q4_0_q8_0_vnni;
        case RF_Q4_1: return rf_tile4x4_q4_1_q8_1_vnni;
        case RF_Q8_0: return rf_tile4x4_q8_0_q8_0_vnni;
        case RF_Q5_0: return rf_tile4x4_q5_0_q8_0_vnni;
        case RF_Q5_1: return rf_tile4x4_q5_1_q8_1_vnni;
        case RF_MXFP4: return rf_tile4x4_mxfp4_q8_0_vnni;
        case RF_NVFP4: return rf_tile4x4_nvfp4_q8_0_vnni;
        default: break;
        }
    }
    if (path >= RF_PATH_AVX2) {
        switch (type) {
        case RF_Q4_0: return rf_tile4x4_q4_0_q8_0_avx2;
        case RF_Q4_1: return rf_tile4x4_q4_1_q8_1_avx2;
        case RF_Q8_0: return rf_tile4x4_q8_0_q8_0_avx2;
        case RF_Q5_0: return rf_tile4x4_q5_0_q8_0_avx2;
        case RF_Q5_1: return rf_tile4x4_q5_1_q8_1_avx2;
        case RF_MXFP4: return rf_tile4x4_mxfp4_q8_0_avx2;
        case RF_NVFP4: return rf_tile4x4_nvfp4_q8_0_avx2;
        default: break;
        }
    }
#endif
    (void)type;
    return 0;
}
