/*
 * base/handles.c: the generation-checked handle table (see base/handles.h for
 * the contract and the staleness guarantee). Owns the table's memory and the
 * process-wide generation counter; never dereferences a token.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "base/handles.h"

#define NIL ((size_t)-1)
#define INDEX_MASK (((uintptr_t)1 << LIBXL__HTAB_INDEX_BITS) - 1)
#define GEN_MASK ((~(uintptr_t)0) >> LIBXL__HTAB_INDEX_BITS)
#define INITIAL_CAP 16

_Static_assert(LIBXL__HTAB_GEN_BITS >= 18, "too few generation bits");
_Static_assert(LIBXL__HTAB_MAX_SLOTS < NIL, "slot index must not reach NIL");

/* Shared by every table in the process. A uintptr_t wraps at a multiple of
 * 2^GEN_BITS, so the masked sequence cycles through every generation. */
static _Atomic uintptr_t next_generation = 1;

static uintptr_t new_generation(void)
{
    for (;;) {
        uintptr_t g = atomic_fetch_add_explicit(&next_generation, 1,
                                                memory_order_relaxed);
        g &= GEN_MASK;
        if (g)
            return g;
    }
}

static inline void *encode(size_t index, uintptr_t gen)
{
    return (void *)((gen << LIBXL__HTAB_INDEX_BITS) | (uintptr_t)index);
}

/* The slot a token names if it is live in t, else NULL. */
static libxl__htab_slot *find_live(const libxl__handle_table *t,
                                   const void *token)
{
    uintptr_t v = (uintptr_t)token;
    size_t index = (size_t)(v & INDEX_MASK);
    uintptr_t gen = v >> LIBXL__HTAB_INDEX_BITS;

    if (!gen || index >= t->cap)
        return NULL;
    libxl__htab_slot *s = &t->slots[index];
    return s->gen == gen ? s : NULL;
}

void libxl__htab_init(libxl__handle_table *t)
{
    t->slots = NULL;
    t->cap = 0;
    t->live = 0;
    t->free_head = NIL;
}

void libxl__htab_dispose(libxl__handle_table *t)
{
    free(t->slots);
    libxl__htab_init(t);
}

/* Double the slot array; the new slots go onto the free list, lowest index
 * first. */
static int grow(libxl__handle_table *t)
{
    size_t ncap = t->cap ? t->cap * 2 : INITIAL_CAP;
    if (ncap > LIBXL__HTAB_MAX_SLOTS)
        ncap = LIBXL__HTAB_MAX_SLOTS;
    if (ncap <= t->cap)
        return -1;

    libxl__htab_slot *ns = realloc(t->slots, ncap * sizeof(*ns));
    if (!ns)
        return -1;
    for (size_t i = ncap; i-- > t->cap; ) {
        ns[i].gen = 0;
        ns[i].u.next_free = t->free_head;
        t->free_head = i;
    }
    t->slots = ns;
    t->cap = ncap;
    return 0;
}

int libxl__htab_alloc(libxl__handle_table *t, void *obj, void **token_out)
{
    if (t->free_head == NIL && grow(t)) {
        errno = ENOMEM;
        return -1;
    }

    size_t index = t->free_head;
    libxl__htab_slot *s = &t->slots[index];
    t->free_head = s->u.next_free;
    s->gen = new_generation();
    s->u.obj = obj;
    t->live++;
    *token_out = encode(index, s->gen);
    return 0;
}

void *libxl__htab_lookup(const libxl__handle_table *t, const void *token)
{
    const libxl__htab_slot *s = find_live(t, token);
    return s ? s->u.obj : NULL;
}

void libxl__htab_set(libxl__handle_table *t, const void *token, void *obj)
{
    libxl__htab_slot *s = find_live(t, token);
    if (s)
        s->u.obj = obj;
}

int libxl__htab_release(libxl__handle_table *t, const void *token)
{
    libxl__htab_slot *s = find_live(t, token);
    if (!s)
        return -1;
    s->gen = 0;
    s->u.next_free = t->free_head;
    t->free_head = (size_t)(s - t->slots);
    t->live--;
    return 0;
}

size_t libxl__htab_count(const libxl__handle_table *t)
{
    return t->live;
}
