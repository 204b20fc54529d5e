/*
 * test_xstx.c: pipelined xenstore transactions (src/xs/xstx.c) against
 * Debian's xenstored on the simulated host: what a committed transaction
 * leaves (values, directories, permissions, removals; a read inside it
 * sees its own writes) is what libxenstore's transaction leaves; an
 * abandoned one leaves nothing; a real conflict gives EAGAIN and a rerun
 * commits; a refused request and a payload too large for xenstored fail
 * alone, the connection staying in step; threads commit at once on one
 * ctx; and without xenstored's socket the same runs through libxenstore.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "ctx.h"
#include "xs/xs.h"
#include "xs/xstx.h"
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

static char *value_of(const char *path)
{
    return xs_read(xs, XBT_NULL, path, NULL);
}

static bool exists(const char *path)
{
    char *v = value_of(path);
    free(v);
    return v != NULL;
}

/* "owner:perm,..." of path, e.g. "0:n,5:r". */
static void perms_of(const char *path, char *buf, size_t size)
{
    unsigned n = 0;
    struct xs_permissions *p = xs_get_permissions(xs, XBT_NULL, path, &n);
    size_t l = 0;

    buf[0] = '\0';
    ck_assert_ptr_nonnull(p);
    for (unsigned i = 0; i < n; i++)
        l += (size_t)snprintf(buf + l, size - l, "%s%u:%c", i ? "," : "",
                              p[i].id, p[i].perms == XS_PERM_NONE ? 'n'
                              : p[i].perms == XS_PERM_READ ? 'r'
                              : p[i].perms == XS_PERM_WRITE ? 'w' : 'b');
    free(p);
}

static void put(const char *path, const char *value)
{
    ck_assert(xs_write(xs, XBT_NULL, path, value, strlen(value)));
}

/* One run of the shared transaction under top: a directory with
 * permissions, values (one of them read back inside), a removal; 0 or
 * the errno value of _end. */
static int one_tx(libxl__xstx *tx, const char *top, bool commit)
{
    char dir[96], a[96], b[96], old[96];
    struct xs_permissions perms[2] = {
        { .id = 0, .perms = XS_PERM_NONE },
        { .id = 5, .perms = XS_PERM_READ },
    };

    snprintf(dir, sizeof(dir), "%s/dir", top);
    snprintf(a, sizeof(a), "%s/dir/a", top);
    snprintf(b, sizeof(b), "%s/b", top);
    snprintf(old, sizeof(old), "%s/old", top);
    ck_assert_int_eq(libxl__xstx_start(tx), 0);
    libxl__xstx_rm(tx, old);
    libxl__xstx_rm(tx, b);                  /* not there: removed anyway */
    libxl__xstx_mkdir(tx, dir);
    libxl__xstx_set_perms(tx, dir, perms, 2);
    libxl__xstx_write(tx, a, "value-a");
    unsigned ra = libxl__xstx_read(tx, a);
    unsigned rn = libxl__xstx_read(tx, b);
    libxl__xstx_write(tx, b, "");
    libxl__xstx_flush(tx);
    ck_assert_ptr_null(libxl__xstx_failed(tx));
    const libxl__xstx_req *q = libxl__xstx_req_at(tx, ra);
    ck_assert_int_eq(q->err, 0);
    ck_assert_str_eq(q->data, "value-a");
    ck_assert_uint_eq(q->len, 7);
    ck_assert_int_eq(libxl__xstx_req_at(tx, rn)->err, ENOENT);
    return libxl__xstx_end(tx, commit);
}

static void check_committed(const char *top)
{
    char path[96], p[64];
    snprintf(path, sizeof(path), "%s/dir/a", top);
    char *v = value_of(path);
    ck_assert_str_eq(v, "value-a");
    free(v);
    perms_of(path, p, sizeof(p));
    ck_assert_str_eq(p, "0:n,5:r");          /* the directory's, inherited */
    snprintf(path, sizeof(path), "%s/b", top);
    v = value_of(path);
    ck_assert_str_eq(v, "");
    free(v);
    snprintf(path, sizeof(path), "%s/old", top);
    ck_assert(!exists(path));
}

static void run_commit_and_abort(const char *top)
{
    char old[96], abandoned[96];
    libxl__xstx tx;

    snprintf(old, sizeof(old), "%s/old/child", top);
    put(old, "x");
    libxl__xstx_init(&tx, ctx);
    ck_assert_int_eq(one_tx(&tx, top, true), 0);
    check_committed(top);

    snprintf(abandoned, sizeof(abandoned), "%s-abandoned", top);
    ck_assert_int_eq(one_tx(&tx, abandoned, false), 0);
    ck_assert(!exists(abandoned));
    libxl__xstx_dispose(&tx);
}

TEST(commit_and_abort, 60)
{
    run_commit_and_abort("/test/tx1");
    /* the connection went back to the ctx, in step */
    ck_assert_int_ne(*CTX_XSBATCH_FD1(ctx), 0);
}

/* The tree equals libxenstore's own transaction's. */
TEST(same_tree_as_libxenstore, 60)
{
    char p1[64], p2[64];
    run_commit_and_abort("/test/tx2");

    xs_transaction_t t = xs_transaction_start(xs);
    struct xs_permissions perms[2] = {
        { .id = 0, .perms = XS_PERM_NONE },
        { .id = 5, .perms = XS_PERM_READ },
    };
    ck_assert(xs_mkdir(xs, t, "/test/ref/dir"));
    ck_assert(xs_set_permissions(xs, t, "/test/ref/dir", perms, 2));
    ck_assert(xs_write(xs, t, "/test/ref/dir/a", "value-a", 7));
    ck_assert(xs_write(xs, t, "/test/ref/b", "", 0));
    ck_assert(xs_transaction_end(xs, t, false));
    perms_of("/test/ref/dir", p1, sizeof(p1));
    perms_of("/test/tx2/dir", p2, sizeof(p2));
    ck_assert_str_eq(p1, p2);
    unsigned n1, n2;
    char **c1 = xs_directory(xs, XBT_NULL, "/test/ref", &n1);
    char **c2 = xs_directory(xs, XBT_NULL, "/test/tx2", &n2);
    ck_assert_uint_eq(n1, n2);
    for (unsigned i = 0; i < n1; i++) ck_assert_str_eq(c1[i], c2[i]);
    free(c1);
    free(c2);
}

