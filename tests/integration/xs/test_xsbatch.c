/*
 * test_xsbatch.c: batched xenstore requests (src/xs/xsbatch.c) against Debian's
 * xenstored on the simulated host: results of reads, listings and removals
 * (present and missing nodes) as libxenstore's own calls give them; one
 * connection kept per ctx; listings too large for one answer; threads
 * batching at once on one ctx; and the fallback through libxenstore when
 * xenstored's socket cannot be reached.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "ctx.h"
#include "ops/ops.h"
#include "subop/xswait.h"
#include "simhost.h"
#include "testmain.h"

static simhost *host;
static libxl_ctx *ctx;
static xentoollog_logger_stdiostream *logger;
static struct xs_handle *xs;

static void setup(void)
{
    host = simhost_start();
    ck_assert_msg(host != NULL, "could not start a simulated host");
    logger = xtl_createlogger_stdiostream(stderr, XTL_CRITICAL, 0);
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0,
                                     (xentoollog_logger *)logger), 0);
    xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
}

static void teardown(void)
{
    xs_close(xs);
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    xtl_logger_destroy((xentoollog_logger *)logger);
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

static void put(const char *path, const char *value)
{
    ck_assert(xs_write(xs, XBT_NULL, path, value, strlen(value)));
}

static bool exists(const char *path)
{
    char *v = xs_read(xs, XBT_NULL, path, NULL);
    free(v);
    return v != NULL;
}

static void free_all(libxl__xs_req *q, unsigned n)
{
    for (unsigned i = 0; i < n; i++) free(q[i].data);
}

/* The checks shared by the tests: a fresh tree under top. */
static void one_batch(const char *top)
{
    char a[96], b[96], d[96], gone[96], rm1[96], rm2[96];
    snprintf(a, sizeof(a), "%s/a", top);
    snprintf(b, sizeof(b), "%s/dir/b", top);
    snprintf(d, sizeof(d), "%s/dir", top);
    snprintf(gone, sizeof(gone), "%s/none", top);
    snprintf(rm1, sizeof(rm1), "%s/rm", top);
    snprintf(rm2, sizeof(rm2), "%s/rm/child", top);
    put(a, "value-a");
    put(b, "");
    snprintf(rm2, sizeof(rm2), "%s/dir/c", top);
    put(rm2, "c");
    snprintf(rm2, sizeof(rm2), "%s/rm/child", top);
    put(rm2, "x");

    /* xenstored's answers for removals of missing nodes, from libxenstore */
    char orphan[96];
    snprintf(orphan, sizeof(orphan), "%s/no-parent/x", top);
    bool rm_gone = xs_rm(xs, XBT_NULL, gone);
    int rm_orphan = xs_rm(xs, XBT_NULL, orphan) ? 0 : errno;
    ck_assert_int_ne(rm_orphan, 0);

    libxl__xs_req q[7] = {
        { .type = LIBXL__XS_READ, .path = a },
        { .type = LIBXL__XS_READ, .path = gone },
        { .type = LIBXL__XS_DIRECTORY, .path = d },
        { .type = LIBXL__XS_DIRECTORY, .path = gone },
        { .type = LIBXL__XS_RM, .path = rm1 },
        { .type = LIBXL__XS_RM, .path = gone },
        { .type = LIBXL__XS_RM, .path = orphan },
    };
    libxl__xs_batch(ctx, q, 7);
    ck_assert_int_eq(q[0].err, 0);
    ck_assert_str_eq(q[0].data, "value-a");
    ck_assert_uint_eq(q[0].len, 7);
    ck_assert_int_eq(q[1].err, ENOENT);
    ck_assert_ptr_null(q[1].data);
    ck_assert_int_eq(q[2].err, 0);
    ck_assert_uint_eq(q[2].len, 4);               /* "b\0c\0" */
    ck_assert_mem_eq(q[2].data, "b\0c\0", 4);
    ck_assert_int_eq(q[3].err, ENOENT);
    ck_assert_int_eq(q[4].err, 0);
    ck_assert_ptr_null(q[4].data);
    ck_assert(!exists(rm2));
    ck_assert(!exists(rm1));
    ck_assert_int_eq(q[5].err, rm_gone ? 0 : ENOENT);
    ck_assert_int_eq(q[6].err, rm_orphan);
    free_all(q, 7);
}

