/*
 * test_slow_device_faults.c: one disk fault of each class, on Debian's
 * libxenlight and on lightcore (Debian's probe binary on each library,
 * tests/abi/dropin_faults.c), each library with its compiled-in deadlines
 * (10 s for the backend, 40 s for a hotplug script, 10 + 10 s for a
 * removal): the hotplug script exiting 1, the script hanging past its
 * deadline, a backend that never reaches InitWait, a removal whose
 * backend never closes, and an abort while the script runs. Both return
 * the same libxl error code; each prints how long its call took; after a
 * failed add lightcore leaves nothing (no node, no stored disk) where
 * Debian's library leaves the frontend, backend and /libxl nodes and the
 * stored disk (README, "Where lightcore deliberately differs").
 *
 * Each run has a simulated host of its own (domain 1 with a guest that
 * runs its frontends) and private /var/lib/xen directories. As root only.
 */
#include <check.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "simhost.h"
#include "subproc.h"
#include "testmain.h"

#define PROBE "tests/dropin-faults-debian"
#define RUN_TIMEOUT_MS 150000

static char base[] = "/tmp/slow-device-faults.XXXXXX";
static char image[PATH_MAX], config[PATH_MAX];

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, mode), 0);
}

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(base));
    snprintf(image, sizeof(image), "%s/image", base);
    snprintf(config, sizeof(config), "%s/config.json", base);
    write_file(image, "", 0600);
    write_file(config,
               "{\"c_info\":{\"type\":\"pv\",\"name\":\"vm\"},"
               "\"b_info\":{\"max_vcpus\":1,\"max_memkb\":65536,"
               "\"target_memkb\":65536,\"type.pv\":{}}}", 0644);
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

TEST_FIXTURE(setup, teardown);

#define SKIP_UNLESS_ROOT()                                                  \
    do {                                                                    \
        if (geteuid()) {                                                    \
            fprintf(stderr, "%s: skipped: needs root (private mount"        \
                    " namespaces)\n", __func__);                            \
            return;                                                         \
        }                                                                   \
    } while (0)

/* A hotplug script at base/NAME: the shell's own sh, without the
 * simulator's preload (nor a sanitizer's). */
static const char *script(const char *name, const char *body)
{
    static char path[PATH_MAX];
    char text[3 * PATH_MAX];

    snprintf(path, sizeof(path), "%s/%s", base, name);
    snprintf(text, sizeof(text), "#!/usr/bin/env -S -u LD_PRELOAD /bin/sh\n"
             "%s\n", body);
    write_file(path, text, 0755);
    return path;
}

#define GOOD_ADD \
    "[ \"$1\" = add ] && xenstore-write \"$XENBUS_PATH/physical-device\" " \
    "7:0 \"$XENBUS_PATH/hotplug-status\" connected\nexit 0"

/* The probe on one library (lightcore: LD_LIBRARY_PATH), in private Xen
 * directories under dir; what it printed. */
static char *probe(bool lightcore, const char *dir, const char *const args[])
{
    char path[PATH_MAX], build[PATH_MAX], libpath[PATH_MAX + 32],
         preload[PATH_MAX * 2 + 32];
    const char *env[] = {
        preload, "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0",
        lightcore ? libpath : NULL, NULL,
    };
    const char *argv[32];
    char *out = NULL, *err = NULL;
    int n, status;

    snprintf(preload, sizeof(preload), "%s", simhost_preload_env());
    snprintf(path, sizeof(path), "%s", subproc_build_path(PROBE));
    ck_assert_ptr_nonnull(realpath(subproc_build_path("."), build));
    snprintf(libpath, sizeof(libpath), "LD_LIBRARY_PATH=%s", build);
    n = subproc_private_xen_dirs(argv, dir, env);
    argv[n++] = path;
    for (int i = 0; args[i]; i++) argv[n++] = args[i];
    argv[n] = NULL;
    status = subproc_run(&out, &err, argv, NULL, RUN_TIMEOUT_MS);
    ck_assert_msg(status == 0, "probe%s exited %d\nstdout:\n%s\nstderr:\n%s",
                  lightcore ? " (on lightcore)" : "", status, out, err);
    free(err);
    return out;
}

typedef struct {
    char *out;                         /* the last command's output */
    int rc;
    long ms;
    int backend, frontend, record, stored;
} side;

