#include <cblas.h>
/* LAPACK symbols ship inside libopenblas; Debian has no lapacke.h, so declare the one routine we use. */
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
            double *w, double *work, const int *lwork, int *info);
char *openblas_get_config(void);
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
