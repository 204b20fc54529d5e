/*
 * test_devpath.c: the strict parsing of src/dev/devpath.c. Good backend
 * paths, with kinds of digits and underscores, numbers up to 2^32-1 and
 * the frontend directory's length; and the refusal of everything else:
 * signs, blanks, leading zeros, 2^32 and beyond, an empty kind, one over
 * 31 characters or with capitals, a trailing slash or anything after the
 * device id, a wrong prefix. Every input is parsed from a heap copy of
 * its exact length, so under ASan a read past its end is caught.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/devpath.h"
#include "testmain.h"

/* Parse a heap copy of path (freed before returning). */
static bool parse(const char *path, libxl__backend_path *out)
{
    char *copy = strdup(path);
    ck_assert_ptr_nonnull(copy);
    bool ok = libxl__backend_path_parse(copy, out);
    free(copy);
    return ok;
}

static void expect_good(const char *path, uint32_t backend, const char *kind,
                        uint32_t frontend, uint32_t devid)
{
    libxl__backend_path bp;
    memset(&bp, 0xa5, sizeof(bp));
    ck_assert_msg(parse(path, &bp), "refused: %s", path);
    ck_assert_uint_eq(bp.backend_domid, backend);
    ck_assert_str_eq(bp.kind, kind);
    ck_assert_uint_eq(bp.frontend_domid, frontend);
    ck_assert_uint_eq(bp.devid, devid);
    /* The frontend directory is the path up to the last slash. */
    ck_assert_uint_eq(bp.frontend_dir_len,
                      (size_t)(strrchr(path, '/') - path));
}

TEST(good_paths, 30)
{
    expect_good("/local/domain/0/backend/vbd/5/51712", 0, "vbd", 5, 51712);
    expect_good("/local/domain/0/backend/qdisk/12/768", 0, "qdisk", 12, 768);
    expect_good("/local/domain/3/backend/vif/1/0", 3, "vif", 1, 0);
    expect_good("/local/domain/0/backend/9pfs/7/1", 0, "9pfs", 7, 1);
    expect_good("/local/domain/0/backend/pv_scsi_2/7/1", 0, "pv_scsi_2", 7, 1);
    expect_good("/local/domain/0/backend/_/0/0", 0, "_", 0, 0);
    expect_good("/local/domain/0/backend/0/0/0", 0, "0", 0, 0);
    expect_good("/local/domain/4294967295/backend/vbd/4294967295/4294967295",
                4294967295u, "vbd", 4294967295u, 4294967295u);
    expect_good("/local/domain/10/backend/vbd/100/1000", 10, "vbd", 100, 1000);
}

TEST(frontend_dir_len_is_the_frontend_directory, 30)
{
    libxl__backend_path bp;
    const char *path = "/local/domain/0/backend/vbd/17/51712";
    ck_assert(parse(path, &bp));
    ck_assert_uint_eq(bp.frontend_dir_len,
                      strlen("/local/domain/0/backend/vbd/17"));
    ck_assert_int_eq(path[bp.frontend_dir_len], '/');
}

TEST(kind_up_to_31_characters, 30)
{
    char path[128], kind[40];
    libxl__backend_path bp;

    memset(kind, 'k', 31);
    kind[31] = '\0';
    snprintf(path, sizeof(path), "/local/domain/0/backend/%s/1/2", kind);
    ck_assert_msg(parse(path, &bp), "refused: %s", path);
    ck_assert_str_eq(bp.kind, kind);
    ck_assert_uint_eq(strlen(bp.kind), LIBXL__DEV_KIND_MAX);

    strcat(kind, "k");                        /* 32 */
    snprintf(path, sizeof(path), "/local/domain/0/backend/%s/1/2", kind);
    ck_assert_msg(!parse(path, &bp), "accepted: %s", path);
    memset(kind, 'k', 39);
    kind[39] = '\0';
    snprintf(path, sizeof(path), "/local/domain/0/backend/%s/1/2", kind);
    ck_assert_msg(!parse(path, &bp), "accepted: %s", path);
}