static void parse(side *s, const char *cmd)
{
    char key[32];
    const char *p;

    snprintf(key, sizeof(key), "%s rc=", cmd);
    p = strstr(s->out, key);
    ck_assert_msg(p != NULL, "no result in:\n%s", s->out);
    s->rc = atoi(p + strlen(key));
    ck_assert_ptr_nonnull(p = strstr(s->out, "\nms="));
    s->ms = atol(p + 4);
    ck_assert_ptr_nonnull(p = strstr(s->out, "backend "));
    s->backend = atoi(p + 8);
    ck_assert_ptr_nonnull(p = strstr(s->out, "frontend "));
    s->frontend = atoi(p + 9);
    ck_assert_ptr_nonnull(p = strstr(s->out, "record "));
    s->record = atoi(p + 7);
    ck_assert_ptr_nonnull(p = strstr(s->out, "stored disks "));
    s->stored = atoi(p + 13);
}

/*
 * One side: a host of its own, domain 1 and its stored configuration; the
 * backends' policy for its disks set to `first` (NULL: obey); then each
 * command of cmds in turn, the policy set to `then` (if not NULL) before
 * the last one. The last command's result, parsed.
 */
static side run_side(bool lightcore, const char *name,
                     const char *first, const char *then,
                     const char *const *const cmds[])
{
    simhost *host = simhost_start();
    char dir[PATH_MAX];
    const char *store[] = { "store", "1", config, NULL };
    char *out;
    side s = { 0 };
    int i;

    ck_assert_ptr_nonnull(host);
    ck_assert_int_eq(simhost_create_domain("vm", 64, 1, "obey"), 1);
    snprintf(dir, sizeof(dir), "%s/%s-%s", base, name,
             lightcore ? "lightcore" : "debian");
    out = probe(lightcore, dir, store);
    ck_assert_str_eq(out, "store rc=0\n");
    free(out);
    if (first) ck_assert_int_eq(simhost_backend_policy(1, "vbd", first), 0);
    for (i = 0; cmds[i]; i++) {
        if (!cmds[i + 1] && then)
            ck_assert_int_eq(simhost_backend_policy(1, "vbd", then), 0);
        free(s.out);
        s.out = probe(lightcore, dir, cmds[i]);
    }
    parse(&s, cmds[i - 1][0]);
    ck_assert_int_eq(simhost_stop(host), 0);
    return s;
}

/* Both sides, the same rc; the figures on stderr (one line). */
static void both(const char *name, const char *first, const char *then,
                 const char *const *const cmds[], side *debian,
                 side *lightcore)
{
    *debian = run_side(false, name, first, then, cmds);
    *lightcore = run_side(true, name, first, then, cmds);
    fprintf(stderr, "%s: rc %d (Debian) %d (lightcore); %ld ms against %ld"
            " ms; left behind (backend, frontend, record, stored disks):"
            " Debian %d %d %d %d, lightcore %d %d %d %d\n", name,
            debian->rc, lightcore->rc, debian->ms, lightcore->ms,
            debian->backend, debian->frontend, debian->record,
            debian->stored, lightcore->backend, lightcore->frontend,
            lightcore->record, lightcore->stored);
    ck_assert_int_eq(debian->rc, lightcore->rc);
}

/* After a failed add: Debian's library leaves everything, lightcore
 * nothing. */
static void assert_add_left(const side *debian, const side *lightcore)
{
    ck_assert(debian->backend && debian->frontend && debian->record);
    ck_assert_int_eq(debian->stored, 1);
    ck_assert(!lightcore->backend && !lightcore->frontend &&
              !lightcore->record);
    ck_assert_int_eq(lightcore->stored, 0);
}

static void dispose(side *a, side *b)
{
    free(a->out);
    free(b->out);
}

TEST(slow_script_exits_1, 300)
{
    const char *sc = script("fails", "exit 1");
    const char *add[] = { "add", "1", image, sc, NULL };
    const char *const *const cmds[] = { add, NULL };
    side d, l;

    SKIP_UNLESS_ROOT();
    both("script exits 1", NULL, NULL, cmds, &d, &l);
    ck_assert_int_eq(d.rc, -3);                          /* ERROR_FAIL */
    assert_add_left(&d, &l);
    dispose(&d, &l);
}

