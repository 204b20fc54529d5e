/*
 * test_host_sizes.c: the host's CPU, node and socket counts and CPU <->
 * node maps (ops/host.c) on the simulated host, whose physinfo and
 * cputopoinfo say: as many CPUs as this machine has online, one thread per
 * core, all cores in one socket, all on node 0. libxl_get_max_cpus /
 * _nodes and the bitmaps sized by them (max 0 asks the hypervisor; a
 * negative size is ERROR_INVAL); libxl_nodemap_to_cpumap,
 * libxl_node_to_cpumap, libxl_cpumap_to_nodemap.
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
    /* physinfo's max_node_id is Xen's MAX_NUMNODES - 1 (63), not the
     * last online node: 64 nodes, whatever the host has */
    ck_assert_int_eq(libxl_get_max_nodes(ctx), 64);

    libxl_bitmap_init(&b);
    ck_assert_int_eq(libxl_cpu_bitmap_alloc(ctx, &b, 0), 0);
    ck_assert_uint_eq(b.size, (unsigned)(cpus + 7) / 8);
    ck_assert(libxl_bitmap_is_empty(&b));
    libxl_bitmap_dispose(&b);
    ck_assert_int_eq(libxl_node_bitmap_alloc(ctx, &b, 0), 0);
    ck_assert_uint_eq(b.size, 8);
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

TEST(cpus_and_nodes, 60)
{
    int cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    libxl_bitmap cpumap, nodemap;

    libxl_bitmap_init(&cpumap);
    libxl_bitmap_init(&nodemap);
    ck_assert_int_eq(libxl_cpu_bitmap_alloc(ctx, &cpumap, 0), 0);
    ck_assert_int_eq(libxl_node_bitmap_alloc(ctx, &nodemap, 0), 0);

    /* node 0 has every CPU; the output map is cleared first */
    libxl_bitmap_set(&nodemap, 0);
    libxl_bitmap_set_any(&cpumap);
    ck_assert_int_eq(libxl_nodemap_to_cpumap(ctx, &nodemap, &cpumap), 0);
    ck_assert_int_eq(libxl_bitmap_count_set(&cpumap), cpus);
    for (int i = 0; i < cpus; i++)
        ck_assert(libxl_bitmap_test(&cpumap, i));
    libxl_bitmap_set_none(&cpumap);
    ck_assert_int_eq(libxl_node_to_cpumap(ctx, 0, &cpumap), 0);
    ck_assert_int_eq(libxl_bitmap_count_set(&cpumap), cpus);
    /* other nodes have none */
    ck_assert_int_eq(libxl_node_to_cpumap(ctx, 1, &cpumap), 0);
    ck_assert(libxl_bitmap_is_empty(&cpumap));
    ck_assert_int_eq(libxl_node_to_cpumap(ctx, -1, &cpumap), 0);
    ck_assert(libxl_bitmap_is_empty(&cpumap));

    /* every CPU is on node 0; CPUs the host lacks count for nothing */
    libxl_bitmap_set_none(&cpumap);
    libxl_bitmap_set(&cpumap, cpus - 1);
    libxl_bitmap_set_any(&nodemap);
    ck_assert_int_eq(libxl_cpumap_to_nodemap(ctx, &cpumap, &nodemap), 0);
    ck_assert_int_eq(libxl_bitmap_count_set(&nodemap), 1);
    ck_assert(libxl_bitmap_test(&nodemap, 0));
    libxl_bitmap_dispose(&cpumap);
    ck_assert_int_eq(libxl_bitmap_alloc(ctx, &cpumap, cpus + 8), 0);
    libxl_bitmap_set(&cpumap, cpus);
    ck_assert_int_eq(libxl_cpumap_to_nodemap(ctx, &cpumap, &nodemap), 0);
    ck_assert(libxl_bitmap_is_empty(&nodemap));
    libxl_bitmap_dispose(&cpumap);
    libxl_bitmap_dispose(&nodemap);
}
