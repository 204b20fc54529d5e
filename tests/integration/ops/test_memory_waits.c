/*
 * test_memory_waits.c: lightcore's libxl_wait_for_memory_target and
 * libxl_wait_for_free_memory against a simulated guest that moves while
 * the wait runs: its balloon reaches the target (0), or it grows instead
 * (ERROR_FAIL, as libxl), and the host's free memory appears once a
 * domain is gone. The guest side is a child process that acts once the
 * wait has looked at the domain (the simulator's hypercall counter says
 * so), so nothing here sleeps. What both libraries do without a moving
 * guest is in test_dropin_mem.
 */
#include <check.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libxl.h"
#include "simhost.h"
#include "testlog.h"
#include "testmain.h"
#include "xensim.h"

#include <xenstore.h>

static simhost *host;
static libxl_ctx *ctx;
static xentoollog_logger *logger;

static void setup(void)
{
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    logger = testlog_new();
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, logger), 0);
}

static void teardown(void)
{
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    xtl_logger_destroy(logger);
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

static uint64_t polls(void)
{
    uint64_t v = 0;
    xensim_counter_get("sysctl.getdomaininfolist", &v);
    return v;
}

/*
 * A child that waits (up to 10 s) until the parent's wait has polled the
 * hypervisor `after` more times, then does what the guest or the host
 * does: balloon domid to kb, or (kb == 0) destroy it.
 */
static pid_t act_after_polls(uint64_t after, uint32_t domid, uint64_t kb)
{
    uint64_t start = polls();
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid)
        return pid;
    uint64_t deadline = test_now_ms() + 10000;
    while (polls() < start + after && test_now_ms() < deadline)
        sched_yield();
    int r = kb ? xensim_domain_balloon(domid, kb) : xensim_domain_destroy(domid);
    _exit(r < 0 ? 1 : 0);
}

static void reap(pid_t pid)
{
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void set_target(int domid, const char *kb)
{
    struct xs_handle *xs = xs_open(0);
    char path[64];
    ck_assert_ptr_nonnull(xs);
    snprintf(path, sizeof(path), "/local/domain/%d/memory/target", domid);
    ck_assert(xs_write(xs, XBT_NULL, path, kb, strlen(kb)));
    xs_close(xs);
}

TEST(wait_for_memory_target_sees_the_balloon_reach_it, 60)
{
    int d = simhost_create_domain("vm", 256, 1, NULL);
    ck_assert_int_ge(d, 1);
    set_target(d, "131072");
    pid_t guest = act_after_polls(1, (uint32_t)d, 131072);
    uint64_t t0 = test_now_ms();
    ck_assert_int_eq(libxl_wait_for_memory_target(ctx, (uint32_t)d, 10), 0);
    reap(guest);
    /* libxl looks every 2 s; the first answer here comes well before */
    ck_assert_uint_lt(test_now_ms() - t0, 1900);
}

TEST(wait_for_memory_target_fails_when_the_guest_grows, 60)
{
    int d = simhost_create_domain("vm", 256, 1, NULL);
    ck_assert_int_ge(d, 1);
    set_target(d, "131072");
    pid_t guest = act_after_polls(1, (uint32_t)d, 256 * 1024 + 512);
    ck_assert_int_eq(libxl_wait_for_memory_target(ctx, (uint32_t)d, 10),
                     ERROR_FAIL);
    reap(guest);
}

TEST(wait_for_memory_target_gives_up_without_progress, 60)
{
    int d = simhost_create_domain("vm", 256, 1, NULL);
    ck_assert_int_ge(d, 1);
    set_target(d, "131072");
    uint64_t t0 = test_now_ms();
    ck_assert_int_eq(libxl_wait_for_memory_target(ctx, (uint32_t)d, 2),
                     ERROR_FAIL);
    uint64_t took = test_now_ms() - t0;
    ck_assert_uint_ge(took, 2000);
    ck_assert_uint_lt(took, 10000);
}

TEST(wait_for_free_memory_sees_a_domain_go, 60)
{
    /* the simulated host has 64 GiB; a 48 GiB domain leaves less than
     * 32 GiB free until it is destroyed */
    int d = simhost_create_domain("big", 48 * 1024, 1, NULL);
    ck_assert_int_ge(d, 1);
    uint64_t want = 32ull * 1024 * 1024;
    ck_assert_int_eq(libxl_wait_for_free_memory(ctx, 0, want, 0), ERROR_NOMEM);
    pid_t host_side = act_after_polls(0, (uint32_t)d, 0);
    ck_assert_int_eq(libxl_wait_for_free_memory(ctx, 0, want, 20), 0);
    reap(host_side);
}
