#ifndef FOLEY_CDNNLCONV_H
#define FOLEY_CDNNLCONV_H

/* 2-D convolution forward through oneDNN (the library PyTorch's CPU convolutions use), on plain
   NCHW tensors: the input and weights are reordered into oneDNN's blocked layouts, convolved by its
   JIT kernels and the output reordered back. Primitives are cached by shape.
   Returns 0 on success; nonzero when oneDNN cannot run this convolution (the caller falls back). */
int foley_dnnl_conv2d(const float *x, const float *w, const float *b, float *y,
                      long n, long cin, long h, long wd, long cout, long kh, long kw,
                      long sh, long sw, long ph, long pw, long dh, long dw, int threads);

/* Whether oneDNN is usable (the library opens and its engine starts). */
int foley_dnnl_available(void);

#endif
