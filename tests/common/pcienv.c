/* pcienv.c: the PCI passthrough tests' scratch setting (pcienv.h). */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dropin.h"
#include "pcienv.h"
#include "subproc.h"

char pcienv_base[PCIENV_BASE_SIZE];
char pcienv_fakesysfs[PATH_MAX];
char pcienv_spec[PATH_MAX];
char pcienv_config[PATH_MAX];
const char *pcienv_wrapper[4];

bool pcienv_skip(void)
{
    if (geteuid() == 0)
        return false;
    fprintf(stderr, "skipped: the fake sysfs needs root (mount namespace, "
            "FUSE)\n");
    return true;
}

void pcienv_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
}

char *pcienv_read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char *text = NULL;
    size_t size = 0;

    if (!f)
        return strdup("(none)\n");
    if (getdelim(&text, &size, '\0', f) < 0) {
        /* nothing to read: an empty file, unless it was an error */
        ck_assert_msg(!ferror(f), "%s: read error", path);
        free(text);
        text = strdup("");
        ck_assert_ptr_nonnull(text);
    }
    fclose(f);
    return text;
}

void pcienv_setup(const char *name, const char *guest_type)
{
    char json[512];

    if (geteuid() != 0)
        return;
    ck_assert_int_lt(snprintf(pcienv_base, sizeof(pcienv_base),
                              "/tmp/%s.XXXXXX", name),
                     (int)sizeof(pcienv_base));
    ck_assert_ptr_nonnull(mkdtemp(pcienv_base));
    snprintf(pcienv_spec, sizeof(pcienv_spec), "%s/sysfs", pcienv_base);
    snprintf(pcienv_config, sizeof(pcienv_config), "%s/config.json",
             pcienv_base);
    ck_assert_ptr_nonnull(realpath(subproc_build_path("sim/fakesysfs"),
                                   pcienv_fakesysfs));
    snprintf(json, sizeof(json),
             "{\"c_info\":{\"type\":\"%s\",\"name\":\"vm\"},"
             "\"b_info\":{\"max_vcpus\":1,\"max_memkb\":65536,"
             "\"target_memkb\":65536,\"type.%s\":{}}}",
             guest_type, guest_type);
    pcienv_write_file(pcienv_config, json);
    pcienv_wrapper[0] = pcienv_fakesysfs;
    pcienv_wrapper[1] = pcienv_spec;
    pcienv_wrapper[2] = pcienv_spec;
    pcienv_wrapper[3] = NULL;
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

void pcienv_teardown(void)
{
    if (geteuid() == 0)
        nftw(pcienv_base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

void pcienv_store_config(const char *prog, const char *preload_env,
                         bool on_lightcore, const char *dir)
{
    const char *const args[] = { "store", "1", pcienv_config, NULL };
    char *out = dropin_run_private(prog, args, preload_env, on_lightcore,
                                   dir);

    ck_assert_str_eq(out, "store rc=0\ndone\n");
    free(out);
}
