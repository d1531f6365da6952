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
/* y = x * a + b, elementwise on equal-length arrays or with scalar a/b (stride 0). */
void foley_softmax_rows(const float *x, float *y, long rows, long n, float scale);
/* Normalizes one block of `channels` x `spatial` values; writes mean and 1/std. */
void foley_norm_block(const float *x, float *y, long channels, long spatial, const float *w, const float *b,
                      float eps, float *mean_out, float *rstd_out);
void foley_norm_block_backward(const float *x, const float *g, float *dx, long channels, long spatial,
                               const float *w, float mean, float rstd, float *dw, float *db);
/* Layer norm over rows of n with per-element affine. */
void foley_layer_norm_rows(const float *x, float *y, long rows, long n, const float *w, const float *b,
                           float eps, float *mean_out, float *rstd_out);
void foley_attention_rows(const float *q, const float *kT, const float *vT, float *out, long n, long S,
                          long D, long Dv, float scale, float *scratch, float *lse_out);
void foley_attention_backward_rows(const float *q, const float *kT, const float *vT, const float *o, const float *dO,
                                   const float *lse, float *dq, float *dkT, float *dvT, long n, long S, long D, long Dv,
                                   float scale, float *scratch);
void foley_add(const float *a, const float *b, float *y, long n);
void foley_mul(const float *a, const float *b, float *y, long n);
void foley_axpb(const float *x, float a, float b, float *y, long n);
#endif
