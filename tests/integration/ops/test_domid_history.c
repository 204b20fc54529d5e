/*
 * test_domid_history.c: lightcore's record of recently destroyed domids
 * (ops/domid_history.h), the internal side the drop-in test cannot call:
 * libxl__mark_domid_recent and libxl__is_domid_recent in private
 * /var/run/xen directories, on a ctx over the simulated host. The file's
 * format and what destroy writes are compared with Debian's library in
 * test_dropin_console.c; here: the reader's answers, the reuse timeout
 * from the environment, stamps in the future, text that is no number
 * (libxl's reader never gets past it), a file that cannot be read, and
 * clearing a history that cannot be removed.
 */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libxl.h"
#include "ops/domid_history.h"
#include "base/gc.h"
#include "privdirs.h"
#include "simhost.h"
#include "testlog.h"
#include "testmain.h"

#define HISTORY "/var/run/xen/domid-history"

static char base[] = "/tmp/domid-history.XXXXXX";
static simhost *host;
static xentoollog_logger *lg;
static libxl_ctx *ctx;
static bool skipped;

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(base));
    skipped = !privdirs_enter(base);
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    lg = testlog_new();
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg), 0);
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    xtl_logger_destroy(lg);
    ck_assert_int_eq(simhost_stop(host), 0);
    nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

TEST_FIXTURE(setup, teardown);

static unsigned long now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long)ts.tv_sec;
}

static void seed(const char *text)
{
    FILE *f = fopen(HISTORY, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
}

static char *slurp(void)
{
    FILE *f = fopen(HISTORY, "r");
    char *buf = NULL;
    size_t size = 0;

    ck_assert_ptr_nonnull(f);
    if (getdelim(&buf, &size, '\0', f) < 0) {
        free(buf);
        buf = strdup("");
    }
    fclose(f);
    return buf;
}

static int recent(uint32_t domid, bool *r)
{
    GC_INIT(ctx);
    *r = !*r;                  /* must be set */
    return libxl__is_domid_recent(gc, domid, r);
}

static int mark(uint32_t domid)
{
    GC_INIT(ctx);
    return libxl__mark_domid_recent(gc, domid);
}

#define SKIP_IF_NOT_ROOT() do { \
        if (skipped) { fprintf(stderr, "skipped: not root\n"); return; } \
    } while (0)

TEST(marked_domids_are_recent_until_the_timeout, 60)
{
    bool r = true;
    char want[128], *text;

    SKIP_IF_NOT_ROOT();
    unsetenv("LIBXL_DOMID_REUSE_TIMEOUT");
    /* no file: nothing is recent */
    ck_assert_int_eq(recent(5, &r), 0);
    ck_assert(!r);

    unsigned long before = now_s();
    ck_assert_int_eq(mark(5), 0);
    ck_assert_int_eq(mark(6), 0);
    unsigned long after = now_s();
    text = slurp();
    unsigned long t5, t6;
    ck_assert_int_eq(sscanf(text, "%lu 5\n%lu 6\n", &t5, &t6), 2);
    ck_assert(t5 >= before && t6 >= t5 && t6 <= after);
    snprintf(want, sizeof(want), "%lu 5\n%lu 6\n", t5, t6);
    ck_assert_str_eq(text, want);
    free(text);
    ck_assert_int_eq(access(HISTORY ".new", F_OK), -1);
    ck_assert_int_eq(access(HISTORY ".lock", F_OK), -1);
    ck_assert_int_eq(recent(5, &r), 0);
    ck_assert(r);
    ck_assert_int_eq(recent(6, &r), 0);
    ck_assert(r);
    ck_assert_int_eq(recent(7, &r), 0);
    ck_assert(!r);

    /* stale (past 60 s), in the future, not a guest's: not recent, and
     * dropped by the next mark */
    unsigned long now = now_s();
    snprintf(want, sizeof(want), "%lu 1\n%lu 2\n%lu 3\n%lu 0\n%lu 32752\n",
             now - 61, now + 30, now - 30, now, now);
    seed(want);
    for (uint32_t d = 0; d <= 3; d++) {
        ck_assert_int_eq(recent(d, &r), 0);
        ck_assert_msg(r == (d == 3), "domid %u", d);
    }
    ck_assert_int_eq(recent(32752, &r), 0);
    ck_assert(!r);
    ck_assert_int_eq(mark(4), 0);
    text = slurp();
    unsigned long t4;
    ck_assert_int_eq(sscanf(text, "%*u 3\n%lu 4\n", &t4), 1);
    snprintf(want, sizeof(want), "%lu 3\n%lu 4\n", now - 30, t4);
    ck_assert_str_eq(text, want);
    free(text);

    /* the timeout from the environment, strtol base 0: 0x10 = 16 s */
    setenv("LIBXL_DOMID_REUSE_TIMEOUT", "0x10", 1);
    ck_assert_int_eq(recent(3, &r), 0);
    ck_assert(!r);
    ck_assert_int_eq(recent(4, &r), 0);
    ck_assert(r);
    unsetenv("LIBXL_DOMID_REUSE_TIMEOUT");
}

TEST(text_that_is_no_number_is_skipped, 60)
{
    bool r = false;
    char text[256], *after;

    SKIP_IF_NOT_ROOT();
    unsigned long now = now_s();
    snprintf(text, sizeof(text), "junk here\n%lu x\n-\n%lu 9\n%lu",
             now, now - 1, now);
    seed(text);
    /* libxl's reader would loop for ever on the first line */
    ck_assert_int_eq(recent(9, &r), 0);
    ck_assert(r);
    ck_assert_int_eq(recent(8, &r), 0);
    ck_assert(!r);
    ck_assert_int_eq(mark(8), 0);
    after = slurp();
    unsigned long t8;
    ck_assert_int_eq(sscanf(after, "%*u 9\n%lu 8\n", &t8), 1);
    snprintf(text, sizeof(text), "%lu 9\n%lu 8\n", now - 1, t8);
    ck_assert_str_eq(after, text);
    free(after);
}

TEST(a_history_that_cannot_be_read_fails_the_calls, 60)
{
    bool r = false;

    SKIP_IF_NOT_ROOT();
    /* a directory where the file should be: opened, but unreadable */
    ck_assert_int_eq(mkdir(HISTORY, 0700), 0);
    ck_assert_int_eq(mkdir(HISTORY "/x", 0700), 0);
    testlog_clear(lg);
    ck_assert_int_eq(recent(3, &r), ERROR_FAIL);
    ck_assert(testlog_contains(lg, XTL_ERROR,
                               "failed to read from '" HISTORY "'"));
    ck_assert_int_eq(mark(3), ERROR_FAIL);
    ck_assert_int_eq(access(HISTORY ".lock", F_OK), -1);
    /* clearing cannot remove it: libxl's line and ERROR_FAIL */
    testlog_clear(lg);
    ck_assert_int_eq(libxl_clear_domid_history(ctx), ERROR_FAIL);
    ck_assert(testlog_contains(lg, XTL_ERROR,
                               "failed to remove '" HISTORY "'"));
    ck_assert_int_eq(rmdir(HISTORY "/x"), 0);
    ck_assert_int_eq(rmdir(HISTORY), 0);
    ck_assert_int_eq(libxl_clear_domid_history(ctx), 0);
}
