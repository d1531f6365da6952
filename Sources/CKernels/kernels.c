#include "CKernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

/* One build runs on any x86-64; the loader picks the AVX-512 or AVX2+FMA clone where the CPU has it. */
#if defined(__x86_64__) && defined(__clang__)
#define FOLEY_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FOLEY_KERNEL
#endif

/* Cephes-style expf: range reduction by ln 2, degree-6 polynomial, exponent by bit shift.
   Max relative error ~1.2e-7 over [-87, 88]; written branch-free so loops vectorize. */
static inline float exp_approx(float x) {
    x = x < -87.33654f ? -87.33654f : (x > 88.72283f ? 88.72283f : x);
    float n = __builtin_rintf(x * 1.44269504088896341f);
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t e = ((int32_t)n + 127) << 23;
    float s;
    memcpy(&s, &e, 4);
    return p * s;
}

FOLEY_KERNEL void foley_exp(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = exp_approx(x[i]);
}

FOLEY_KERNEL void foley_sigmoid(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = 1.0f / (1.0f + exp_approx(-x[i]));
}

FOLEY_KERNEL void foley_silu(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = x[i] / (1.0f + exp_approx(-x[i]));
}

FOLEY_KERNEL void foley_quick_gelu(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = x[i] / (1.0f + exp_approx(-1.702f * x[i]));
}

static inline float tanh_approx(float x) {
    /* tanh(x) = sign * (1 - 2 / (exp(2|x|) + 1)); small |x| use the odd series for relative accuracy. */
    float a = fabsf(x);
    float t = 1.0f - 2.0f / (exp_approx(2.0f * a) + 1.0f);
    float x2 = x * x;
    float series = a * (1.0f + x2 * (-1.0f / 3.0f + x2 * (2.0f / 15.0f + x2 * (-17.0f / 315.0f))));
    t = a < 0.0625f ? series : t;
    return x < 0 ? -t : t;
}

FOLEY_KERNEL void foley_tanh(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = tanh_approx(x[i]);
}

FOLEY_KERNEL void foley_gelu_tanh(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) {
        float v = x[i];
        y[i] = 0.5f * v * (1.0f + tanh_approx(0.7978845608028654f * (v + 0.044715f * v * v * v)));
    }
}

/* erf by Abramowitz & Stegun 7.1.26 (max abs error 1.5e-7), as PyTorch's vectorized CPU erf computes it. */
static inline float erf_approx(float x) {
    float a = fabsf(x);
    float t = 1.0f / (0.3275911f * a + 1.0f);
    float r = (((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f;
    float y = 1.0f - r * t * exp_approx(-a * a);
    return x < 0 ? -y : y;
}

/* Exact-form GELU, x * (1 + erf(x / sqrt 2)) / 2 (torch's gelu with approximate='none'). */
FOLEY_KERNEL void foley_gelu_erf(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + erf_approx(x[i] * 0.7071067811865476f));
}

/* d silu / dx = s (1 + x (1 - s)) with s = sigmoid(x). */
FOLEY_KERNEL void foley_silu_grad(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) { float s = 1.0f / (1.0f + exp_approx(-x[i])); y[i] = s * (1.0f + x[i] * (1.0f - s)); }
}

/* d gelu / dx for the exact form: (1 + erf(x / sqrt 2)) / 2 + x exp(-x^2 / 2) / sqrt(2 pi). */
FOLEY_KERNEL void foley_gelu_erf_grad(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) {
        float v = x[i];
        y[i] = 0.5f * (1.0f + erf_approx(v * 0.7071067811865476f)) + v * 0.3989422804014327f * exp_approx(-0.5f * v * v);
    }
}

FOLEY_KERNEL void foley_softmax_rows(const float *x, float *y, long rows, long n, float scale) {
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *yr = y + r * n;
        float m = -INFINITY;
        for (long j = 0; j < n; j++) m = xr[j] > m ? xr[j] : m;
        if (m == -INFINITY) { memset(yr, 0, n * sizeof(float)); continue; }
        float s = 0;
        for (long j = 0; j < n; j++) { float e = exp_approx((xr[j] - m) * scale); yr[j] = e; s += e; }
        float inv = 1.0f / s;
        for (long j = 0; j < n; j++) yr[j] *= inv;
    }
}

