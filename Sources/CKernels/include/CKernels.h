#ifndef FOLEY_CKERNELS_H
#define FOLEY_CKERNELS_H
#include <stddef.h>

/* Hot elementwise and normalization loops, written in C so the compiler vectorizes them
   (Swift's SIMD types do not lower exp-style code to vector instructions). Each works on a
   contiguous range; the Swift side splits ranges across threads. */

void foley_exp(const float *x, float *y, long n);
void foley_sigmoid(const float *x, float *y, long n);
void foley_silu(const float *x, float *y, long n);
void foley_tanh(const float *x, float *y, long n);
void foley_gelu_tanh(const float *x, float *y, long n);
void foley_quick_gelu(const float *x, float *y, long n);
void foley_gelu_erf(const float *x, float *y, long n);
/* Derivatives of silu and of the exact gelu at x (the backward rules multiply by the incoming gradient). */
void foley_silu_grad(const float *x, float *y, long n);
void foley_gelu_erf_grad(const float *x, float *y, long n);
/* Softmax of each of `rows` rows of n values, scores multiplied by `scale` first. */
void foley_softmax_rows(const float *x, float *y, long rows, long n, float scale);
/* Normalizes one block of `channels` x `spatial` values (then SiLU when `silu`, in the same pass); writes
   mean and 1/std. */
void foley_norm_block(const float *x, float *y, long channels, long spatial, const float *w, const float *b,
                      float eps, int silu, float *mean_out, float *rstd_out);
void foley_norm_block_backward(const float *x, const float *g, float *dx, long channels, long spatial,
                               const float *w, float mean, float rstd, float *dw, float *db);
/* Layer norm over rows of n with per-element affine. */
void foley_layer_norm_rows(const float *x, float *y, long rows, long n, const float *w, const float *b,
                           float eps, float *mean_out, float *rstd_out);
/* Packs one head's keys [S, D] into panels of 8 keys ([ceil(S/8), D, 8], zero-padded) for foley_attention_rows_v. */
void foley_pack_keys(const float *k, long S, long D, float *kp);
/* Attention of a block of query rows of one head against packed keys and row-major v [S, Dv]: scores,
   softmax and weighted sum fused so no score matrix is stored; D <= 64; scratch holds 4 * roundup(S, 8) floats. */
void foley_attention_rows_v(const float *q, const float *kp, const float *v, float *out, long n, long S,
                            long D, long Dv, float scale, float *scratch, float *lse_out);
void foley_attention_backward_rows(const float *q, const float *kT, const float *vT, const float *o, const float *dO,
                                   const float *lse, float *dq, float *dkT, float *dvT, long n, long S, long D, long Dv,
                                   float scale, float *scratch);
/* y = a op b over n elements, op 0 add, 1 sub, 2 mul, 3 div; sa/sb are 1 (an array) or 0 (a scalar). */
void foley_binary(int op, const float *a, long sa, const float *b, long sb, float *y, long n);
/* y = x * a + b with scalar a and b. */
void foley_axpb(const float *x, float a, float b, float *y, long n);
#endif
