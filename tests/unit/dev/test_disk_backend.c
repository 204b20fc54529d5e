/*
 * test_disk_backend.c: libxl_string_to_backend (src/dev/disk_backend.c),
 * including libxl 4.17's "tap" quirk, kept: only exactly "tap" fails, and
 * "tap:TYPE" is unknown text that leaves the backend alone.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include <libxl_utils.h>
#include "testmain.h"

static int parse(const char *text, libxl_disk_backend *be)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%s", text);
    *be = LIBXL_DISK_BACKEND_UNKNOWN;
    return libxl_string_to_backend(NULL, buf, be);
}

TEST(backend_names, 30)
{
    libxl_disk_backend be;

    ck_assert_int_eq(parse("phy", &be), 0);
    ck_assert_int_eq(be, LIBXL_DISK_BACKEND_PHY);
    ck_assert_int_eq(parse("file", &be), 0);
    ck_assert_int_eq(be, LIBXL_DISK_BACKEND_TAP);
    ck_assert_int_eq(parse("qdisk", &be), 0);
    ck_assert_int_eq(be, LIBXL_DISK_BACKEND_QDISK);
    ck_assert_int_eq(parse("standalone", &be), 0);
    ck_assert_int_eq(be, LIBXL_DISK_BACKEND_STANDALONE);
    ck_assert_int_eq(parse("tap", &be), ERROR_INVAL);
    ck_assert_int_eq(be, LIBXL_DISK_BACKEND_UNKNOWN);
    static const char *const unknown[] = {
        "tap:vhd", "tap:qcow2", "PHY", "", " phy", "phy ", "vbd",
    };
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        ck_assert_int_eq(parse(unknown[i], &be), 0);
        ck_assert_int_eq(be, LIBXL_DISK_BACKEND_UNKNOWN);
    }
}