TEST(a_conflict_is_eagain_and_a_rerun_commits, 60)
{
    libxl__xstx tx;

    put("/test/tx3/dir/seen", "1");
    libxl__xstx_init(&tx, ctx);
    ck_assert_int_eq(libxl__xstx_start(&tx), 0);
    unsigned r = libxl__xstx_read(&tx, "/test/tx3/dir/seen");
    libxl__xstx_write(&tx, "/test/tx3/dir/mine", "tx");
    libxl__xstx_flush(&tx);
    ck_assert_int_eq(libxl__xstx_req_at(&tx, r)->err, 0);
    put("/test/tx3/dir/seen", "2");          /* from outside, meanwhile */
    ck_assert_int_eq(libxl__xstx_end(&tx, true), EAGAIN);
    ck_assert(!exists("/test/tx3/dir/mine"));

    ck_assert_int_eq(libxl__xstx_start(&tx), 0);
    libxl__xstx_write(&tx, "/test/tx3/dir/mine", "tx");
    ck_assert_int_eq(libxl__xstx_end(&tx, true), 0);
    ck_assert(exists("/test/tx3/dir/mine"));
    libxl__xstx_dispose(&tx);
}

TEST(refused_and_oversized_requests_fail_alone, 60)
{
    libxl__xstx tx;
    size_t big = XENSTORE_PAYLOAD_MAX + 10;
    char *huge = malloc(big + 1);

    ck_assert_ptr_nonnull(huge);
    memset(huge, 'v', big);
    huge[big] = '\0';
    libxl__xstx_init(&tx, ctx);
    ck_assert_int_eq(libxl__xstx_start(&tx), 0);
    unsigned ok1 = libxl__xstx_write(&tx, "/test/tx4/a", "1");
    unsigned bad = libxl__xstx_write(&tx, "/test/tx4//bad", "2");
    unsigned over = libxl__xstx_write(&tx, "/test/tx4/huge", huge);
    unsigned ok2 = libxl__xstx_write(&tx, "/test/tx4/b", "3");
    libxl__xstx_flush(&tx);
    ck_assert_int_eq(libxl__xstx_req_at(&tx, ok1)->err, 0);
    ck_assert_int_eq(libxl__xstx_req_at(&tx, bad)->err, EINVAL);
    ck_assert_int_eq(libxl__xstx_req_at(&tx, over)->err, E2BIG);
    ck_assert_int_eq(libxl__xstx_req_at(&tx, ok2)->err, 0);
    const libxl__xstx_req *f = libxl__xstx_failed(&tx);
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(f->path, "/test/tx4//bad");
    ck_assert_int_eq(libxl__xstx_end(&tx, false), 0);
    ck_assert(!exists("/test/tx4/a"));
    /* in step afterwards */
    ck_assert_int_eq(libxl__xstx_start(&tx), 0);
    libxl__xstx_write(&tx, "/test/tx4/a", "1");
    ck_assert_int_eq(libxl__xstx_end(&tx, true), 0);
    ck_assert(exists("/test/tx4/a"));
    libxl__xstx_dispose(&tx);
    free(huge);
}

struct worker { int id; int failures; };

static void *worker(void *arg)
{
    struct worker *w = arg;
    char top[64];
    libxl__xstx tx;

    libxl__xstx_init(&tx, ctx);
    for (int i = 0; i < 20; i++) {
        snprintf(top, sizeof(top), "/test/tx5/w%d/%d", w->id, i);
        int e = 0;
        do {
            char path[96];
            snprintf(path, sizeof(path), "%s/v", top);
            if (libxl__xstx_start(&tx)) { w->failures++; break; }
            libxl__xstx_write(&tx, path, "x");
            e = libxl__xstx_end(&tx, true);
        } while (e == EAGAIN);
        if (e) w->failures++;
    }
    libxl__xstx_dispose(&tx);
    return NULL;
}

/* Threads of one ctx commit at once (each on its own connection when the
 * ctx's is taken); conflicts among them are retried. */
TEST(threads_commit_at_once, 60)
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
    unsigned n;
    for (int i = 0; i < 4; i++) {
        char dir[64];
        snprintf(dir, sizeof(dir), "/test/tx5/w%d", i);
        char **c = xs_directory(xs, XBT_NULL, dir, &n);
        ck_assert_ptr_nonnull(c);
        ck_assert_uint_eq(n, 20);
        free(c);
    }
}

/* Without xenstored's socket (as with the xenbus device) the transaction
 * runs through libxenstore, with the same results. */
TEST(fallback_without_socket, 60)
{
    libxl__module_xsbatch.dispose(ctx);
    const char *old = getenv("XENSTORED_PATH");
    char *saved = old ? strdup(old) : NULL;
    setenv("XENSTORED_PATH", "/nonexistent/xenstored-socket", 1);
    run_commit_and_abort("/test/tx6");
    ck_assert_int_eq(*CTX_XSBATCH_FD1(ctx), 0);
    if (saved) setenv("XENSTORED_PATH", saved, 1);
    else unsetenv("XENSTORED_PATH");
    free(saved);
}
