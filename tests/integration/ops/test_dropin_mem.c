/*
 * test_dropin_mem.c: memory settings, triggers, sysrq, rename, preserve
 * and the VM questions as drop-ins for Debian's libxenlight 4.17.
 * tests/abi/dropin_mem.c is built against Debian's headers and library
 * (dropin-mem-debian) and against ours (dropin-mem-ours); each of the
 * three runs (Debian's, Debian's binary on lightcore, ours) gets a fresh
 * simulated host with the same domains and the same stored
 * configurations in a private /var/lib/xen, and must print the same: each
 * call's rc and log lines, then the xenstore and hypervisor state.
 * A lightcore-only test then waits for a memory target that a simulated
 * guest's balloon reaches while the wait runs.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxl.h>

#include "dropin.h"
#include "simhost.h"
#include "subproc.h"
#include "testmain.h"

static void setup(void) {}
static void teardown(void) {}
TEST_FIXTURE(setup, teardown);

#define UUID(n) "11111111-0000-0000-0000-00000000000" #n

static void put_config(const char *dir, int domid, const char *uuid,
                       const char *type, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/lib/userdata-d.%d.%s.libxl-json", dir,
             domid, uuid);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "{\"c_info\": {\"type\": \"%s\", \"name\": \"%s\", "
            "\"uuid\": \"%s\"}, \"b_info\": {\"max_memkb\": 131072}}\n",
            type, name, uuid);
    fputc('\0', f);   /* libxl stores the string with its terminator */
    ck_assert_int_eq(fclose(f), 0);
}

static void create(const char *name, const char *mb, const char *uuid,
                   bool hvm, int expect)
{
    char *out = NULL;
    int st = hvm ? simhost_cli(&out, "create", name, "--mem-mb", mb, "--uuid",
                               uuid, "--hvm", NULL)
                 : simhost_cli(&out, "create", name, "--mem-mb", mb, "--uuid",
                               uuid, NULL);
    ck_assert_int_eq(st, 0);
    ck_assert_int_eq(atoi(out), expect);
    free(out);
}

/* One run of the probe on a host of its own (mode: NULL, or "counts"). */
static char *run_probe(const char *prog, bool on_lightcore, const char *mode)
{
    char dir[] = "/tmp/dropin-mem.XXXXXX", lib[PATH_MAX];
    char preload[PATH_MAX * 2 + 32], cli[PATH_MAX];
    simhost *host = simhost_start();

    ck_assert_ptr_nonnull(host);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(lib, sizeof(lib), "%s/lib", dir);
    ck_assert_int_eq(mkdir(lib, 0755), 0);
    create("web", "512", UUID(1), false, 1);
    create("hvm", "256", UUID(2), true, 2);
    create("noconf", "128", UUID(3), false, 3);
    create("hvm-dm", "32", UUID(4), false, 4);
    create("hostile", "128", UUID(5), false, 5);
    put_config(dir, 1, UUID(1), "pv", "web");
    put_config(dir, 2, UUID(2), "hvm", "hvm");
    put_config(dir, 5, UUID(5), "pv", "hostile");

    snprintf(preload, sizeof(preload), "%s", simhost_preload_env());
    ck_assert_ptr_nonnull(realpath(simhost_cli_path(), cli));
    const char *args[] = {cli, mode, NULL};
    char *out = dropin_run_private(prog, args, preload, on_lightcore, dir);

    ck_assert_int_eq(simhost_stop(host), 0);
    char rm[PATH_MAX + 16];
    snprintf(rm, sizeof(rm), "rm -rf %s", dir);
    ck_assert_int_eq(system(rm), 0);
    return out;
}

static char *run_on_fresh_host(const char *prog, bool on_lightcore)
{
    return run_probe(prog, on_lightcore, NULL);
}

TEST(mem_same_on_debian_and_lightcore, 150)
{
    char *debian = run_on_fresh_host("tests/dropin-mem-debian", false);
    char *abi = run_on_fresh_host("tests/dropin-mem-debian", true);
    char *api = run_on_fresh_host("tests/dropin-mem-ours", true);

    /* The probe got through, and the calls did something. */
    ck_assert_ptr_nonnull(strstr(debian, "ctx_alloc = 0\n"));
    ck_assert_ptr_nonnull(strstr(debian, "ctx_free = 0\n"));
    ck_assert_ptr_nonnull(strstr(debian, "domain_setmaxmem(1, 614400): rc 0\n"));
    ck_assert_ptr_nonnull(strstr(debian,
        "set_memory_target(1, 262144, relative 0, enforce 1): rc 0\n"));
    ck_assert_ptr_nonnull(strstr(debian,
        "wait_for_memory_target(1, reached): rc 0\n"));
    ck_assert_ptr_nonnull(strstr(debian, "domain_rename(1, web, www): rc 0\n"));
    dropin_assert_same(debian, abi, api);
    free(debian);
    free(abi);
    free(api);
}

/* The count after "name " in a counts run. */
static long count_of(const char *text, const char *name)
{
    char key[64];
    snprintf(key, sizeof(key), "%s ", name);
    for (const char *p = text; (p = strstr(p, key)); p++)
        if (p == text || p[-1] == '\n')
            return strtol(p + strlen(key), NULL, 10);
    ck_abort_msg("no count for %s in\n%s", name, text);
    return -1;
}

/* No getter makes more hypercalls than libxl's. */
TEST(getters_make_no_more_hypercalls_than_libxl, 90)
{
    static const char *const getters[] = {
        "get_memory_target_dom0_first", "get_memory_target_dom0",
        "get_memory_target", "get_memory_target_missing", "list_vm",
        "vm_get_start_time", "is_stubdom", "get_stubdom_id",
    };
    char *theirs = run_probe("tests/dropin-mem-debian", false, "counts");
    char *ours = run_probe("tests/dropin-mem-debian", true, "counts");

    for (size_t i = 0; i < sizeof(getters) / sizeof(getters[0]); i++) {
        long a = count_of(ours, getters[i]), b = count_of(theirs, getters[i]);
        ck_assert_msg(a <= b, "%s: %ld hypercalls on lightcore, %ld on libxl",
                      getters[i], a, b);
    }
    /* libxl's dom0 fill-in reads the domain and the host (physinfo);
     * lightcore needs only the domain */
    ck_assert_int_eq(count_of(ours, "get_memory_target_dom0_first"), 1);
    ck_assert_int_eq(count_of(ours, "list_vm"), 1);
    free(theirs);
    free(ours);
}
