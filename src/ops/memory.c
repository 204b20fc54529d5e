/*
 * ops/memory.c: a domain's memory settings and the waits on memory, as
 * libxl 4.17 does them: libxl_domain_setmaxmem, libxl_set_memory_target,
 * libxl_get_memory_target (and its 32-bit 0x040700 form),
 * libxl_wait_for_memory_target and libxl_wait_for_free_memory. It owns
 * the reading of the memory nodes a guest can see (memory/target,
 * memory/static-max, memory/videoram: parsed exactly as libxl parses them,
 * never trusted further) and nothing else; no per-ctx state.
 *
 * The two setters read the domain's stored configuration under the
 * domain's userdata lock, as libxl does, through the userdata family's
 * shared pieces (ops/userdata.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libxl_utils.h"

#include "base/gc.h"
#include "base/log.h"
#include "ops/userdata.h"
#include "xs/paths.h"

#define MAXMEM_CONSTANT_KB   1024          /* x86's extra, as libxl */
#define MIN_DOM0_MEM_KB      (128 * 1024)
#define MEM_NODE_MAX         4096          /* longest value read */

/* ------------------------------------------------ userdata lock, config */

/* The domain's userdata lock, as libxl's setters take it: 0, or
 * ERROR_LOCK_FAIL (logged where libxl logs) when there is no such domain
 * or the lock cannot be had. */
static int lock_domain(libxl__gc *gc, uint32_t domid, libxl__userdata_dom *dom,
                       libxl__userdata_flock *lock)
{
    if (libxl__userdata_dom_find(gc, domid, dom) ||
        libxl__userdata_lock(gc, dom, LIBXL__LOCK_USERDATA, lock, NULL))
        return ERROR_LOCK_FAIL;
    return 0;
}

/* The stored configuration into *cfg (initialised), libxl's rc:
 * ERROR_JSON_CONFIG_EMPTY when there is none. The lock is held. */
static int stored_config(libxl__gc *gc, const libxl__userdata_dom *dom,
                         libxl_domain_config *cfg)
{
    uint8_t *data = NULL;
    int len = 0, rc;

    rc = libxl__userdata_read(gc, dom, LIBXL__USERDATA_CONFIG, &data, &len);
    if (rc) {
        /* libxl reports its rc in the errno slot here */
        libxl__log(CTX, XTL_ERROR, rc, LIBXL__FILE, __LINE__, __func__,
                   dom->domid, "failed to retrieve domain configuration");
        return ERROR_FAIL;
    }
    if (!len)
        return ERROR_JSON_CONFIG_EMPTY;
    /* the file's bytes as a string of their own, whatever they hold */
    char *text = GCZALLOC((size_t)len + 1);
    memcpy(text, data, (size_t)len);
    free(data);
    return libxl_domain_config_from_json(CTX, cfg, text);
}

/* ------------------------------------------------------ node reading */

static const char *dompath(libxl__gc *gc, uint32_t domid)
{
    return GCSPRINTF("/local/domain/%u", domid);
}

/*
 * Reads a memory node: 1 with *value (the text) set, 0 when it cannot be
 * read (missing, or the request failed), -1 when its value is not a
 * string lightcore will parse (a NUL byte, or longer than MEM_NODE_MAX).
 */
static int read_mem_node(libxl__gc *gc, xs_transaction_t t, const char *path,
                         const char **value)
{
    *value = libxl__xs_read_checked(gc, t, path, MEM_NODE_MAX);
    if (*value) return 1;
    return errno == EINVAL ? -1 : 0;
}

/* libxl's parse of a memory node: strtoull, and nothing may follow. */
static bool parse_kb(const char *text, uint64_t *kb)
{
    char *end;

    *kb = strtoull(text, &end, 10);
    return *end == '\0';
}

/* libxl reads videoram with atoi (so "-1", what it writes for a domain
 * without video memory, counts as 2^64 - 1 KiB). */
static uint64_t parse_videoram(const char *text)
{
    return text ? (uint64_t)(int64_t)(int)strtol(text, NULL, 10) : 0;
}

/* An unparsable node's value, for the log line. */
static const char *shown(const char *value, int got)
{
    return got < 0 ? "(not a short string)" : value;
}

