/*
 * test_xl_disk.c: Debian's own xl, unchanged, on lightcore for disks:
 * block-attach, block-list, block-detach, on a simulated host with its
 * device drivers and a guest running its frontends, the guest's
 * configuration stored in a private /var/lib/xen that both libraries
 * share (each reads what the other stored). The hotplug script is a test
 * one that does what `block` does for a device it need not set up.
 *
 * The steps change the host, so they run as one scenario that ends as it
 * started (every disk detached): first all on Debian's libxenlight, then
 * all on lightcore; each step's exit status, output and error output must
 * be the same.
 *
 * Normalisation: libxl's "FILE:LINE:FUNC" on stderr becomes "SRC"
 * (xlboth_mask_sources); block-list's evt-ch and ring-ref columns become
 * "N": the guest's frontend picks new ones for each connection.
 */
#include <check.h>
#include <limits.h>
#include <stdbool.h>
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
static char dir[] = "/tmp/xl-disk.XXXXXX";
static char image[PATH_MAX], script[PATH_MAX], config[PATH_MAX];
static char spec[PATH_MAX * 2 + 64], bad_spec[PATH_MAX + 64];

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
    char shared[PATH_MAX], preload[PATH_MAX * 2 + 32], *out;
    const char *store[] = { "store", "1", config, NULL };

    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    xlboth_init(simhost_preload_env(), dir);
    xlboth_shared = true;
    setenv("ASAN_OPTIONS", "detect_leaks=0:verify_asan_link_order=0", 1);
    ck_assert_int_eq(simhost_create_domain("vm1", 64, 1, "obey"), 1);

    snprintf(image, sizeof(image), "%s/image", dir);
    snprintf(script, sizeof(script), "%s/block-test", dir);
    snprintf(config, sizeof(config), "%s/config.json", dir);
    write_file(image, "", 0600);
    ck_assert_int_eq(truncate(image, 1 << 20), 0);
    write_file(script,
               "#!/usr/bin/env -S -u LD_PRELOAD /bin/sh\n"
               "if [ \"$1\" = add ]; then\n"
               "  xenstore-write \"$XENBUS_PATH/physical-device\" 7:0 \\\n"
               "    \"$XENBUS_PATH/hotplug-status\" connected\n"
               "fi\n", 0755);
    write_file(config,
               "{\"c_info\":{\"type\":\"pv\",\"name\":\"vm1\"},"
               "\"b_info\":{\"max_vcpus\":1,\"max_memkb\":65536,"
               "\"target_memkb\":65536,\"type.pv\":{}}}", 0644);
    snprintf(spec, sizeof(spec), "format=raw,vdev=xvdb,access=rw,"
             "script=%s,target=%s", script, image);
    snprintf(bad_spec, sizeof(bad_spec), "format=raw,vdev=bogus,access=rw,"
             "target=%s", image);
    /* the configuration, where both libraries look (xlboth's shared
     * private directory) */
    snprintf(shared, sizeof(shared), "%s/shared", dir);
    snprintf(preload, sizeof(preload), "%s", simhost_preload_env());
    out = dropin_run_private("tests/dropin-disk-debian", store, preload,
                             false, shared);
    ck_assert_str_eq(out, "store rc=0\n");
    free(out);
}

static void teardown(void)
{
    char cmd[PATH_MAX + 16];

    ck_assert_int_eq(simhost_stop(host), 0);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

TEST_FIXTURE(setup, teardown);

/* xlboth_mask_sources, and each block-list row (a line that starts with
 * a devid) with its columns one space apart and the 5th and 6th as "N". */
static char *mask(const char *text)
{
    char *src = xlboth_mask_sources(text);
    char *out = malloc(strlen(src) + 1), *w = out;

    ck_assert_ptr_nonnull(out);
    for (char *line = src, *next; *line; line = next) {
        char *end = strchr(line, '\n'), *save, *word;
        int col = 0;

        next = end ? end + 1 : line + strlen(line);
        if (*line < '0' || *line > '9') {
            memcpy(w, line, (size_t)(next - line));
            w += next - line;
            continue;
        }
        if (end) *end = '\0';
        for (word = strtok_r(line, " ", &save); word;
             word = strtok_r(NULL, " ", &save)) {
            col++;
            w += sprintf(w, "%s%s", col > 1 ? " " : "",
                         col == 5 || col == 6 ? "N" : word);
        }
        if (end) *w++ = '\n';
    }
    *w = '\0';
    free(src);
    return out;
}

#define MAX_STEPS 16

TEST(xl_block_commands_are_the_same_on_lightcore, 240)
{
    const char *const *const steps[] = {
        (const char *[]){ "block-list", "vm1", NULL },
        (const char *[]){ "block-attach", "vm1", spec, NULL },
        (const char *[]){ "block-list", "vm1", NULL },
        (const char *[]){ "block-attach", "vm1", spec, NULL },   /* exists */
        (const char *[]){ "block-attach", "vm1", bad_spec, NULL },
        (const char *[]){ "block-attach", "no-such-vm", spec, NULL },
        (const char *[]){ "block-detach", "vm1", "xvdz", NULL },
        (const char *[]){ "block-detach", "vm1", "bogus", NULL },
        (const char *[]){ "block-detach", "vm1", "xvdb", NULL },
        (const char *[]){ "block-list", "vm1", NULL },
        (const char *[]){ "block-list", "no-such-vm", NULL },
    };
    int n = (int)(sizeof(steps) / sizeof(steps[0]));
    xl_run debian[MAX_STEPS];

    xlboth_steps_on_debian(steps, n, debian);
    /* what xl saw on Debian's library */
    ck_assert_int_eq(debian[1].status, 0);
    ck_assert_ptr_nonnull(strstr(debian[2].out, "51728"));
    ck_assert_ptr_nonnull(strstr(debian[2].out,
                                 "/local/domain/0/backend/vbd/1/51728"));
    ck_assert_int_ne(debian[3].status, 0);
    ck_assert_int_eq(debian[8].status, 0);
    ck_assert_ptr_null(strstr(debian[9].out, "51728"));
    xlboth_steps_on_lightcore(steps, n, mask, debian);
}
