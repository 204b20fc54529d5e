/*
 * base/handles.h: the generation-checked handle table whose opaque tokens the
 * event core hands to applications as for_libxl. Owns only the table and
 * the process-wide generation counter; knows nothing of fds or timeouts.
 */
#ifndef LIGHTCORE_BASE_HANDLES_H
#define LIGHTCORE_BASE_HANDLES_H

#include <stddef.h>
#include <stdint.h>

/*
 * A token is a uintptr_t value cast to void *, never a real pointer and
 * never NULL. It packs the slot index (low LIBXL__HTAB_INDEX_BITS bits) and
 * the slot's generation (the remaining LIBXL__HTAB_GEN_BITS high bits).
 * The table never dereferences a token: decoding is pure arithmetic,
 * followed by a bounds check and a generation comparison.
 *
 * Generations come from ONE process-wide atomic counter shared by every
 * table; each successful libxl__htab_alloc takes the next value, skipping 0
 * (0 marks a free slot and is never part of a token).
 *
 * THE GUARANTEE. Let token T be issued by allocation A (table X, slot s,
 * generation g). Until A's handle is released, lookup(X, T) returns its
 * object. After that, lookup(Y, T) returns NULL in EVERY table Y -- X
 * itself (with s free or reused), another live table, a table that was
 * disposed and initialised again -- unless, since A, the process as a
 * whole made at least 2^LIBXL__HTAB_GEN_BITS - 1 further allocations (so
 * the counter wrapped to g again) AND the allocation that received g again
 * landed on slot s and is still live. Tokens of different tables never
 * collide within that window either, so a token is valid in at most one
 * table at a time. On LP64 (Debian amd64/arm64): 24 index bits, 40
 * generation bits, i.e. more than 1.09e12 allocations (35 years at 1,000
 * allocations per second, 30 hours at 10 million per second). On ILP32:
 * 14 index bits, 18 generation bits (262,143 allocations).
 *
 * Arbitrary values (NULL, real pointers, random bits) are rejected unless
 * they happen to equal the exact bit pattern of a live token of that very
 * table. A table holds at most 2^LIBXL__HTAB_INDEX_BITS live handles.
 *
 * Objects may be NULL: lookup then returns NULL for a live token too. A
 * caller that parks a live token with no object (e.g. a cancelled timeout
 * waiting for its final occurred_timeout) tells "live but detached" from
 * "stale" by the return value of libxl__htab_release.
 *
 * Thread safety: a table is NOT thread-safe; its owner serialises every
 * call (the event core holds the ctx lock). Distinct tables may be used
 * concurrently from different threads: the only shared state is the
 * atomic generation counter.
 */

#if UINTPTR_MAX > 0xffffffffu
#define LIBXL__HTAB_INDEX_BITS 24
#else
#define LIBXL__HTAB_INDEX_BITS 14
#endif
#define LIBXL__HTAB_GEN_BITS ((int)(sizeof(uintptr_t) * 8) - LIBXL__HTAB_INDEX_BITS)
#define LIBXL__HTAB_MAX_SLOTS ((size_t)1 << LIBXL__HTAB_INDEX_BITS)

/* private */
typedef struct libxl__htab_slot {
    uintptr_t gen;               /* generation of the live handle; 0 = free */
    union {
        void *obj;               /* when live */
        size_t next_free;        /* when free: next free index, or NIL */
    } u;
} libxl__htab_slot;

typedef struct libxl__handle_table {
    /* all private */
    libxl__htab_slot *slots;
    size_t cap;                  /* slots allocated */
    size_t live;                 /* live handles */
    size_t free_head;            /* first free slot, or (size_t)-1 */
} libxl__handle_table;

/* Make t an empty table. Allocates nothing; cannot fail. */
void libxl__htab_init(libxl__handle_table *t);

/* Free all memory. Every token of t becomes stale forever. Afterwards t is
 * empty (lookup returns NULL, count 0) and may be initialised again. */
void libxl__htab_dispose(libxl__handle_table *t);

/* New live handle for obj (NULL allowed). On success returns 0 and stores a
 * non-NULL token in *token_out. On failure returns -1 with errno ENOMEM
 * (out of memory, or the table already holds LIBXL__HTAB_MAX_SLOTS live
 * handles) and changes nothing. Amortised O(1). */
int libxl__htab_alloc(libxl__handle_table *t, void *obj, void **token_out);

/* The object of a live token of t, or NULL if token is stale, from another
 * table, or garbage (including NULL). O(1); never dereferences token. */
void *libxl__htab_lookup(const libxl__handle_table *t, const void *token);

/* Replace the object of a live token of t. No-op for a stale token. */
void libxl__htab_set(libxl__handle_table *t, const void *token, void *obj);

/* Release a live token: returns 0, and lookup(token) is NULL from now on
 * (see THE GUARANTEE). Returns -1 (errno unchanged) and does nothing if
 * the token is not live in t. O(1). */
int libxl__htab_release(libxl__handle_table *t, const void *token);

/* Number of live handles. */
size_t libxl__htab_count(const libxl__handle_table *t);

#endif /* LIGHTCORE_BASE_HANDLES_H */
