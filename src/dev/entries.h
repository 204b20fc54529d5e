/*
 * dev/entries.h: a device kind's xenstore entries, described once. Each
 * kind lists its backend and frontend keys in a table of
 * libxl__dev_entry (key, where it goes, which field of the libxl_device_X
 * struct or of the device's address it holds, and the codec that turns
 * the field into text and back). The same table writes the entries when a
 * device is added and reads a device back from the toolstack's record
 * (/libxl/DOMID/device/KIND/DEVID, which holds a copy of every backend
 * entry) when devices are listed: no kind writes or parses its keys by
 * hand. The order of a table is the order libxl 4.17 writes the keys in.
 *
 * No xenstore access here: building the key/value lists and decoding read
 * values only. Everything read back is treated as hostile: a codec refuses
 * what is not exactly its format.
 */
#ifndef LIGHTCORE_DEV_ENTRIES_H
#define LIGHTCORE_DEV_ENTRIES_H

#include <stdbool.h>
#include <stddef.h>

#include "libxl.h"

#include "base/gc.h"
#include "dev/device.h"

/* Where an entry is written (bits). */
enum {
    LIBXL__DEVENT_BACK = 1,          /* backend directory (and the record) */
    LIBXL__DEVENT_FRONT = 2,         /* frontend, writable by the guest */
    LIBXL__DEVENT_RO_FRONT = 4,      /* frontend, read-only to the guest */
};

/* What an entry's value comes from, besides its field. */
typedef struct {
    libxl_ctx *ctx;
    const void *dev;                 /* the libxl_device_X */
    const libxl__devaddr *addr;
    libxl_domain_type domain_type;   /* the guest's */
} libxl__devent_src;

typedef struct libxl__dev_codec libxl__dev_codec;
struct libxl__dev_codec {
    /* The text of field (NULL: the entry is left out). Owned by gc. */
    const char *(*encode)(libxl__gc *gc, const libxl__devent_src *src,
                          const void *field, const void *arg);
    /* Store text (from xenstore: hostile) in field, which holds its
     * initial value; strings are malloc'ed (the struct owns them). 0, or
     * ERROR_INVAL for text that is not the codec's format, ERROR_NOMEM.
     * NULL: the entry is never read back. */
    int (*decode)(libxl__gc *gc, const char *text, void *field,
                  const void *arg);
};

/* Flags of an entry. */
enum {
    LIBXL__DEVENT_ADDR = 1,          /* offset is in the libxl__devaddr */
    LIBXL__DEVENT_OPTIONAL = 2,      /* may be missing when read back */
    LIBXL__DEVENT_WRITE_ONLY = 4,    /* never read back (libxl does not) */
    /* missing when read back: decoded from the text arg instead (for a
     * codec that takes no arg of its own) */
    LIBXL__DEVENT_DEFAULT = 8,
    /* A numbered series: the field is an int N (0..LIBXL__DEVENT_SERIES_MAX)
     * and the entry stands for the N keys KEY/1 ... KEY/N, each with the
     * codec's text (its field: the same int). Write only. */
    LIBXL__DEVENT_SERIES = 16,
};
#define LIBXL__DEVENT_SERIES_MAX 64

typedef struct {
    const char *key;
    unsigned where;                  /* LIBXL__DEVENT_BACK ... */
    size_t offset;                   /* of the field */
    const libxl__dev_codec *codec;
    const void *arg;                 /* the codec's (see the codecs below) */
    unsigned flags;
    /* NULL, or whether the entry is written for this device. */
    bool (*when)(const libxl__devent_src *src);
} libxl__dev_entry;

/* A kind's table. */
typedef struct {
    const libxl__dev_entry *entries;
    unsigned count;
} libxl__dev_entries;
#define LIBXL__DEV_ENTRIES(array_) \
    { (array_), sizeof(array_) / sizeof((array_)[0]) }

/*
 * A nested table (codec libxl__devc_nested, arg its libxl__dev_subtable):
 * the entries of structs that the device's struct holds,
 * described by their own table (whose entries may nest further). Two
 * shapes:
 *  - one struct embedded in its parent (elem_size 0): the entry's offset
 *    is the struct's; its entries sit beside the parent's (same prefix;
 *    the entry's key is not used);
 *  - an array of elem_size structs: the entry's offset is the pointer's,
 *    count_offset the offset of its int count in the parent; element I's
 *    entries sit under the prefix the entry's key gives, a printf format
 *    taking I as an unsigned ("%u" gives "I/KEY", "connector/%u" gives
 *    "connector/I/KEY").
 * The entry's `where` selects the whole nested table (its entries have
 * their own `where` too); its `when` sees the parent; the nested entries'
 * `when` and codecs see the element as src->dev. Reading back, an
 * array's elements are those whose directory exists, from 0 on until
 * the first missing index (libxl's way), each initialised with init
 * (the caller's struct then owns them: its dispose frees them); with
 * LIBXL__DEVSUB_SIZED, the elements the parent already holds are read
 * instead, and no directory is probed.
 */
