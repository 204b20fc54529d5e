/*
 * base/util.h: small language helpers every layer uses. No state.
 */
#ifndef LIGHTCORE_BASE_UTIL_H
#define LIGHTCORE_BASE_UTIL_H

#include <stddef.h>

/* The structure of type `type` whose member `member` ptr points to. */
#define CONTAINER_OF(ptr, type, member) \
    ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* LIGHTCORE_BASE_UTIL_H */
