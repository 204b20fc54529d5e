/*
 * types/mac.c: libxl_mac, six bytes written "xx:xx:xx:xx:xx:xx": copy,
 * JSON form and the builtin interface of types/builtins.h.
 */
#include <stdlib.h>
#include <string.h>

#include "types/builtin_impl.h"
#include "types/builtins.h"

void libxl_mac_copy(libxl_ctx *ctx, libxl_mac *dst, const libxl_mac *src)
{
    (void)ctx;
    memcpy(*dst, *src, sizeof(*dst));
}

/* The JSON string of *p, quotes included (LIBXL_MAC_FMT's text within). */
#define MAC_QUOTED_LEN (LIBXL_MAC_FMTLEN + 2)

static void quote_mac(char text[MAC_QUOTED_LEN], const libxl_mac *p)
{
    char *at = text;

    *at++ = '"';
    for (int i = 0; i < 6; i++) {
        if (i)
            *at++ = ':';
        at = lc_hex_byte(at, (*p)[i]);
    }
    *at = '"';
}

yajl_gen_status libxl_mac_gen_json(yajl_gen hand, libxl_mac *p)
{
    char text[MAC_QUOTED_LEN];

    quote_mac(text, p);
    return yajl_gen_string(hand, (const unsigned char *)text + 1,
                           LIBXL_MAC_FMTLEN);
}

void lc_mac_write_json(lc_jw *w, const libxl_mac *p)
{
    char text[MAC_QUOTED_LEN];

    quote_mac(text, p);
    lc_jw_quoted(w, text, sizeof(text));
}

void lc_mac_init(libxl_mac *p)
{
    memset(*p, 0, sizeof(*p));
}

void lc_mac_dispose(libxl_mac *p)
{
    lc_mac_init(p);
}

void lc_mac_copy(libxl_ctx *ctx, libxl_mac *dst, const libxl_mac *src)
{
    libxl_mac_copy(ctx, dst, src);
}

bool lc_mac_is_default(const libxl_mac *p)
{
    static const libxl_mac zero;

    return !memcmp(*p, zero, sizeof(zero));
}

/*
 * libxl's reading of a MAC address, kept exactly: six fields, each
 * exactly two characters that strtol reads in base 16 (so " a", "+a" and
 * "-1" pass, the last as ff), each followed by ':' or the end of the
 * text; whatever follows a sixth field's ':' is ignored. Otherwise
 * ERROR_FAIL (libxl's parser says ERROR_INVAL, which its from_json turns
 * into ERROR_FAIL, as it does every parse error), with the fields read so
 * far already stored.
 */
static int parse_mac(const char *s, libxl_mac mac)
{
    const char *field = s;
    int i;

    for (i = 0; *field && i < 6; i++) {
        char *end;

        mac[i] = (uint8_t)strtol(field, &end, 16);
        if (end != field + 2 || (*end && *end != ':'))
            return ERROR_FAIL;
        field = *end ? end + 1 : end;
    }
    return i == 6 ? 0 : ERROR_FAIL;
}

int lc_mac_parse_json(json_object *v, libxl_mac *p)
{
    const char *s;

    if (!json_object_is_type(v, json_type_string))
        return ERROR_FAIL;
    s = json_object_get_string(v);
    /* A NUL inside the text ends it for libxl too; reject it outright. */
    if (strlen(s) != (size_t)json_object_get_string_len(v))
        return ERROR_FAIL;
    return parse_mac(s, *p);
}
