/*
 * types/json_yajl.c: the small helpers the generated libxl_<type>_gen_json
 * functions call on the caller's yajl generator (the library's only use
 * of yajl; to_json goes through types/json_write.c instead).
 */
#include <string.h>

#include "types/types_internal.h"

yajl_gen_status lc_yajl_gen_asciiz(yajl_gen hand, const char *s)
{
    if (!s)
        return yajl_gen_null(hand);
    return yajl_gen_string(hand, (const unsigned char *)s, strlen(s));
}

yajl_gen_status lc_yajl_gen_uint64(yajl_gen hand, uint64_t v)
{
    char digits[24];
    size_t at = sizeof(digits);

    /* (decimal digits from the right; snprintf costs more than the rest
       of a small number's output) */
    do {
        digits[--at] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return yajl_gen_number(hand, digits + at, sizeof(digits) - at);
}