FOLEY_KERNEL void foley_norm_block(const float *x, float *y, long channels, long spatial, const float *w, const float *b,
                      float eps, int silu, float *mean_out, float *rstd_out) {
    long m = channels * spatial;
    /* Two passes in double: the mean first, then centred squares, as torch's group_norm is accurate. */
    double s = 0;
    for (long j = 0; j < m; j++) s += x[j];
    double mean = s / (double)m;
    float mf = (float)mean;
    double v = 0;
    for (long j = 0; j < m; j++) { float d = x[j] - mf; v += (double)d * d; }
    float rstd = (float)(1.0 / sqrt(v / (double)m + eps));
    *mean_out = mf;
    *rstd_out = rstd;
    for (long c = 0; c < channels; c++) {
        float sc = w ? w[c] * rstd : rstd;
        float sh = (b ? b[c] : 0.0f) - mf * sc;
        const float *xc = x + c * spatial;
        float *yc = y + c * spatial;
        if (silu) {
            for (long j = 0; j < spatial; j++) { float t = xc[j] * sc + sh; yc[j] = t / (1.0f + exp_approx(-t)); }
        } else {
            for (long j = 0; j < spatial; j++) yc[j] = xc[j] * sc + sh;
        }
    }
}

FOLEY_KERNEL void foley_layer_norm_rows(const float *x, float *y, long rows, long n, const float *w, const float *b,
                           float eps, float *mean_out, float *rstd_out) {
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *yr = y + r * n;
        double s = 0;
        for (long j = 0; j < n; j++) s += xr[j];
        float mf = (float)(s / (double)n);
        double v = 0;
        for (long j = 0; j < n; j++) { float d = xr[j] - mf; v += (double)d * d; }
        float rstd = (float)(1.0 / sqrt(v / (double)n + eps));
        mean_out[r] = mf;
        rstd_out[r] = rstd;
        for (long j = 0; j < n; j++) {
            float t = (xr[j] - mf) * rstd;
            yr[j] = (w ? t * w[j] : t) + (b ? b[j] : 0.0f);
        }
    }
}

#define FOLEY_BINARY_LOOPS(EXPR)                                                         \
    if (sa == 1 && sb == 1) { for (long i = 0; i < n; i++) { float x = a[i], z = b[i]; y[i] = EXPR; } } \
    else if (sa == 1) { float z = b[0]; for (long i = 0; i < n; i++) { float x = a[i]; y[i] = EXPR; } } \
    else if (sb == 1) { float x = a[0]; for (long i = 0; i < n; i++) { float z = b[i]; y[i] = EXPR; } } \
    else { float x = a[0], z = b[0]; for (long i = 0; i < n; i++) y[i] = EXPR; }

/* Exact IEEE arithmetic here: fast-math would turn division by a scalar into a reciprocal multiply. */
#pragma float_control(precise, on, push)
FOLEY_KERNEL void foley_binary(int op, const float *a, long sa, const float *b, long sb, float *y, long n) {
    switch (op) {
        case 0: FOLEY_BINARY_LOOPS(x + z) break;
        case 1: FOLEY_BINARY_LOOPS(x - z) break;
        case 2: FOLEY_BINARY_LOOPS(x * z) break;
        default: FOLEY_BINARY_LOOPS(x / z) break;
    }
}
#pragma float_control(pop)

FOLEY_KERNEL void foley_axpb(const float *x, float a, float b, float *y, long n) { for (long i = 0; i < n; i++) y[i] = x[i] * a + b; }

/* Backward of foley_attention_rows_v for a block of rows of one head (kT [D, S] and vT [Dv, S]), recomputing each probability row
   from the saved log-sum-exp (FlashAttention-2 style, one row at a time) instead of storing L x S.
   Accumulates into dkT [D, S] and dvT [Dv, S] (the caller owns one pair per head); writes dq rows.
   `scratch` holds 2*S floats. */
FOLEY_KERNEL void foley_attention_backward_rows(const float *q, const float *kT, const float *vT, const float *o,
                                                const float *dO, const float *lse, float *dq, float *dkT, float *dvT,
                                                long n, long S, long D, long Dv, float scale, float *scratch) {
    float *p = scratch, *ds = scratch + S;
    for (long i = 0; i < n; i++) {
        const float *qi = q + i * D, *doi = dO + i * Dv, *oi = o + i * Dv;
        for (long j = 0; j < S; j++) p[j] = 0.0f;
        for (long d = 0; d < D; d++) {
            float qd = qi[d] * scale;
            const float *kr = kT + d * S;
            for (long j = 0; j < S; j++) p[j] += qd * kr[j];
        }
        float l = lse[i];
        for (long j = 0; j < S; j++) p[j] = exp_approx(p[j] - l);
        float di = 0.0f;
        for (long e = 0; e < Dv; e++) di += doi[e] * oi[e];
        for (long j = 0; j < S; j++) ds[j] = -di;
        for (long e = 0; e < Dv; e++) {
            float g = doi[e];
            const float *vr = vT + e * S;
            float *dvr = dvT + e * S;
            for (long j = 0; j < S; j++) { dvr[j] += g * p[j]; ds[j] += g * vr[j]; }
        }
        for (long j = 0; j < S; j++) ds[j] *= p[j] * scale;
        float *dqi = dq + i * D;
        for (long d = 0; d < D; d++) {
            const float *kr = kT + d * S;
            float *dkr = dkT + d * S;
            float acc = 0.0f, qd = qi[d];
            for (long j = 0; j < S; j++) { acc += ds[j] * kr[j]; dkr[j] += qd * ds[j]; }
            dqi[d] = acc;
        }
    }
}