/* A node written as libxl__xs_printf does (a failure logged). */
static int write_node(libxl__gc *gc, xs_transaction_t t, const char *path,
                      const char *value)
{
    if (!xs_write(CTX->xsh, t, path, value, strlen(value))) {
        LOGE(CTX, ERROR, "xenstore write failed: `%s' = `%s'", path, value);
        return ERROR_FAIL;
    }
    return 0;
}


/* ------------------------------------------------------------ setmaxmem */

int libxl_domain_setmaxmem(libxl_ctx *ctx, uint32_t domid, uint64_t max_memkb)
{
    GC_INIT(ctx);
    libxl_domain_config cfg;
    const char *dom = dompath(gc, domid), *mem;
    libxl__userdata_dom ud;
    libxl__userdata_flock lock = {.fd = -1};
    uint64_t target_kb;
    int rc = 1, got;   /* libxl answers 1 for a node it cannot use */

    libxl_domain_config_init(&cfg);
    if (lock_domain(gc, domid, &ud, &lock)) {
        rc = ERROR_LOCK_FAIL;
        goto out;
    }

    got = read_mem_node(gc, XBT_NULL, GCSPRINTF("%s/memory/target", dom), &mem);
    if (got == 0) {
        LOGED(ctx, ERROR, domid, "Cannot get memory info from %s/memory/target",
              dom);
        goto out;
    }
    if (got < 0 || !parse_kb(mem, &target_kb)) {
        LOGED(ctx, ERROR, domid, "Invalid memory %s from %s/memory/target\n",
              shown(mem, got), dom);
        goto out;
    }
    if (max_memkb < target_kb) {
        LOGED(ctx, ERROR, domid, "memory_static_max must be greater than or "
              "or equal to memory_dynamic_max");
        goto out;
    }

    rc = stored_config(gc, &ud, &cfg);
    if (rc < 0) {
        LOGE(ctx, ERROR, "unable to retrieve domain configuration");
        goto out;
    }

    rc = xc_domain_setmaxmem(ctx->xch, domid, max_memkb + MAXMEM_CONSTANT_KB);
    if (rc) {
        LOGED(ctx, ERROR, domid, "xc_domain_setmaxmem domid=%d memkb=%" PRIu64
              " failed rc=%d\n", (int)domid, max_memkb + MAXMEM_CONSTANT_KB,
              rc);
        goto out;
    }

    /* 4.17 records the new limit as the domain's static maximum */
    rc = write_node(gc, XBT_NULL, GCSPRINTF("%s/memory/static-max", dom),
                    GCSPRINTF("%" PRIu64, max_memkb));
    if (rc) {
        LOGED(ctx, ERROR, domid, "Couldn't set %s/memory/static-max, rc=%d\n",
              dom, rc);
        goto out;
    }
    rc = 0;

out:
    libxl_domain_config_dispose(&cfg);
    libxl__userdata_unlock(&lock);
    return rc;
}

/* ------------------------------------------------ dom0's memory nodes */

/*
 * dom0's memory/target and memory/static-max, written from the hypervisor's
 * figures where missing (as libxl: a dom0 booted without a toolstack has
 * none), and their values. 0 or ERROR_FAIL.
 */