static const char *const bad_paths[] = {
    /* signs */
    "/local/domain/+0/backend/vbd/5/51712",
    "/local/domain/-0/backend/vbd/5/51712",
    "/local/domain/0/backend/vbd/+5/51712",
    "/local/domain/0/backend/vbd/-5/51712",
    "/local/domain/0/backend/vbd/5/+51712",
    "/local/domain/0/backend/vbd/5/-1",
    /* blanks */
    "/local/domain/ 0/backend/vbd/5/51712",
    "/local/domain/0 /backend/vbd/5/51712",
    "/local/domain/0/backend/vbd/ 5/51712",
    "/local/domain/0/backend/vbd/5\t/51712",
    "/local/domain/0/backend/vbd/5/ 51712",
    "/local/domain/0/backend/vbd/5/51712 ",
    "/local/domain/0/backend/vbd/5/51712\n",
    "/local/domain/0/backend/ vbd/5/51712",
    "/local/domain/0/backend/vbd /5/51712",
    /* leading zeros */
    "/local/domain/00/backend/vbd/5/51712",
    "/local/domain/01/backend/vbd/5/51712",
    "/local/domain/0/backend/vbd/05/51712",
    "/local/domain/0/backend/vbd/5/051712",
    "/local/domain/0/backend/vbd/5/00",
    /* 2^32 and beyond */
    "/local/domain/4294967296/backend/vbd/5/51712",
    "/local/domain/0/backend/vbd/4294967296/51712",
    "/local/domain/0/backend/vbd/5/4294967296",
    "/local/domain/0/backend/vbd/5/18446744073709551617",
    "/local/domain/0/backend/vbd/5/99999999999999999999999999",
    /* no number */
    "/local/domain//backend/vbd/5/51712",
    "/local/domain/0/backend/vbd//51712",
    "/local/domain/0/backend/vbd/5/",
    "/local/domain/x/backend/vbd/5/51712",
    "/local/domain/0/backend/vbd/0x5/51712",
    /* empty kind */
    "/local/domain/0/backend//5/51712",
    /* capitals and other characters in the kind */
    "/local/domain/0/backend/VBD/5/51712",
    "/local/domain/0/backend/Vbd/5/51712",
    "/local/domain/0/backend/vbD/5/51712",
    "/local/domain/0/backend/v-bd/5/51712",
    "/local/domain/0/backend/v.bd/5/51712",
    "/local/domain/0/backend/../5/51712",
    /* a trailing slash, or anything after the device id */
    "/local/domain/0/backend/vbd/5/51712/",
    "/local/domain/0/backend/vbd/5/51712x",
    "/local/domain/0/backend/vbd/5/51712/state",
    "/local/domain/0/backend/vbd/5/51712//",
    /* missing parts */
    "/local/domain/0/backend/vbd/5",
    "/local/domain/0/backend/vbd",
    "/local/domain/0/backend/vbd/",
    "/local/domain/0/backend/",
    "/local/domain/0",
    "",
    /* a wrong prefix */
    "local/domain/0/backend/vbd/5/51712",
    "//local/domain/0/backend/vbd/5/51712",
    "/local/domains/0/backend/vbd/5/51712",
    "/Local/domain/0/backend/vbd/5/51712",
    "/local/domain/0/frontend/vbd/5/51712",
    "/local/domain/0/backends/vbd/5/51712",
    "/local/domain/0//backend/vbd/5/51712",
    "/vm/0/backend/vbd/5/51712",
    "/local/domain/0/device/vbd/51712",
    " /local/domain/0/backend/vbd/5/51712",
};

TEST(everything_else_is_refused, 30)
{
    for (size_t i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
        libxl__backend_path bp;
        ck_assert_msg(!parse(bad_paths[i], &bp), "accepted: '%s'", bad_paths[i]);
    }
}

/* The number parser on its own: it stops after the number and moves
 * nothing when it refuses. */
TEST(u32_parser_moves_past_a_number_only, 30)
{
    static const struct { const char *in; uint32_t val; size_t len; } good[] = {
        { "0", 0, 1 }, { "7/x", 7, 1 }, { "0x", 0, 1 }, { "0/", 0, 1 },
        { "4294967295", 4294967295u, 10 }, { "51712abc", 51712, 5 },
    };
    static const char *const bad[] = {
        "", "x", "/1", "+1", "-1", " 1", "00", "01", "4294967296",
        "10000000000",
    };

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        const char *p = good[i].in;
        uint32_t v = 12345;
        ck_assert_msg(libxl__parse_u32_strict(&p, &v), "refused '%s'", good[i].in);
        ck_assert_uint_eq(v, good[i].val);
        ck_assert_ptr_eq(p, good[i].in + good[i].len);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *p = bad[i];
        uint32_t v = 12345;
        ck_assert_msg(!libxl__parse_u32_strict(&p, &v), "accepted '%s'", bad[i]);
        ck_assert_ptr_eq(p, bad[i]);
    }
}
