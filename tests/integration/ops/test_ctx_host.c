/*
 * test_ctx_host.c: contexts, version information and the synchronous
 * domain queries against a private simulated Xen host (Debian's xenstored
 * and libxenctrl on the simulated hypervisor).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

TEST(version_info_from_the_hypervisor, 60)
{
    const libxl_version_info *v = libxl_get_version_info(ctx);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(v->xen_version_major, 4);
    ck_assert_int_eq(v->xen_version_minor, 17);
    ck_assert_ptr_nonnull(v->xen_version_extra);
    ck_assert_ptr_nonnull(v->capabilities);
    ck_assert_ptr_nonnull(strstr(v->capabilities, "xen-3.0-x86_64"));
    ck_assert_int_eq(v->pagesize, 4096);
    ck_assert_ptr_nonnull(v->build_id);
    /* Cached: the same pointer, and no further hypercalls. */
    simhost_counters_reset();
    ck_assert_ptr_eq(libxl_get_version_info(ctx), v);
    ck_assert_uint_eq(simhost_counter("xen_version"), 0);
}

TEST(two_contexts_coexist, 60)
{
    libxl_ctx *second = NULL;
    ck_assert_int_eq(libxl_ctx_alloc(&second, LIBXL_VERSION, 0, lg), 0);
    ck_assert_ptr_nonnull(second);
    ck_assert_ptr_ne(second, ctx);
    ck_assert_int_eq(libxl_domain_info(second, NULL, 0), 0);
    ck_assert_int_eq(libxl_ctx_free(second), 0);
    ck_assert_int_eq(libxl_domain_info(ctx, NULL, 0), 0);
}

TEST(xenstored_unreachable_is_a_clear_error, 60)
{
    /* The hypervisor is there; xenstored is not where we look. */
    libxl_ctx *other = (libxl_ctx *)0x1;
    char *saved = strdup(getenv("XENSTORED_PATH"));
    setenv("XENSTORED_PATH", "/nonexistent/lightcore/socket", 1);
    testlog_clear(lg);
    ck_assert_int_eq(libxl_ctx_alloc(&other, LIBXL_VERSION, 0, lg), ERROR_FAIL);
    ck_assert_ptr_eq(other, (libxl_ctx *)0x1);
    ck_assert_msg(testlog_contains(lg, XTL_ERROR, "cannot connect to xenstored"),
                  "%s", testlog_dump(lg));
    setenv("XENSTORED_PATH", saved, 1);
    free(saved);
}

TEST(domain_info_reports_state, 60)
{
    int web = simhost_create_domain("web", 512, 2, NULL);
    int db = simhost_create_domain("db", 256, 1, NULL);
    int idle = simhost_create_domain("idle", 128, 1, NULL);
    ck_assert_int_ge(web, 1);
    ck_assert_int_gt(db, web);
    ck_assert_int_gt(idle, db);
    ck_assert_int_eq(simhost_shutdown_domain(web, "reboot"), 0);
    ck_assert_int_eq(simhost_crash_domain(db), 0);
    char idle_id[16];
    snprintf(idle_id, sizeof(idle_id), "%d", idle);
    ck_assert_int_eq(simhost_cli(NULL, "pause", idle_id, NULL), 0);

    libxl_dominfo info;
    ck_assert_int_eq(libxl_domain_info(ctx, &info, (uint32_t)web), 0);
    ck_assert_uint_eq(info.domid, (uint32_t)web);
    ck_assert(info.shutdown);
    ck_assert_int_eq(info.shutdown_reason, LIBXL_SHUTDOWN_REASON_REBOOT);
    ck_assert_uint_eq(info.current_memkb, 512 * 1024);
    ck_assert_uint_eq(info.max_memkb, 513 * 1024); /* memory + 1 MiB */
    ck_assert_int_eq(info.vcpu_online, 2);
    ck_assert(!libxl_uuid_is_nil(&info.uuid));
    libxl_dominfo_dispose(&info);

    ck_assert_int_eq(libxl_domain_info(ctx, &info, (uint32_t)db), 0);
    ck_assert(info.shutdown);
    ck_assert_int_eq(info.shutdown_reason, LIBXL_SHUTDOWN_REASON_CRASH);
    libxl_dominfo_dispose(&info);

    ck_assert_int_eq(libxl_domain_info(ctx, &info, (uint32_t)idle), 0);
    ck_assert(info.paused);
    ck_assert(!info.shutdown);
    libxl_dominfo_dispose(&info);

    ck_assert_int_eq(libxl_domain_info(ctx, &info, 0), 0);
    ck_assert(!info.shutdown);
    ck_assert_int_eq(info.shutdown_reason, LIBXL_SHUTDOWN_REASON_UNKNOWN);
    libxl_dominfo_dispose(&info);
}