static int dom0_memory_nodes(libxl__gc *gc, uint64_t *target_kb,
                             uint64_t *max_kb)
{
    static const char target_path[] = "/local/domain/0/memory/target";
    static const char max_path[] = "/local/domain/0/memory/static-max";
    libxl_ctx *ctx = CTX;
    int rc;

    for (;;) {
        const char *target, *smax;
        libxl_dominfo info;
        xs_transaction_t t = xs_transaction_start(ctx->xsh);
        int gt, gm;

        if (t == XBT_NULL) {
            LOGE(ctx, ERROR, "starting a xenstore transaction");
            return ERROR_FAIL;
        }
        libxl_dominfo_init(&info);
        gt = read_mem_node(gc, t, target_path, &target);
        gm = read_mem_node(gc, t, max_path, &smax);
        if (gt && gm) {
            rc = 0;    /* both there already: libxl leaves the outputs */
            goto end;
        }
        if (gt && (gt < 0 || !parse_kb(target, target_kb))) {
            LOGED(ctx, ERROR, 0, "Invalid memory target %s from %s\n",
                  shown(target, gt), target_path);
            rc = ERROR_FAIL;
            goto end;
        }
        if (gm && (gm < 0 || !parse_kb(smax, max_kb))) {
            LOGED(ctx, ERROR, 0, "Invalid memory static-max %s from %s\n",
                  shown(smax, gm), max_path);
            rc = ERROR_FAIL;
            goto end;
        }
        rc = libxl_domain_info(ctx, &info, 0);
        if (rc < 0) goto end;
        if (!gt) {
            const char *v = GCSPRINTF("%" PRIu64, info.current_memkb);
            if (!xs_write(ctx->xsh, t, target_path, v, strlen(v)))
                LOGE(ctx, ERROR, "xenstore write failed: `%s' = `%s'",
                     target_path, v);
            *target_kb = info.current_memkb;
        }
        if (!gm) {
            const char *v = GCSPRINTF("%" PRIu64, info.max_memkb);
            if (!xs_write(ctx->xsh, t, max_path, v, strlen(v)))
                LOGE(ctx, ERROR, "xenstore write failed: `%s' = `%s'",
                     max_path, v);
            *max_kb = info.max_memkb;
        }
        rc = 0;
    end:
        libxl_dominfo_dispose(&info);
        if (xs_transaction_end(ctx->xsh, t, false))
            return rc;
        if (errno != EAGAIN)
            return ERROR_FAIL;
    }
}

/* ------------------------------------------------------- memory target */

/*
 * One attempt of the target's transaction: 0 (committed, or aborted with
 * the error in *rc), or EAGAIN to run it again.
 */
static int set_target_once(libxl__gc *gc, uint32_t domid, int64_t target_memkb,
                           int relative, int enforce, libxl_domain_type type,
                           int *rc_out)
{
    libxl_ctx *ctx = CTX;
    const char *dom = dompath(gc, domid), *target, *smax, *video;
    uint64_t current_kb = 0, max_kb = 0, new_kb, videoram;
    xs_transaction_t t;
    xc_domaininfo_t xcinfo;
    bool abort_t = true;
    int rc = ERROR_FAIL, got, r;

    t = xs_transaction_start(ctx->xsh);
    if (t == XBT_NULL) {
        LOGE(ctx, ERROR, "starting a xenstore transaction");
        *rc_out = ERROR_FAIL;
        return 0;
    }

    got = read_mem_node(gc, t, GCSPRINTF("%s/memory/target", dom), &target);
    if (!got && !domid) {
        uint64_t t0, m0;
        xs_transaction_end(ctx->xsh, t, true);
        *rc_out = dom0_memory_nodes(gc, &t0, &m0) < 0 ? ERROR_FAIL : 0;
        return *rc_out ? 0 : EAGAIN;
    }
    if (!got) {
        LOGED(ctx, ERROR, domid, "Cannot get target memory info from "
              "%s/memory/target", dom);
        goto out;
    }
    if (got < 0 || !parse_kb(target, &current_kb)) {
        LOGED(ctx, ERROR, domid, "Invalid memory target %s from "
              "%s/memory/target\n", shown(target, got), dom);
        goto out;
    }
    got = read_mem_node(gc, t, GCSPRINTF("%s/memory/static-max", dom), &smax);
    if (!got) {
        LOGED(ctx, ERROR, domid, "Cannot get memory info from "
              "%s/memory/static-max", dom);
        goto out;
    }
    if (got < 0 || !parse_kb(smax, &max_kb)) {
        LOGED(ctx, ERROR, domid, "Invalid max memory %s from "
              "%s/memory/static-max\n", shown(smax, got), dom);
        goto out;
    }
    got = read_mem_node(gc, t, GCSPRINTF("%s/memory/videoram", dom), &video);
    videoram = parse_videoram(got > 0 ? video : NULL);

    if (relative) {
        /* a decrease past zero stops at zero (INT64_MIN included) */
        uint64_t down = target_memkb < 0 ? (uint64_t)0 - (uint64_t)target_memkb
                                         : 0;
        new_kb = down > current_kb ? 0 : current_kb + (uint64_t)target_memkb;
    } else {
        new_kb = (uint64_t)target_memkb - videoram;
    }
    if (new_kb > max_kb) {
        LOGD(ctx, ERROR, domid, "memory_dynamic_max must be less than or equal"
             " to memory_static_max\n");
        rc = ERROR_INVAL;
        goto out;
    }
    if (!domid && new_kb < MIN_DOM0_MEM_KB) {
        LOGD(ctx, ERROR, domid, "New target %" PRIu64 " for dom0 is below the"
             " minimum threshold", new_kb);
        rc = ERROR_INVAL;
        goto out;
    }

    if (enforce) {
        uint64_t limit = new_kb + videoram + MAXMEM_CONSTANT_KB;
        r = xc_domain_setmaxmem(ctx->xch, domid, limit);
        if (r) {
            LOGED(ctx, ERROR, domid, "xc_domain_setmaxmem memkb=%" PRIu64
                  " failed rc=%d\n", limit, r);
            goto out;
        }
    }
    if (type != LIBXL_DOMAIN_TYPE_PV) {
        uint64_t pages = (new_kb + MAXMEM_CONSTANT_KB) / 4;
        r = xc_domain_set_pod_target(ctx->xch, domid, pages, NULL, NULL, NULL);
        if (r) {
            LOGED(ctx, ERROR, domid, "xc_domain_set_pod_target memkb=%" PRIu64
                  " failed rc=%d\n", pages, r);
            goto out;
        }
    }

    write_node(gc, t, GCSPRINTF("%s/memory/target", dom),
               GCSPRINTF("%" PRIu64, new_kb));

    r = xc_domain_getinfolist(ctx->xch, domid, 1, &xcinfo);
    if (r != 1 || xcinfo.domain != domid)
        goto out;
    write_node(gc, t, GCSPRINTF("/vm/" LIBXL_UUID_FMT "/memory",
                                LIBXL_UUID_BYTES(*(libxl_uuid *)xcinfo.handle)),
               GCSPRINTF("%" PRIu64, new_kb / 1024));
    abort_t = false;
    rc = 0;

out:
    *rc_out = rc;
    if (!xs_transaction_end(ctx->xsh, t, abort_t) && !abort_t &&
        errno == EAGAIN)
        return EAGAIN;
    return 0;
}

