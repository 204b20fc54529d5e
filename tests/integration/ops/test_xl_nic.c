/*
 * test_xl_nic.c: Debian's own xl, unchanged, on lightcore for nics:
 * network-attach, network-list and network-detach (by devid and by MAC),
 * on a simulated host with its device drivers (netback; the guest runs
 * netfront), one guest and its stored configuration, shared by both
 * libraries (xlboth_shared: each sees the nics the other added).
 *
 * A command that changes the host runs on Debian's library first, then the
 * same command on lightcore's with its own nic (another MAC, the next
 * devid): both must exit the same way and print the same. Commands that
 * only read, or that fail, run as they are on both (xlboth_same).
 * The hotplug script is a test one (absolute path, writes hotplug-status
 * connected), so no bridge is needed.
 *
 * Normalisation: libxl's log lines name each library's own sources
 * ("libxl: error: libxl_nic.c:LINE:FUNC: "), which become "SRC:"; a
 * script's pid ("[1234]") becomes "[PID]".
 */
#include <check.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dropin.h"
#include "simhost.h"
#include "testmain.h"
#include "xlboth.h"

static simhost *host;
static char base[] = "/tmp/xl-nic.XXXXXX";
static char script[PATH_MAX], config[PATH_MAX], script_arg[PATH_MAX + 16];
static char shared[PATH_MAX + 16], preload[PATH_MAX * 2 + 32];

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, mode), 0);
}

/* Test scripts run with no LD_PRELOAD (env -u): neither the shell nor
 * xenstore-write needs the simulator's preload, and under the sanitizer
 * builds the inherited runtime crashes them. */