TEST(results_as_libxenstore, 60)
{
    one_batch("/test/xsb1");
    /* the connection is kept for the next batch */
    ck_assert_int_gt(*CTX_XSBATCH_FD1(ctx), 0);
    int fd1 = *CTX_XSBATCH_FD1(ctx);
    one_batch("/test/xsb2");
    ck_assert_int_eq(*CTX_XSBATCH_FD1(ctx), fd1);

    /* a single request goes through libxenstore */
    libxl__xs_req q = { .type = LIBXL__XS_READ, .path = "/test/xsb1/a" };
    libxl__xs_batch(ctx, &q, 1);
    ck_assert_int_eq(q.err, 0);
    ck_assert_str_eq(q.data, "value-a");
    free(q.data);
    libxl__xs_batch(ctx, NULL, 0);
}

/* A listing longer than one answer (4 KiB) comes back whole. */
TEST(large_listing, 60)
{
    char p[128];
    unsigned n = 200;
    struct xs_handle *h = xs;
    xs_transaction_t t = xs_transaction_start(h);
    ck_assert(t != XBT_NULL);
    for (unsigned i = 0; i < n; i++) {
        snprintf(p, sizeof(p), "/test/big/a-rather-long-node-name-%04u", i);
        ck_assert(xs_write(h, t, p, "", 0));
    }
    ck_assert(xs_transaction_end(h, t, false));
    libxl__xs_req q[2] = {
        { .type = LIBXL__XS_DIRECTORY, .path = "/test/big" },
        { .type = LIBXL__XS_READ, .path = "/test/big/a-rather-long-node-name-0007" },
    };
    libxl__xs_batch(ctx, q, 2);
    ck_assert_int_eq(q[0].err, 0);
    unsigned count = 0;
    for (unsigned off = 0; off < q[0].len; off += strlen(q[0].data + off) + 1)
        count++;
    ck_assert_uint_eq(count, n);
    ck_assert_int_eq(q[1].err, 0);
    ck_assert_uint_eq(q[1].len, 0);
    free_all(q, 2);
}

/* Threads batching on one ctx at once: each gets its own answers. */
struct worker { int id; int failures; };

static void *worker(void *p)
{
    struct worker *w = p;
    char a[64], b[64], want_a[32], want_b[32];
    for (int i = 0; i < 200; i++) {
        snprintf(a, sizeof(a), "/test/thr/%d/a", w->id);
        snprintf(b, sizeof(b), "/test/thr/%d/b", w->id);
        snprintf(want_a, sizeof(want_a), "a%d-%d", w->id, i);
        snprintf(want_b, sizeof(want_b), "b%d-%d", w->id, i);
        if (!xs_write(xs, XBT_NULL, a, want_a, strlen(want_a)) ||
            !xs_write(xs, XBT_NULL, b, want_b, strlen(want_b))) {
            w->failures++;
            continue;
        }
        libxl__xs_req q[3] = {
            { .type = LIBXL__XS_READ, .path = a },
            { .type = LIBXL__XS_READ, .path = b },
            { .type = LIBXL__XS_READ, .path = "/test/thr/none" },
        };
        libxl__xs_batch(ctx, q, 3);
        if (q[0].err || strcmp(q[0].data, want_a) || q[1].err ||
            strcmp(q[1].data, want_b) || q[2].err != ENOENT)
            w->failures++;
        free_all(q, 3);
    }
    return NULL;
}

TEST(threads_share_a_ctx, 60)
{
    struct worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){ i, 0 };
        ck_assert_int_eq(pthread_create(&t[i], NULL, worker, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(w[i].failures, 0);
    }
}

/* Without xenstored's socket (as with the xenbus device) the requests are
 * made one by one, with the same results. */
TEST(fallback_without_socket, 60)
{
    libxl__module_xsbatch.dispose(ctx);
    const char *old = getenv("XENSTORED_PATH");
    char *saved = old ? strdup(old) : NULL;
    setenv("XENSTORED_PATH", "/nonexistent/xenstored-socket", 1);
    one_batch("/test/xsb3");
    ck_assert_int_eq(*CTX_XSBATCH_FD1(ctx), 0);
    if (saved) setenv("XENSTORED_PATH", saved, 1);
    else unsetenv("XENSTORED_PATH");
    free(saved);
}