int libxl_set_memory_target(libxl_ctx *ctx, uint32_t domid,
                            int64_t target_memkb, int relative, int enforce)
{
    GC_INIT(ctx);
    libxl_domain_config cfg;
    libxl__userdata_dom ud;
    libxl__userdata_flock lock = {.fd = -1};
    int rc;

    libxl_domain_config_init(&cfg);
    if (lock_domain(gc, domid, &ud, &lock)) {
        rc = ERROR_LOCK_FAIL;
        goto out;
    }
    rc = stored_config(gc, &ud, &cfg);
    if (rc < 0) {
        LOGE(ctx, ERROR, "unable to retrieve domain configuration");
        goto out;
    }
    while (set_target_once(gc, domid, target_memkb, relative, enforce,
                           cfg.c_info.type, &rc) == EAGAIN)
        ;

out:
    libxl_domain_config_dispose(&cfg);
    libxl__userdata_unlock(&lock);
    return rc;
}

/* --------------------------------------------------------- the getters */

static int memory_target(libxl__gc *gc, uint32_t domid, uint64_t *target_r)
{
    libxl_ctx *ctx = CTX;
    const char *dom = dompath(gc, domid), *target, *smax;
    uint64_t target_kb = 0, max_kb = 0;
    int gt, gm;

    gt = read_mem_node(gc, XBT_NULL, GCSPRINTF("%s/memory/target", dom),
                       &target);
    gm = read_mem_node(gc, XBT_NULL, GCSPRINTF("%s/memory/static-max", dom),
                       &smax);
    if ((!gt || !gm) && !domid) {
        if (dom0_memory_nodes(gc, &target_kb, &max_kb) < 0)
            return ERROR_FAIL;
    } else if (!gt) {
        LOGED(ctx, ERROR, domid, "Cannot get target memory info from "
              "%s/memory/target", dom);
        return ERROR_FAIL;
    } else if (!gm) {
        LOGED(ctx, ERROR, domid, "Cannot get target memory info from "
              "%s/memory/static-max", dom);
        return ERROR_FAIL;
    } else {
        if (gt < 0 || !parse_kb(target, &target_kb)) {
            LOGED(ctx, ERROR, domid, "Invalid memory target %s from "
                  "%s/memory/target\n", shown(target, gt), dom);
            return ERROR_FAIL;
        }
        if (gm < 0 || !parse_kb(smax, &max_kb)) {
            /* sic: libxl names the target here too */
            LOGED(ctx, ERROR, domid, "Invalid memory target %s from "
                  "%s/memory/static-max\n", shown(smax, gm), dom);
            return ERROR_FAIL;
        }
    }
    if (target_r) *target_r = target_kb;
    return 0;
}