/* Backward of foley_norm_block: writes dx for the block and the block's per-channel partial sums of
   g * x_hat (into dw) and g (into db), which the caller reduces over blocks. */
FOLEY_KERNEL void foley_norm_block_backward(const float *x, const float *g, float *dx, long channels, long spatial,
                                            const float *w, float mean, float rstd, float *dw, float *db) {
    double sum_d = 0, sum_dx = 0;
    for (long c = 0; c < channels; c++) {
        const float *xc = x + c * spatial, *gc = g + c * spatial;
        double sg = 0, sgx = 0;
        for (long j = 0; j < spatial; j++) { float xh = (xc[j] - mean) * rstd; sg += gc[j]; sgx += (double)gc[j] * xh; }
        if (dw) dw[c] = (float)sgx;
        if (db) db[c] = (float)sg;
        double wc = w ? w[c] : 1.0;
        sum_d += wc * sg;
        sum_dx += wc * sgx;
    }
    long m = channels * spatial;
    float md = (float)(sum_d / (double)m), mdx = (float)(sum_dx / (double)m);
    for (long c = 0; c < channels; c++) {
        const float *xc = x + c * spatial, *gc = g + c * spatial;
        float *dc = dx + c * spatial;
        float wc = w ? w[c] : 1.0f;
        for (long j = 0; j < spatial; j++) {
            float xh = (xc[j] - mean) * rstd;
            dc[j] = rstd * (gc[j] * wc - md - xh * mdx);
        }
    }
}

/* Eight floats as one vector (GCC/clang vector extension): an AVX register in the x86-64-v3 clone,
   two SSE registers in the default one. Loads and stores assume no alignment; helpers taking vectors
   are macros or always-inlined so each clone compiles them for its own instruction set. */
typedef float v8f __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));
#define ld8(p) ((v8f)(*(const v8u *)(p)))
#define st8(p, v) (*(v8u *)(p) = (v8u)(v))

/* out[0..8*NB) = inv * sum_j p[j] * v[j, 0..8*NB) with the accumulators in registers: U sets of them
   over interleaved j (8 vector accumulators in all) hide the FMA latency when NB is small. */
#define FOLEY_PV(NB, U)                                                                          \
    static inline __attribute__((always_inline)) void pv_##NB(const float *p, const float *v,   \
                                                              long S, long ld, float *out,       \
                                                              float inv) {                       \
        v8f a[U][NB];                                                                            \
        for (int u = 0; u < U; u++)                                                              \
            for (int b = 0; b < NB; b++) a[u][b] = (v8f){0};                                     \
        long j = 0;                                                                              \
        for (; j + U <= S; j += U) {                                                             \
            for (int u = 0; u < U; u++) {                                                        \
                float pj = p[j + u];                                                             \
                const float *vr = v + (j + u) * ld;                                              \
                for (int b = 0; b < NB; b++) a[u][b] += pj * ld8(vr + 8 * b);                    \
            }                                                                                    \
        }                                                                                        \
        for (; j < S; j++) {                                                                     \
            const float *vr = v + j * ld;                                                        \
            for (int b = 0; b < NB; b++) a[0][b] += p[j] * ld8(vr + 8 * b);                      \
        }                                                                                        \
        for (int b = 0; b < NB; b++) {                                                           \
            v8f t = a[0][b];                                                                     \
            for (int u = 1; u < U; u++) t += a[u][b];                                            \
            st8(out + 8 * b, t * inv);                                                           \
        }                                                                                        \
    }
FOLEY_PV(1, 8)
FOLEY_PV(2, 4)
FOLEY_PV(3, 2)
FOLEY_PV(4, 2)
FOLEY_PV(5, 1)
FOLEY_PV(6, 1)
FOLEY_PV(7, 1)
FOLEY_PV(8, 1)