enum {
    LIBXL__DEVSUB_SIZED = 1,
};
typedef struct {
    libxl__dev_entries table;
    size_t elem_size;                /* 0: one embedded struct */
    size_t count_offset;             /* array: of the int count */
    void (*init)(void *elem);        /* array: read back */
    unsigned flags;                  /* LIBXL__DEVSUB_... */
} libxl__dev_subtable;
extern const libxl__dev_codec libxl__devc_nested;

/*
 * The key/value pairs of the entries that go to `where` (one bit), in
 * table order: kvs[2i] a key, kvs[2i+1] its value, NULL-terminated; owned
 * by gc. NULL when out of memory.
 */
const char **libxl__dev_entries_kvs(libxl__gc *gc,
                                    const libxl__dev_entries *table,
                                    unsigned where,
                                    const libxl__devent_src *src);

/*
 * Fills dev (initialised by the caller) from a device's entries read back:
 * lookup(key, user) gives the value of each backend entry (NULL: absent;
 * libxl__dev_lookup_error: it could not be read). A nested entry's key is
 * its full relative path ("0/1/type"); an array element's directory is
 * looked up by its prefix ("0/1"). A missing entry that is not OPTIONAL,
 * a read error, or a value its codec refuses, is ERROR_FAIL, logged with
 * the path given (dev then holds what was decoded so far: the caller
 * disposes it).
 */
typedef const char *libxl__dev_lookup(const char *key, void *user);
extern const char libxl__dev_lookup_error[];
int libxl__dev_entries_decode(libxl__gc *gc, const libxl__dev_entries *table,
                              void *dev, libxl__dev_lookup *lookup,
                              void *user, const char *path);
/* The same for the entries that go to `where` (bits) instead of the
 * backend's. */
int libxl__dev_entries_read(libxl__gc *gc, const libxl__dev_entries *table,
                            unsigned where, void *dev,
                            libxl__dev_lookup *lookup, void *user,
                            const char *path);

/* ---------------------------------------------------------- the codecs */

/* char *: the string; NULL is left out. */
extern const libxl__dev_codec libxl__devc_string;
/* The same, but NULL is written as "". */
extern const libxl__dev_codec libxl__devc_string_or_empty;
/* int, uint32_t, uint64_t: decimal. */
extern const libxl__dev_codec libxl__devc_int;
extern const libxl__dev_codec libxl__devc_u32;
extern const libxl__dev_codec libxl__devc_u64;
/* int or bool read as a truth value: "1" / "0". */
extern const libxl__dev_codec libxl__devc_int01;
extern const libxl__dev_codec libxl__devc_bool01;
/* libxl_defbool: "1" / "0" (its value; set when read back). */
extern const libxl__dev_codec libxl__devc_defbool01;
/* libxl_mac: "xx:xx:xx:xx:xx:xx". */
extern const libxl__dev_codec libxl__devc_mac;
/* A fixed text (arg: the const char *); never read back. */
extern const libxl__dev_codec libxl__devc_fixed;

/* Numbers a guest wrote, read back as libxl 4.17 reads them (strtoul:
 * leading blanks, a sign and trailing text accepted, "" and junk are 0,
 * the result cut to the field's width), so that what is reported is
 * what libxl reports; written in decimal. u32_loose (base 0: "0x10" is
 * 16) into a uint32_t, and left out when 0; int_loose (base 10) into an
 * int, always written. They take no arg (LIBXL__DEVENT_DEFAULT may give
 * one: the text read when the entry is missing). */
extern const libxl__dev_codec libxl__devc_u32_loose;
extern const libxl__dev_codec libxl__devc_int_loose;
/* The same read into a bool (any value but 0 is true), written "1"/"0". */
extern const libxl__dev_codec libxl__devc_bool_loose;

/* An int or bool field shown as one of two words (arg: a
 * libxl__devc_words: "w"/"r", "cdrom"/"disk"). Reading back gives true
 * only for the first word, as libxl. */
typedef struct { const char *yes, *no; } libxl__devc_words;
extern const libxl__dev_codec libxl__devc_int_words;
extern const libxl__dev_codec libxl__devc_bool_words;

/* An enumeration, through its libxl_X_to_string / _from_string pair
 * (arg: a libxl__devc_enum). */
typedef struct {
    const char *(*to_string)(int value);
    int (*from_string)(const char *text, int *value);
} libxl__devc_enum_arg;
extern const libxl__dev_codec libxl__devc_enum;
#define LIBXL__DEVC_ENUM(type_)                                             \
    (&(const libxl__devc_enum_arg){                                             \
        (const char *(*)(int))type_##_to_string,                            \
        (int (*)(const char *, int *))type_##_from_string })

#endif /* LIGHTCORE_DEV_ENTRIES_H */