TEST(slow_script_hangs_past_its_deadline, 300)
{
    const char *sc = script("hangs", "[ \"$1\" = add ] && exec sleep 1000\n"
                            "exit 0");
    const char *add[] = { "add", "1", image, sc, NULL };
    const char *const *const cmds[] = { add, NULL };
    side d, l;

    SKIP_UNLESS_ROOT();
    both("script hangs", NULL, NULL, cmds, &d, &l);
    ck_assert_int_eq(d.rc, -9);                      /* ERROR_TIMEDOUT */
    ck_assert_int_ge(d.ms, 40000);
    ck_assert_int_ge(l.ms, 40000);
    assert_add_left(&d, &l);
    dispose(&d, &l);
}

TEST(slow_backend_never_reaches_initwait, 300)
{
    const char *sc = script("good", GOOD_ADD);
    const char *add[] = { "add", "1", image, sc, NULL };
    const char *const *const cmds[] = { add, NULL };
    side d, l;

    SKIP_UNLESS_ROOT();
    both("backend never reaches InitWait", "no-initwait", NULL, cmds, &d,
         &l);
    ck_assert_int_eq(d.rc, -9);
    ck_assert_int_ge(d.ms, 10000);
    ck_assert_int_ge(l.ms, 10000);
    assert_add_left(&d, &l);
    dispose(&d, &l);
}

TEST(slow_remove_of_a_backend_that_never_closes, 300)
{
    const char *sc = script("good", GOOD_ADD);
    const char *add[] = { "add", "1", image, sc, NULL };
    const char *rm[] = { "remove", "1", image, sc, NULL };
    const char *const *const cmds[] = { add, rm, NULL };
    side d, l;

    SKIP_UNLESS_ROOT();
    both("remove, backend never closes", NULL, "no-close", cmds, &d, &l);
    ck_assert_int_eq(d.rc, -9);
    /* unforced, then forced: 10 + 10 s */
    ck_assert_int_ge(d.ms, 20000);
    ck_assert_int_ge(l.ms, 20000);
    /* the forced removal takes the nodes away in both */
    ck_assert(!d.backend && !d.frontend && !d.record);
    ck_assert(!l.backend && !l.frontend && !l.record);
    ck_assert_int_eq(d.stored, l.stored);
    dispose(&d, &l);
}

TEST(slow_abort_while_the_script_runs, 300)
{
    char body[PATH_MAX * 2], runs_d[PATH_MAX], runs_l[PATH_MAX];
    const char *sc_d, *sc_l;
    side d, l;

    SKIP_UNLESS_ROOT();
    snprintf(runs_d, sizeof(runs_d), "%s/runs-debian", base);
    snprintf(runs_l, sizeof(runs_l), "%s/runs-lightcore", base);
    snprintf(body, sizeof(body), "echo \"$1\" >> %s\n"
             "[ \"$1\" = add ] && exec sleep 1000\nexit 0", runs_d);
    sc_d = strdup(script("blocks-debian", body));
    snprintf(body, sizeof(body), "echo \"$1\" >> %s\n"
             "[ \"$1\" = add ] && exec sleep 1000\nexit 0", runs_l);
    sc_l = strdup(script("blocks-lightcore", body));
    {
        const char *ab[] = { "abort", "1", image, sc_d, runs_d, NULL };
        const char *const *const cmds[] = { ab, NULL };
        d = run_side(false, "abort", NULL, NULL, cmds);
    }
    {
        const char *ab[] = { "abort", "1", image, sc_l, runs_l, NULL };
        const char *const *const cmds[] = { ab, NULL };
        l = run_side(true, "abort", NULL, NULL, cmds);
    }
    fprintf(stderr, "abort while the script runs: rc %d (Debian) %d"
            " (lightcore); %ld ms against %ld ms; left behind (backend,"
            " frontend, record, stored disks): Debian %d %d %d %d,"
            " lightcore %d %d %d %d\n", d.rc, l.rc, d.ms, l.ms, d.backend,
            d.frontend, d.record, d.stored, l.backend, l.frontend, l.record,
            l.stored);
    ck_assert_int_eq(d.rc, l.rc);
    ck_assert_int_eq(d.rc, -22);                       /* ERROR_ABORTED */
    assert_add_left(&d, &l);
    free((char *)sc_d);
    free((char *)sc_l);
    dispose(&d, &l);
}
