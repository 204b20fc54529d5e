/*
 * test_host_sizes.c: the host's CPU, node and socket counts (ops/host.c)
 * on the simulated host, whose physinfo says: as many CPUs as this machine
 * has online, one thread per core, all cores in one socket, one node.
 * libxl_get_max_cpus / _nodes and the bitmaps sized by them (max 0 asks
 * the hypervisor); a negative size is ERROR_INVAL.
 */
#include <check.h>
#include <unistd.h>

#include "libxl.h"
#include "libxl_utils.h"
#include "simhost.h"
#include "testlog.h"
#include "testmain.h"

static simhost *host;
static xentoollog_logger *lg;
static libxl_ctx *ctx;

static void setup(void)
{
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    lg = testlog_new();
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg), 0);
}

static void teardown(void)
{
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    xtl_logger_destroy(lg);
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

TEST(sizes_from_physinfo, 60)
{
    int cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    libxl_bitmap b;

    ck_assert_int_ge(cpus, 1);
    ck_assert_int_eq(libxl_get_max_cpus(ctx), cpus);
    ck_assert_int_eq(libxl_get_max_nodes(ctx), 1);

    libxl_bitmap_init(&b);
    ck_assert_int_eq(libxl_cpu_bitmap_alloc(ctx, &b, 0), 0);
    ck_assert_uint_eq(b.size, (unsigned)(cpus + 7) / 8);
    ck_assert(libxl_bitmap_is_empty(&b));
    libxl_bitmap_dispose(&b);
    ck_assert_int_eq(libxl_node_bitmap_alloc(ctx, &b, 0), 0);
    ck_assert_uint_eq(b.size, 1);
    libxl_bitmap_dispose(&b);
    simhost_counters_reset();
    ck_assert_int_eq(libxl_socket_bitmap_alloc(ctx, &b, 0), 0);
    ck_assert_uint_eq(b.size, 1);
    libxl_bitmap_dispose(&b);
    ck_assert_uint_ge(simhost_counter("hypercall.sysctl"), 1);

    /* A given size is used as it is, without asking. */
    simhost_counters_reset();
    ck_assert_int_eq(libxl_cpu_bitmap_alloc(ctx, &b, 65), 0);
    ck_assert_uint_eq(b.size, 9);
    libxl_bitmap_dispose(&b);
    ck_assert_int_eq(libxl_socket_bitmap_alloc(ctx, &b, 3), 0);
    ck_assert_uint_eq(b.size, 1);
    libxl_bitmap_dispose(&b);
    ck_assert_uint_eq(simhost_counter("hypercall.sysctl"), 0);

    ck_assert_int_eq(libxl_cpu_bitmap_alloc(ctx, &b, -1), ERROR_INVAL);
    ck_assert(testlog_contains(lg, XTL_ERROR, "invalid number of cpus"));
    ck_assert_int_eq(libxl_node_bitmap_alloc(ctx, &b, -2), ERROR_INVAL);
    ck_assert_int_eq(libxl_socket_bitmap_alloc(ctx, &b, -3), ERROR_INVAL);
    ck_assert_ptr_null(b.map);
}
