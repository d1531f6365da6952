#include "CKernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

/* One build runs on any x86-64; the loader picks the AVX2+FMA clone where the CPU has it. */
#if defined(__x86_64__) && defined(__clang__)
#define FOLEY_KERNEL __attribute__((target_clones("arch=x86-64-v3", "default")))
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
                      float eps, float *mean_out, float *rstd_out) {
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
        for (long j = 0; j < spatial; j++) yc[j] = xc[j] * sc + sh;
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

FOLEY_KERNEL void foley_add(const float *a, const float *b, float *y, long n) { for (long i = 0; i < n; i++) y[i] = a[i] + b[i]; }
FOLEY_KERNEL void foley_mul(const float *a, const float *b, float *y, long n) { for (long i = 0; i < n; i++) y[i] = a[i] * b[i]; }
FOLEY_KERNEL void foley_axpb(const float *x, float a, float b, float *y, long n) { for (long i = 0; i < n; i++) y[i] = x[i] * a + b; }

/* Attention for a block of query rows against one head's keys and values, fused so each score row
   stays in L1: scores = q·kT (D axpys over S), softmax in place, out = vT·p (Dv dot products).
   kT is [D, S], vT is [Dv, S]; `scratch` holds S floats. Suits small head sizes, where a
   matrix product with inner dimension D would be bound by writing the score matrix. */
FOLEY_KERNEL void foley_attention_rows(const float *q, const float *kT, const float *vT, float *out, long n, long S,
                                       long D, long Dv, float scale, float *scratch, float *lse_out) {
    for (long i = 0; i < n; i++) {
        float *s = scratch;
        const float *qi = q + i * D;
        for (long j = 0; j < S; j++) s[j] = 0.0f;
        for (long d = 0; d < D; d++) {
            float qd = qi[d] * scale;
            const float *kr = kT + d * S;
            for (long j = 0; j < S; j++) s[j] += qd * kr[j];
        }
        float m = -INFINITY;
        for (long j = 0; j < S; j++) m = s[j] > m ? s[j] : m;
        float sum = 0.0f;
        for (long j = 0; j < S; j++) { float e = exp_approx(s[j] - m); s[j] = e; sum += e; }
        float inv = 1.0f / sum;
        if (lse_out) lse_out[i] = m + logf(sum);
        float *o = out + i * Dv;
        for (long e = 0; e < Dv; e++) {
            const float *vr = vT + e * S;
            float acc = 0.0f;
            for (long j = 0; j < S; j++) acc += s[j] * vr[j];
            o[e] = acc * inv;
        }
    }
}

/* Backward of foley_attention_rows for a block of rows of one head, recomputing each probability row
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
