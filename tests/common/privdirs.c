/*
 * privdirs.c: a private mount namespace with private Xen directories for
 * the calling process (privdirs.h).
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privdirs.h"

bool privdirs_enter(const char *dir)
{
    static const char *const names[] = { "lib", "run", "log" };

    if (geteuid() != 0 || unshare(CLONE_NEWNS)) return false;
    ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
    for (unsigned i = 0; i < 3; i++) {
        char src[PATH_MAX], dst[64];

        snprintf(src, sizeof(src), "%s/%s", dir, names[i]);
        snprintf(dst, sizeof(dst), "/var/%s/xen", names[i]);
        ck_assert(mkdir(src, 0755) == 0 || errno == EEXIST);
        ck_assert(mkdir(dst, 0755) == 0 || errno == EEXIST);
        ck_assert_int_eq(mount(src, dst, NULL, MS_BIND, NULL), 0);
    }
    return true;
}