/* Packs one head's keys k [S, D] into panels of 8 keys, kp[(jb * D + d) * 8 + t] = k[jb * 8 + t, d], zero
   past S, so the score loop reads each panel front to back (kᵀ rows a power-of-two stride apart would
   fall into one cache set). */
FOLEY_KERNEL void foley_pack_keys(const float *k, long S, long D, float *kp) {
    long nb = (S + 7) / 8;
    for (long jb = 0; jb < nb; jb++)
        for (long d = 0; d < D; d++)
            for (long t = 0; t < 8; t++) {
                long j = jb * 8 + t;
                kp[(jb * D + d) * 8 + t] = j < S ? k[j * D + d] : 0.0f;
            }
}

/* Scores of R query rows against every panel of 8 keys: each panel vector is loaded once for all R rows. */
#define FOLEY_SCORES(R)                                                                          \
    static inline __attribute__((always_inline)) void scores_##R(const float *qs, long D,        \
                                                                 const float *kp, long nb,       \
                                                                 float *s, long ld) {            \
        for (long jb = 0; jb < nb; jb++) {                                                       \
            v8f a[R];                                                                            \
            for (int r = 0; r < R; r++) a[r] = (v8f){0};                                         \
            const float *k = kp + jb * D * 8;                                                    \
            for (long d = 0; d < D; d++) {                                                       \
                v8f kv = ld8(k + d * 8);                                                         \
                for (int r = 0; r < R; r++) a[r] += qs[r * 64 + d] * kv;                         \
            }                                                                                    \
            for (int r = 0; r < R; r++) st8(s + r * ld + jb * 8, a[r]);                          \
        }                                                                                        \
    }
FOLEY_SCORES(4)
FOLEY_SCORES(1)

static inline __attribute__((always_inline)) float row_max(const float *s, long S) {
    v8f m8 = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
    long t = 0;
    for (; t + 8 <= S; t += 8) m8 = __builtin_elementwise_max(m8, ld8(s + t));
    float m = m8[0];
    for (int u = 1; u < 8; u++) m = m8[u] > m ? m8[u] : m;
    for (; t < S; t++) m = s[t] > m ? s[t] : m;
    return m;
}

/* Attention for a block of query rows of one head (heads up to 64 wide): scores = (scale q) kᵀ four
   rows at a time against the packed key panels (foley_pack_keys), softmax in place, then p v with each
   output row held in registers while v's rows stream past (v is [S, Dv], row-major as the op receives
   it). `scratch` holds 4 * roundup(S, 8) floats; `lse_out` (optional) receives each row's log-sum-exp. */
FOLEY_KERNEL void foley_attention_rows_v(const float *q, const float *kp, const float *v, float *out, long n, long S,
                                         long D, long Dv, float scale, float *scratch, float *lse_out) {
    float qs[4 * 64];
    long nb8 = (S + 7) / 8, ld = nb8 * 8;
    for (long i0 = 0; i0 < n; i0 += 4) {
        long R = n - i0 < 4 ? n - i0 : 4;
        for (long r = 0; r < R; r++)
            for (long d = 0; d < D; d++) qs[r * 64 + d] = q[(i0 + r) * D + d] * scale;
        if (R == 4) scores_4(qs, D, kp, nb8, scratch, ld);
        else for (long r = 0; r < R; r++) scores_1(qs + r * 64, D, kp, nb8, scratch + r * ld, ld);
        for (long r = 0; r < R; r++) {
            float *s = scratch + r * ld;
            float m = row_max(s, S);
            float sum = 0.0f;
            for (long t = 0; t < S; t++) { float e = exp_approx(s[t] - m); s[t] = e; sum += e; }
            float inv = 1.0f / sum;
            long i = i0 + r;
            if (lse_out) lse_out[i] = m + logf(sum);
            float *o = out + i * Dv;
            long nb = Dv / 8 > 8 ? 8 : Dv / 8;
            switch (nb) {
                case 0: break;
                case 1: pv_1(s, v, S, Dv, o, inv); break;
                case 2: pv_2(s, v, S, Dv, o, inv); break;
                case 3: pv_3(s, v, S, Dv, o, inv); break;
                case 4: pv_4(s, v, S, Dv, o, inv); break;
                case 5: pv_5(s, v, S, Dv, o, inv); break;
                case 6: pv_6(s, v, S, Dv, o, inv); break;
                case 7: pv_7(s, v, S, Dv, o, inv); break;
                default: pv_8(s, v, S, Dv, o, inv); break;
            }
            for (long e = 8 * nb; e < Dv; e++) {
                float acc = 0.0f;
                for (long t = 0; t < S; t++) acc += s[t] * v[t * Dv + e];
                o[e] = acc * inv;
            }
        }
    }
}