int libxl_get_memory_target(libxl_ctx *ctx, uint32_t domid,
                            uint64_t *out_target)
{
    GC_INIT(ctx);
    return memory_target(gc, domid, out_target);
}

int libxl_get_memory_target_0x040700(libxl_ctx *ctx, uint32_t domid,
                                     uint32_t *out_target)
{
    uint64_t kb = 0;
    int rc = libxl_get_memory_target(ctx, domid, &kb);

    if (rc) return rc;
    /* as libxl: the caller gets the truncated value even when it fails */
    *out_target = (uint32_t)kb;
    if (kb > UINT32_MAX) {
        LOGE(ctx, ERROR, "memory size %" PRIu64 " too large for 32 bit value\n",
             kb);
        return ERROR_FAIL;
    }
    return 0;
}

/* ------------------------------------------------------------ the waits */

/*
 * libxl polls these every one or two seconds and sleeps in between; these
 * poll more often against the same budget of time, so a caller whose
 * memory is there sooner hears so sooner.
 */
#define POLL_NS (50 * 1000 * 1000)

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pause_poll(void)
{
    struct timespec ts = {0, POLL_NS};
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

int libxl_wait_for_free_memory(libxl_ctx *ctx, uint32_t domid,
                               uint64_t memory_kb, int wait_secs)
{
    uint64_t deadline;

    (void)domid;
    if (wait_secs <= 0)
        return ERROR_NOMEM;
    deadline = now_ns() + (uint64_t)wait_secs * 1000000000u;
    for (;;) {
        xc_physinfo_t info;
        if (xc_physinfo(ctx->xch, &info)) {
            LOGE(ctx, ERROR, "getting physinfo");
            return ERROR_FAIL;
        }
        /* free pages only, as libxl: pages still being scrubbed are not
         * there yet */
        if (info.free_pages * 4 >= memory_kb)
            return 0;
        if (now_ns() >= deadline)
            return ERROR_NOMEM;
        pause_poll();
    }
}

/*
 * As libxl: done when the domain holds no more than its target; it fails
 * when the domain grows, and when it makes no progress for wait_secs
 * seconds (libxl counts two seconds per idle poll; here the idle time is
 * measured). libxl's first look is two seconds in; so is the last look
 * here when wait_secs is not positive.
 */
int libxl_wait_for_memory_target(libxl_ctx *ctx, uint32_t domid, int wait_secs)
{
    uint64_t target_kb = 0, prev_kb = UINT64_MAX, idle_since;
    int rc;

    rc = libxl_get_memory_target(ctx, domid, &target_kb);
    if (rc < 0)
        return rc;

    idle_since = now_ns();
    uint64_t budget = (uint64_t)(wait_secs > 2 ? wait_secs : 2) * 1000000000u;
    for (;;) {
        libxl_dominfo info;
        uint64_t current_kb;

        pause_poll();
        libxl_dominfo_init(&info);
        rc = libxl_domain_info(ctx, &info, domid);
        current_kb = info.current_memkb + info.outstanding_memkb;
        libxl_dominfo_dispose(&info);
        if (rc < 0)
            return rc;
        if (current_kb > prev_kb)
            return ERROR_FAIL;
        if (current_kb < prev_kb)
            idle_since = now_ns();
        prev_kb = current_kb;
        if (current_kb <= target_kb)
            return 0;
        if (now_ns() - idle_since >= budget)
            return ERROR_FAIL;
    }
}
