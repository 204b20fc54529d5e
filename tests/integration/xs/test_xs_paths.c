/*
 * test_xs_paths.c: libxl__xs_path_cleanup (src/xs/paths.c) against the
 * simulated host's real xenstored: the path goes with everything below
 * it, then each parent left with no children and an empty value, and the
 * walk stops at the first parent that still has a child or a value (as
 * libxl's clean-up does); a path under a missing parent is an error.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "base/gc.h"
#include "xs/paths.h"
#include "simhost.h"
#include "testlog.h"
#include "testmain.h"

static simhost *host;
static libxl_ctx *ctx;
static xentoollog_logger *lg;
static struct xs_handle *xsh;

static void setup(void)
{
    host = simhost_start();
    ck_assert_msg(host != NULL, "could not start a simulated host");
    lg = testlog_new();
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg), 0);
    xsh = xs_open(0);
    ck_assert_ptr_nonnull(xsh);
}

static void teardown(void)
{
    xs_close(xsh);
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    xtl_logger_destroy(lg);
    simhost_stop(host);
}

TEST_FIXTURE(setup, teardown);

static void put(const char *path, const char *value)
{
    ck_assert_msg(xs_write(xsh, XBT_NULL, path, value, strlen(value)),
                  "cannot write %s", path);
}

static bool exists(const char *path)
{
    unsigned len;
    char *v = xs_read(xsh, XBT_NULL, path, &len);

    free(v);
    return v != NULL;
}

/* Runs the clean-up of path in a transaction of its own; its rc. */
static int cleanup(const char *path)
{
    GC_INIT(ctx);
    xs_transaction_t t = xs_transaction_start(ctx->xsh);
    int rc;

    ck_assert(t);
    rc = libxl__xs_path_cleanup(gc, t, path);
    ck_assert(xs_transaction_end(ctx->xsh, t, false));
    return rc;
}

TEST(cleanup_removes_the_empty_parents_and_stops_at_a_child, 30)
{
    put("/pc/a/b/c/leaf", "1");
    put("/pc/a/b/c/leaf/below", "2");
    put("/pc/a/other", "3");

    ck_assert_int_eq(cleanup("/pc/a/b/c/leaf"), 0);
    ck_assert(!exists("/pc/a/b/c/leaf/below"));
    ck_assert(!exists("/pc/a/b/c"));
    ck_assert(!exists("/pc/a/b"));
    ck_assert(exists("/pc/a"));          /* still has "other" */
    ck_assert(exists("/pc/a/other"));
}

TEST(cleanup_keeps_a_parent_with_a_value, 30)
{
    put("/pv/dir/leaf", "1");
    put("/pv/dir", "a value");

    ck_assert_int_eq(cleanup("/pv/dir/leaf"), 0);
    ck_assert(!exists("/pv/dir/leaf"));
    ck_assert(exists("/pv/dir"));        /* no child left, but a value */
    ck_assert(exists("/pv"));
}

TEST(cleanup_walks_up_to_the_root_but_never_removes_it, 30)
{
    put("/solo/x/y", "1");

    ck_assert_int_eq(cleanup("/solo/x/y"), 0);
    ck_assert(!exists("/solo"));
    ck_assert(exists("/"));
    ck_assert(exists("/local"));
}

/* xenstored removes a missing node whose parent exists without a word;
 * under a missing parent it refuses (ENOENT). */
TEST(cleanup_of_a_missing_path_touches_nothing, 30)
{
    put("/pm/kept", "1");

    ck_assert_int_eq(cleanup("/pm/absent"), 0);
    ck_assert(exists("/pm/kept"));
    ck_assert_int_eq(cleanup("/no-such-dir/absent"), ERROR_FAIL);
    ck_assert(exists("/pm/kept"));
}
