// Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM...) are macros over addresses of globals, which Swift
// cannot import; these inline functions hand them over as values.
#include <mpi.h>

static inline MPI_Comm foley_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype foley_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype foley_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype foley_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op foley_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op foley_mpi_max(void) { return MPI_MAX; }
static inline MPI_Request foley_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *foley_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Errhandler foley_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int foley_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline void *foley_mpi_in_place(void) { return MPI_IN_PLACE; }