TEST(missing_domain_is_domain_notfound, 60)
{
    int a = simhost_create_domain("a", 64, 1, NULL);
    int b = simhost_create_domain("b", 64, 1, NULL);
    libxl_dominfo info;
    libxl_dominfo_init(&info);
    /* Between existing ids, past the last one, and the info_r == NULL form. */
    ck_assert_int_eq(simhost_destroy_domain(a), 0);
    ck_assert_int_eq(simhost_wait_gone(a, 5000), 0);
    ck_assert_int_eq(libxl_domain_info(ctx, &info, (uint32_t)a),
                     ERROR_DOMAIN_NOTFOUND);
    ck_assert_int_eq(libxl_domain_info(ctx, NULL, (uint32_t)b + 100),
                     ERROR_DOMAIN_NOTFOUND);
    ck_assert_int_eq(libxl_domain_info(ctx, NULL, (uint32_t)b), 0);
    libxl_dominfo_dispose(&info);
}

TEST(list_domain_matches_the_host_in_one_hypercall, 60)
{
    enum { N = 40 };
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "guest%02d", i);
        ck_assert_int_ge(simhost_create_domain(name, 64 + i, 1, NULL), 1);
    }
    simhost_counters_reset();
    int nb = 0;
    libxl_dominfo *list = libxl_list_domain(ctx, &nb);
    ck_assert_ptr_nonnull(list);
    ck_assert_uint_eq(simhost_counter("sysctl.getdomaininfolist"), 1);
    ck_assert_int_eq(nb, N + 1);
    ck_assert_uint_eq(list[0].domid, 0);
    for (int i = 1; i < nb; i++) {
        ck_assert_uint_gt(list[i].domid, list[i - 1].domid);
        ck_assert_uint_eq(list[i].current_memkb, (uint64_t)(64 + i - 1) * 1024);
        char *n = libxl_domid_to_name(ctx, list[i].domid);
        snprintf(name, sizeof(name), "guest%02d", i - 1);
        ck_assert_str_eq(n, name);
        free(n);
    }
    libxl_dominfo_list_free(list, nb);
    libxl_dominfo_list_free(NULL, 0); /* harmless */
}

TEST(names_and_qualifiers, 60)
{
    int web = simhost_create_domain("web", 64, 1, NULL);
    uint32_t domid = 12345;
    ck_assert_int_eq(libxl_name_to_domid(ctx, "web", &domid), 0);
    ck_assert_uint_eq(domid, (uint32_t)web);
    ck_assert_int_eq(libxl_name_to_domid(ctx, "Domain-0", &domid), 0);
    ck_assert_uint_eq(domid, 0);
    ck_assert_int_eq(libxl_name_to_domid(ctx, "nope", &domid), ERROR_INVAL);
    ck_assert_int_eq(libxl_domain_qualifier_to_domid(ctx, "web", &domid), 0);
    ck_assert_uint_eq(domid, (uint32_t)web);
    ck_assert_int_eq(libxl_domain_qualifier_to_domid(ctx, "77", &domid), 0);
    ck_assert_uint_eq(domid, 77);
    ck_assert_int_eq(libxl_domain_qualifier_to_domid(ctx, "", &domid),
                     ERROR_INVAL);
    ck_assert_int_eq(libxl_domain_qualifier_to_domid(ctx, "99999999999", &domid),
                     ERROR_INVAL);
    char *n = libxl_domid_to_name(ctx, 9999);
    ck_assert_ptr_null(n);
}
