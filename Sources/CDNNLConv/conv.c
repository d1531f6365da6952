#include "CDNNLConv.h"
#include <dlfcn.h>
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* oneDNN is opened at run time, not linked, so a machine without it still runs (on the engine's own
   im2col products). Its OpenMP runtime keeps each idle thread spinning for about a millisecond after
   every convolution unless GOMP_SPINCOUNT says otherwise, which libgomp reads once, when it loads
   (with libsoxr, at start-up): `Runtime.settleOpenMP()` sets it before the process really starts. */
#define FOLEY_DNNL_FUNCTIONS(X) X(dnnl_engine_create) X(dnnl_stream_create) X(dnnl_memory_desc_equal) \
    X(dnnl_reorder_primitive_desc_create) X(dnnl_primitive_create) X(dnnl_primitive_desc_destroy) \
    X(dnnl_memory_desc_init_by_tag) X(dnnl_dilated_convolution_forward_desc_init) X(dnnl_primitive_desc_create) \
    X(dnnl_primitive_desc_query_md) X(dnnl_primitive_desc_query) X(dnnl_memory_desc_get_size) \
    X(dnnl_memory_create) X(dnnl_primitive_destroy) X(dnnl_memory_destroy) X(dnnl_primitive_execute) \
    X(dnnl_memory_set_data_handle) X(dnnl_stream_wait)
#define FOLEY_DECLARE(f) static __typeof__(&f) p_##f;
FOLEY_DNNL_FUNCTIONS(FOLEY_DECLARE)
static void (*p_omp_set_num_threads)(int);

static int open_dnnl(void) {
    void *lib = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return 0;
#define FOLEY_LOAD(f) if (!(p_##f = (__typeof__(&f))dlsym(lib, #f))) return 0;
    FOLEY_DNNL_FUNCTIONS(FOLEY_LOAD)
    p_omp_set_num_threads = (void (*)(int))dlsym(lib, "omp_set_num_threads");
    return p_omp_set_num_threads != NULL;
}

#define dnnl_engine_create (*p_dnnl_engine_create)
#define dnnl_stream_create (*p_dnnl_stream_create)
#define dnnl_memory_desc_equal (*p_dnnl_memory_desc_equal)
#define dnnl_reorder_primitive_desc_create (*p_dnnl_reorder_primitive_desc_create)
#define dnnl_primitive_create (*p_dnnl_primitive_create)
#define dnnl_primitive_desc_destroy (*p_dnnl_primitive_desc_destroy)
#define dnnl_memory_desc_init_by_tag (*p_dnnl_memory_desc_init_by_tag)
#define dnnl_dilated_convolution_forward_desc_init (*p_dnnl_dilated_convolution_forward_desc_init)
#define dnnl_primitive_desc_create (*p_dnnl_primitive_desc_create)
#define dnnl_primitive_desc_query_md (*p_dnnl_primitive_desc_query_md)
#define dnnl_primitive_desc_query (*p_dnnl_primitive_desc_query)
#define dnnl_memory_desc_get_size (*p_dnnl_memory_desc_get_size)
#define dnnl_memory_create (*p_dnnl_memory_create)
#define dnnl_primitive_destroy (*p_dnnl_primitive_destroy)
#define dnnl_memory_destroy (*p_dnnl_memory_destroy)
#define dnnl_primitive_execute (*p_dnnl_primitive_execute)
#define dnnl_memory_set_data_handle (*p_dnnl_memory_set_data_handle)
#define dnnl_stream_wait (*p_dnnl_stream_wait)
#define omp_set_num_threads (*p_omp_set_num_threads)

/* One cached convolution: its primitive, the reorders around it (NULL where the layouts already
   match) and the blocked layouts it chose. */
typedef struct Entry {
    long key[14];
    dnnl_primitive_t conv, src_in, w_in, dst_out;
    dnnl_memory_t src_u, w_u, b_u, dst_u, src_b, w_b, dst_b;
    size_t src_bytes, w_bytes, dst_bytes;
    struct Entry *next;
} Entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static dnnl_engine_t engine;
static dnnl_stream_t stream;
static int state;  /* 0 untried, 1 ready, -1 unusable */
static Entry *cache;
static int cached;
/* Blocked copies of the input, weights and output, shared by all entries (one call at a time). */
static void *scratch[3];
static size_t scratch_size[3];

static void destroy(Entry *e);

