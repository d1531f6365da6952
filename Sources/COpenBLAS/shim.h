#include <cblas.h>
#include <stdlib.h>
/* LAPACK symbols ship inside libopenblas; Debian has no lapacke.h, so declare the one routine we use. */
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
            double *w, double *work, const int *lwork, int *info);
char *openblas_get_config(void);
char *openblas_get_corename(void);
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

/* A DYNAMIC_ARCH OpenBLAS picks its kernels from the CPU model at load time; under a hypervisor that hides
   the model it falls back to Prescott (SSE3), 3-4x slower than the AVX2/AVX-512 kernels the CPU can run.
   These two are absent from single-architecture builds, hence weak. */
void gotoblas_dynamic_init(void) __attribute__((weak));
void gotoblas_dynamic_quit(void) __attribute__((weak));

/* The best OpenBLAS core the CPU's feature flags allow (null when none beats a generic build). */
static inline const char *foley_blas_core_for_cpu(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
    return 0;
}

/* Re-selects OpenBLAS's kernel table as OPENBLAS_CORETYPE=core would have at load time; call before any
   BLAS work is in flight. Returns 1 when it switched. */
static inline int foley_blas_select_core(const char *core) {
    if (!core || !gotoblas_dynamic_init || !gotoblas_dynamic_quit) return 0;
    setenv("OPENBLAS_CORETYPE", core, 1);
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    return 1;
}
