/*
 * test_json_utf8.c: from_json's UTF-8 check. The pre-pass of types/json.c
 * checks the strings' UTF-8 itself and lets json-c parse without its own
 * check (JSON_TOKENER_VALIDATE_UTF8); the text must be accepted exactly
 * when json-c with that check accepts it. Compared here on every single
 * byte, on sequences cut short, followed by a quote, an escape or another
 * sequence, and on random byte strings, inside strings at the top level,
 * in objects and arrays (the piece-by-piece path of a struct's from_json)
 * and in keys; and in a duplicate member that the pre-pass cuts out (json-c
 * then checks the copy it parses, as before).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libxl.h>
#include "types/types_internal.h"
#include "testmain.h"

/* json-c alone, strict and checking UTF-8: does it accept text? */
static bool json_c_accepts(const char *text)
{
    json_tokener *tok = json_tokener_new_ex(LC_JSON_MAX_DEPTH);
    json_object *o;
    bool ok;

    ck_assert_ptr_nonnull(tok);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
                                JSON_TOKENER_VALIDATE_UTF8);
    o = json_tokener_parse_ex(tok, text, (int)strlen(text) + 1);
    ok = json_tokener_get_error(tok) == json_tokener_success;
    json_object_put(o);
    json_tokener_free(tok);
    return ok;
}

static bool whole_accepts(const char *text)
{
    json_object *o;
    int rc = lc_json_parse_document(text, &o);

    json_object_put(o);
    return rc == 0;
}

/* The struct path: the document opened piece by piece, every piece
   checked when it is closed. */
static bool pieces_accept(const char *text)
{
    json_object *o;
    int rc = lc_json_open_document(text, &o);

    if (rc)
        return false;
    return lc_json_close_document(o, 0) == 0;
}

static char *doc(const char *fmt, const char *bytes)
{
    char *text;

    ck_assert_int_ge(asprintf(&text, fmt, bytes, bytes), 0);
    return text;
}

/* The places a string's bytes may sit in, with the parser to use. */
static const struct {
    const char *fmt;
    bool pieces;
} places[] = {
    { "\"%s\"", false },
    { "[\"%s\", \"%s\"]", false },
    { "{\"k\": \"%s\", \"v\": 1}", true },
    { "{\"a\": {\"k\": \"%s\"}, \"b\": [\"x\", \"%s\"]}", true },
    { "{\"a\": [{\"%s\": 1}], \"b\": {}}", true },
    { "{\"%s\": 2, \"b\": [[]]}", true },
};

static void check_bytes(const char *bytes)
{
    for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
        char *text = doc(places[i].fmt, bytes);
        bool want = json_c_accepts(text);
        bool got = places[i].pieces ? pieces_accept(text)
                                    : whole_accepts(text);

        ck_assert_msg(got == want, "%s: json-c %s, lightcore %s", text,
                      want ? "accepts" : "rejects",
                      got ? "accepts" : "rejects");
        if (!places[i].pieces) {
            free(text);
            continue;
        }
        /* the struct path over the same text, through a real parser */
        {
            libxl_device_disk d;
            int rc;

            libxl_device_disk_init(&d);
            rc = libxl_device_disk_from_json(NULL, &d, text);
            libxl_device_disk_dispose(&d);
            ck_assert_msg(want || rc != 0, "%s: disk from_json accepts",
                          text);
        }
        free(text);
    }
}

TEST(every_byte_after_ascii_and_alone, 60)
{
    /* (control characters are left out: the pre-pass rejects them raw,
       as libxl does, and json-c takes them) */
    for (int b = 0x20; b < 256; b++) {
        char bytes[8];

        if (b == '"' || b == '\\')
            continue;
        snprintf(bytes, sizeof(bytes), "%c", b);
        check_bytes(bytes);
        snprintf(bytes, sizeof(bytes), "ab%cz", b);
        check_bytes(bytes);
    }
}

/* Every lead byte from 0x80 on with each kind of follower, and the
   sequences a byte or two short, at the end of the string or before an
   escape. */
TEST(sequences_cut_short_or_interrupted, 60)
{
    static const char *const after[] = {
        "", "a", "\\n", "\\u00e9", "\x80", "\xbf", "\xc0", "\x7f",
        "\x80\x80", "\x80\x80\x80", "\x80\x80\x80\x80", "\x80\x41",
        "\x80\x80\x41", "\xc3\xa9", "\xe2\x82\xac",
    };

    for (int lead = 0x80; lead < 0x100; lead++) {
        for (size_t k = 0; k < sizeof(after) / sizeof(after[0]); k++) {
            char bytes[32];

            snprintf(bytes, sizeof(bytes), "%c%s", lead, after[k]);
            check_bytes(bytes);
            snprintf(bytes, sizeof(bytes), "x%c%sy", lead, after[k]);
            check_bytes(bytes);
        }
    }
}

TEST_LOOP(random_byte_strings, 60, 0, 4)
{
    static const unsigned char alphabet[] = {
        'a', ' ', 0x7f, 0x80, 0x8f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0,
        0xed, 0xef, 0xf0, 0xf4, 0xf7, 0xf8, 0xfb, 0xfc, 0xfe, 0xff,
    };
    uint64_t s = 0xc0ffee00u + (uint64_t)_i;

    for (int n = 0; n < 1500; n++) {
        char bytes[12];
        size_t len;

        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        len = 1 + (s >> 60) % 10;
        for (size_t i = 0; i < len; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            bytes[i] = (char)alphabet[(s >> 33) % sizeof(alphabet)];
        }
        bytes[len] = '\0';
        check_bytes(bytes);
    }
}

/* A later duplicate member is cut out before json-c parses the text: bad
   UTF-8 inside it goes unnoticed, as json-c never sees it; bad UTF-8 in
   the member kept still fails. */
TEST(duplicate_members_cut_out, 30)
{
    ck_assert(pieces_accept("{\"k\": \"ok\", \"k\": \"\xff\", \"v\": [1]}"));
    ck_assert(whole_accepts("{\"k\": \"ok\", \"k\": \"\xc3\"}"));
    ck_assert(!pieces_accept("{\"k\": \"\xff\", \"k\": \"ok\", \"v\": [1]}"));
    ck_assert(!whole_accepts("{\"k\": \"\xc3\", \"k\": \"ok\"}"));
    ck_assert(pieces_accept("{\"k\": \"\xc3\xa9\", \"k\": \"\xe2\x82\", "
                            "\"v\": [\"\xf0\x9f\x98\x80\"]}"));
}