static int start(void) {
    if (state == 0) {
        state = -1;
        if (open_dnnl() && dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success &&
            dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) == dnnl_success)
            state = 1;
    }
    return state == 1;
}

int foley_dnnl_available(void) {
    pthread_mutex_lock(&lock);
    int ok = start();
    pthread_mutex_unlock(&lock);
    return ok;
}

/* The reorder between two layouts into *out (NULL when they are the same); 0 when it cannot be made. */
static int reorder(const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to, dnnl_primitive_t *out) {
    *out = NULL;
    if (dnnl_memory_desc_equal(from, to)) return 1;
    dnnl_primitive_desc_t pd;
    if (dnnl_reorder_primitive_desc_create(&pd, from, engine, to, engine, NULL) != dnnl_success) return 0;
    int ok = dnnl_primitive_create(out, pd) == dnnl_success;
    dnnl_primitive_desc_destroy(pd);
    return ok;
}

static Entry *build(const long *k) {
    long n = k[0], cin = k[1], h = k[2], w = k[3], cout = k[4], kh = k[5], kw = k[6];
    long sh = k[7], sw = k[8], ph = k[9], pw = k[10], dh = k[11], dw = k[12], hasb = k[13];
    long oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1, ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
    dnnl_dims_t sd = {n, cin, h, w}, wd = {cout, cin, kh, kw}, bd = {cout}, dd = {n, cout, oh, ow};
    dnnl_dims_t strides = {sh, sw}, dil = {dh - 1, dw - 1}, pad = {ph, pw};
    dnnl_memory_desc_t src_u, w_u, b_u, dst_u, src_a, w_a, dst_a;
    if (dnnl_memory_desc_init_by_tag(&src_u, 4, sd, dnnl_f32, dnnl_nchw) ||
        dnnl_memory_desc_init_by_tag(&w_u, 4, wd, dnnl_f32, dnnl_oihw) ||
        dnnl_memory_desc_init_by_tag(&b_u, 1, bd, dnnl_f32, dnnl_x) ||
        dnnl_memory_desc_init_by_tag(&dst_u, 4, dd, dnnl_f32, dnnl_nchw) ||
        dnnl_memory_desc_init_by_tag(&src_a, 4, sd, dnnl_f32, dnnl_format_tag_any) ||
        dnnl_memory_desc_init_by_tag(&w_a, 4, wd, dnnl_f32, dnnl_format_tag_any) ||
        dnnl_memory_desc_init_by_tag(&dst_a, 4, dd, dnnl_f32, dnnl_format_tag_any))
        return NULL;
    dnnl_convolution_desc_t cd;
    if (dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct, &src_a, &w_a,
                                                   hasb ? &b_u : NULL, &dst_a, strides, dil, pad, pad) != dnnl_success)
        return NULL;
    dnnl_primitive_desc_t pd;
    if (dnnl_primitive_desc_create(&pd, &cd, NULL, engine, NULL) != dnnl_success) return NULL;
    Entry *e = calloc(1, sizeof *e);
    if (!e) { dnnl_primitive_desc_destroy(pd); return NULL; }
    memcpy(e->key, k, sizeof e->key);
    const dnnl_memory_desc_t *src_q = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *w_q = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    const dnnl_memory_desc_t *dst_q = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    int ok = dnnl_primitive_create(&e->conv, pd) == dnnl_success;
    ok = ok && reorder(&src_u, src_q, &e->src_in) && reorder(&w_u, w_q, &e->w_in) && reorder(dst_q, &dst_u, &e->dst_out);
    e->src_bytes = dnnl_memory_desc_get_size(src_q);
    e->w_bytes = dnnl_memory_desc_get_size(w_q);
    e->dst_bytes = dnnl_memory_desc_get_size(dst_q);
    ok = ok && dnnl_memory_create(&e->src_u, &src_u, engine, DNNL_MEMORY_NONE) == dnnl_success &&
         dnnl_memory_create(&e->w_u, &w_u, engine, DNNL_MEMORY_NONE) == dnnl_success &&
         dnnl_memory_create(&e->b_u, &b_u, engine, DNNL_MEMORY_NONE) == dnnl_success &&
         dnnl_memory_create(&e->dst_u, &dst_u, engine, DNNL_MEMORY_NONE) == dnnl_success &&
         dnnl_memory_create(&e->src_b, src_q, engine, DNNL_MEMORY_NONE) == dnnl_success &&
         dnnl_memory_create(&e->w_b, w_q, engine, DNNL_MEMORY_NONE) == dnnl_success &&
         dnnl_memory_create(&e->dst_b, dst_q, engine, DNNL_MEMORY_NONE) == dnnl_success;
    dnnl_primitive_desc_destroy(pd);
    if (!ok) { destroy(e); return NULL; }
    return e;
}