static void setup(void)
{
    char *out;
    const char *store[] = { "store", "1", config, NULL };

    ck_assert_ptr_nonnull(mkdtemp(base));
    snprintf(script, sizeof(script), "%s/vif-test", base);
    snprintf(script_arg, sizeof(script_arg), "script=%s", script);
    snprintf(config, sizeof(config), "%s/config.json", base);
    write_file(script,
               "#!/usr/bin/env -S -u LD_PRELOAD /bin/sh\n"
               "if [ \"$1\" = online ]; then\n"
               "  xenstore-write \"$XENBUS_PATH/hotplug-status\" connected\n"
               "fi\n", 0755);
    write_file(config,
               "{\"c_info\":{\"type\":\"pv\",\"name\":\"vm\"},"
               "\"b_info\":{\"max_vcpus\":1,\"max_memkb\":65536,"
               "\"target_memkb\":65536,\"type.pv\":{}}}", 0644);
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    snprintf(preload, sizeof(preload), "%s", simhost_preload_env());
    xlboth_init(preload, base);
    xlboth_shared = true;
    /* Debian's xl leaks in its own code: not our concern, and lightcore's
     * run has the same setting (xlboth.c). */
    setenv("ASAN_OPTIONS", "detect_leaks=0:verify_asan_link_order=0", 1);
    ck_assert_int_eq(simhost_create_domain("vm", 64, 1, "obey"), 1);
    snprintf(shared, sizeof(shared), "%s/shared", base);
    out = dropin_run_private("tests/dropin-nic-debian", store, preload,
                             false, shared);
    ck_assert_str_eq(out, "store rc=0\n");
    free(out);
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    ck_assert_int_eq(simhost_stop(host), 0);
    nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

TEST_FIXTURE(setup, teardown);

/* A copy of text with "libxl: LEVEL: FILE:LINE:FUNC: " made
 * "libxl: LEVEL: SRC: " and "[DIGITS]" made "[PID]". */
static char *normalise(const char *text)
{
    char *copy = malloc(strlen(text) + 1), *w = copy;
    const char *p = text;

    ck_assert_ptr_nonnull(copy);
    while (*p) {
        bool line_start = p == text || p[-1] == '\n';
        const char *level_end = line_start && !strncmp(p, "libxl: ", 7)
            ? strchr(p + 7, ':') : NULL;
        const char *nl = strchr(p, '\n');

        if (level_end && (!nl || level_end < nl) && level_end[1] == ' ') {
            const char *q = level_end + 2;
            int colons = 0;
            while (*q && *q != '\n' && colons < 3)
                if (*q++ == ':') colons++;
            if (colons == 3) {
                size_t head = (size_t)(level_end + 2 - p);
                memcpy(w, p, head);
                w += head;
                memcpy(w, "SRC:", 4);
                w += 4;
                p = q;
                continue;
            }
        }
        if (*p == '[' && p[1] >= '0' && p[1] <= '9') {
            const char *q = p + 1;
            while (*q >= '0' && *q <= '9') q++;
            if (*q == ']') {
                memcpy(w, "[PID]", 5);
                w += 5;
                p = q + 1;
                continue;
            }
        }
        *w++ = *p++;
    }
    *w = '\0';
    return copy;
}

/* xl ARGS on Debian's library, then xl ARGS2 on lightcore's: the same
 * status and output (normalised). Debian's run is returned. */
static xl_run each_its_own(const char *const args[],
                           const char *const args2[])
{
    xl_run theirs = xlboth_run(false, args), ours = xlboth_run(true, args2);
    char *t_out = normalise(theirs.out), *o_out = normalise(ours.out);
    char *t_err = normalise(theirs.err), *o_err = normalise(ours.err);

    ck_assert_msg(theirs.status == ours.status, "%s: status %d on Debian's"
                  " library, %d on lightcore\n%s---\n%s", args[0],
                  theirs.status, ours.status, t_err, o_err);
    ck_assert_str_eq(o_out, t_out);
    ck_assert_str_eq(o_err, t_err);
    free(t_out);
    free(o_out);
    free(t_err);
    free(o_err);
    xl_run_free(&ours);
    return theirs;
}

static xl_run same(const char *const args[])
{
    return xlboth_same(args, normalise);
}

/* Until the nics the script connected are Connected at both ends (netback
 * and netfront finish after the attach returns): the probe's tree waits
 * for that. */
static void settle(void)
{
    const char *tree[] = { "tree", "1", NULL };
    free(dropin_run_private("tests/dropin-nic-debian", tree, preload, false,
                            shared));
}

TEST(xl_network_commands_same_on_lightcore, 120)
{
    const char *list[] = { "network-list", "1", NULL };
    xl_run r;

    r = same(list);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "Idx BE Mac Addr.         handle state evt-ch"
                            "   tx-/rx-ring-ref BE-path                       \n");
    xl_run_free(&r);

    /* attach: devid 0 by Debian's library, 1 by lightcore's */
    r = each_its_own(
        (const char *const[]){ "network-attach", "1", "bridge=xenbr0",
                               script_arg, "mac=00:16:3e:00:00:01", NULL },
        (const char *const[]){ "network-attach", "1", "bridge=xenbr0",
                               script_arg, "mac=00:16:3e:00:00:02", NULL });
    ck_assert_int_eq(r.status, 0);
    xl_run_free(&r);
    settle();
    r = same(list);
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strstr(r.out, "\n0   0  00:16:3e:00:00:01     0     4 ") &&
                  strstr(r.out, "\n1   0  00:16:3e:00:00:02     1     4 ") &&
                  strstr(r.out, "/local/domain/0/backend/vif/1/1\n"),
                  "%s", r.out);
    xl_run_free(&r);

    /* refused, the same way on both */
    const char *const *bad[] = {
        (const char *const[]){ "network-attach", "4242", "bridge=xenbr0",
                               script_arg, NULL },
        (const char *const[]){ "network-attach", "1", "mac=zz:16:3e:00:00:01",
                               script_arg, NULL },
        (const char *const[]){ "network-attach", "1", "type=ioemu",
                               script_arg, NULL },
        (const char *const[]){ "network-detach", "1", "7", NULL },
        (const char *const[]){ "network-detach", "1", "00:16:3e:99:99:99",
                               NULL },
        (const char *const[]){ "network-detach", "4242", "0", NULL },
        NULL };
    for (int i = 0; bad[i]; i++) {
        r = same(bad[i]);
        ck_assert_msg(r.status != 0, "xl %s %s %s: status 0\n%s%s",
                      bad[i][0], bad[i][1], bad[i][2], r.out, r.err);
        ck_assert_str_ne(r.err, "");
        xl_run_free(&r);
    }

    /* a domain that does not exist has no nics (xl says nothing more) */
    r = same((const char *const[]){ "network-list", "4242", NULL });
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_null(strstr(r.out, "00:16:3e"));
    xl_run_free(&r);

    /* detach by devid, each its own */
    r = each_its_own((const char *const[]){ "network-detach", "1", "0", NULL },
                     (const char *const[]){ "network-detach", "1", "1",
                                            NULL });
    ck_assert_int_eq(r.status, 0);
    xl_run_free(&r);
    r = same(list);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_null(strstr(r.out, "00:16:3e"));
    xl_run_free(&r);

    /* again, detached by MAC */
    r = each_its_own(
        (const char *const[]){ "network-attach", "1", "bridge=xenbr0",
                               script_arg, "mac=00:16:3e:00:00:03", NULL },
        (const char *const[]){ "network-attach", "1", "bridge=xenbr0",
                               script_arg, "mac=00:16:3e:00:00:04", NULL });
    ck_assert_int_eq(r.status, 0);
    xl_run_free(&r);
    r = each_its_own(
        (const char *const[]){ "network-detach", "1", "00:16:3e:00:00:03",
                               NULL },
        (const char *const[]){ "network-detach", "1", "00:16:3e:00:00:04",
                               NULL });
    ck_assert_int_eq(r.status, 0);
    xl_run_free(&r);
    r = same(list);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_null(strstr(r.out, "00:16:3e"));
    xl_run_free(&r);
}
