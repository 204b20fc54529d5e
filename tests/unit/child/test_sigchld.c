/*
 * test_sigchld.c: the process-wide SIGCHLD handler: it preserves errno,
 * wakes every ctx that shares it through that ctx's own self-pipe, and
 * survives signals arriving on several threads while other threads add
 * and remove users (no mutex in the handler, so no deadlock).
 */
#include <pthread.h>

#include "child/child_testutil.h"
#include "testmain.h"

static xentoollog_logger *lg;
static libxl_ctx *ctx, *ctx2;

static void setup(void) { lg = testlog_new(); ctx = t_ctx(lg); ctx2 = t_ctx(lg); }
static void teardown(void)
{
    libxl_ctx_free(ctx);
    libxl_ctx_free(ctx2);
    xtl_logger_destroy(lg);
}

TEST_FIXTURE(setup, teardown);

static const libxl_childproc_hooks selective = {
    .chldowner = libxl_sigchld_owner_libxl_always_selective_reap,
};

TEST(handler_preserves_errno, 60)
{
    libxl_childproc_setmode(ctx, &selective, NULL);
    ck_assert(libxl__sigchld_installed());
    for (int i = 0; i < 100; i++) {
        errno = 1000 + i;
        raise(SIGCHLD);
        ck_assert_int_eq(errno, 1000 + i);
    }
}

TEST(handler_wakes_every_sharing_ctx, 60)
{
    char c;
    libxl_childproc_setmode(ctx, &selective, NULL);
    libxl_childproc_setmode(ctx2, &selective, NULL);
    t_drain(CTX_CHLD(ctx)->wakepipe[0]);
    t_drain(CTX_CHLD(ctx2)->wakepipe[0]);
    raise(SIGCHLD);
    ck_assert_int_eq(read(CTX_CHLD(ctx)->wakepipe[0], &c, 1), 1);
    ck_assert_int_eq(read(CTX_CHLD(ctx2)->wakepipe[0], &c, 1), 1);
    /* wakepipes are close-on-exec and non-blocking */
    ck_assert(t_fd_is_cloexec(CTX_CHLD(ctx)->wakepipe[0]));
    ck_assert(t_fd_is_cloexec(CTX_CHLD(ctx)->wakepipe[1]));
    libxl_childproc_setmode(ctx, NULL, NULL);
    ck_assert(libxl__sigchld_installed());        /* ctx2 still uses it */
    libxl_childproc_setmode(ctx2, NULL, NULL);
    ck_assert(!libxl__sigchld_installed());
}

static int stop;  /* atomic */
static void *signaller(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) kill(getpid(), SIGCHLD);
    return NULL;
}

TEST(signals_during_user_churn, 60)
{
    pthread_t th[2];
    int n = 2000 * t_stress_factor();
    __atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, signaller, NULL), 0);
    for (int i = 0; i < n; i++) {
        libxl_childproc_setmode(i & 1 ? ctx2 : ctx, &selective, NULL);
        libxl_childproc_setmode(i & 1 ? ctx2 : ctx, NULL, NULL);
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    ck_assert(!libxl__sigchld_installed());
}