static void destroy(Entry *e) {
    dnnl_primitive_t ps[] = {e->conv, e->src_in, e->w_in, e->dst_out};
    for (int i = 0; i < 4; i++) if (ps[i]) dnnl_primitive_destroy(ps[i]);
    dnnl_memory_t ms[] = {e->src_u, e->w_u, e->b_u, e->dst_u, e->src_b, e->w_b, e->dst_b};
    for (int i = 0; i < 7; i++) if (ms[i]) dnnl_memory_destroy(ms[i]);
    free(e);
}

static void clear(void) {
    while (cache) { Entry *next = cache->next; destroy(cache); cache = next; }
    cached = 0;
}

static void *grow(int i, size_t bytes) {
    if (scratch_size[i] < bytes) {
        void *p = NULL;
        if (posix_memalign(&p, 64, bytes) != 0) return NULL;
        free(scratch[i]);
        scratch[i] = p;
        scratch_size[i] = bytes;
    }
    return scratch[i];
}

static int exec2(dnnl_primitive_t p, dnnl_memory_t from, dnnl_memory_t to) {
    dnnl_exec_arg_t a[] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    return dnnl_primitive_execute(p, stream, 2, a) != dnnl_success;
}

int foley_dnnl_conv2d(const float *x, const float *w, const float *b, float *y,
                      long n, long cin, long h, long wd, long cout, long kh, long kw,
                      long sh, long sw, long ph, long pw, long dh, long dw, int threads) {
    /* One image at a time through a batch-1 primitive: oneDNN blocks a batch differently from a single
       image, and an output must not depend on what else is in its batch. The weights are reordered once. */
    long key[14] = {1, cin, h, wd, cout, kh, kw, sh, sw, ph, pw, dh, dw, b != NULL};
    long oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1, ow = (wd + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
    pthread_mutex_lock(&lock);
    int rc = 1;
    if (!start()) goto done;
    omp_set_num_threads(threads);
    Entry *e = cache;
    while (e && memcmp(e->key, key, sizeof key) != 0) e = e->next;
    if (!e) {
        if (cached >= 256) clear();  /* bounded: a run of ever-new shapes (free durations) starts over */
        e = build(key);
        if (!e) goto done;
        e->next = cache;
        cache = e;
        cached++;
    }
    void *sb = e->src_in ? grow(0, e->src_bytes) : (void *)x;
    void *wb = e->w_in ? grow(1, e->w_bytes) : (void *)w;
    void *db = e->dst_out ? grow(2, e->dst_bytes) : (void *)y;
    if (!sb || !wb || !db) goto done;
    dnnl_memory_set_data_handle(e->w_u, (void *)w);
    dnnl_memory_set_data_handle(e->w_b, wb);
    if (b) dnnl_memory_set_data_handle(e->b_u, (void *)b);
    if (e->w_in && exec2(e->w_in, e->w_u, e->w_b)) goto done;
    for (long i = 0; i < n; i++) {
        const float *xi = x + i * cin * h * wd;
        float *yi = y + i * cout * oh * ow;
        dnnl_memory_set_data_handle(e->src_u, (void *)xi);
        dnnl_memory_set_data_handle(e->dst_u, yi);
        dnnl_memory_set_data_handle(e->src_b, e->src_in ? sb : (void *)xi);
        dnnl_memory_set_data_handle(e->dst_b, e->dst_out ? db : (void *)yi);
        if (e->src_in && exec2(e->src_in, e->src_u, e->src_b)) goto done;
        dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, e->src_b}, {DNNL_ARG_WEIGHTS, e->w_b}, {DNNL_ARG_DST, e->dst_b},
                                  {DNNL_ARG_BIAS, e->b_u}};
        if (dnnl_primitive_execute(e->conv, stream, b ? 4 : 3, args) != dnnl_success) goto done;
        if (e->dst_out && exec2(e->dst_out, e->dst_b, e->dst_u)) goto done;
    }
    if (dnnl_stream_wait(stream) != dnnl_success) goto done;
    rc = 0;
done:
    pthread_mutex_unlock(&lock);
    return rc;
}
