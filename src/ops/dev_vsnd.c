/*
 * ops/dev_vsnd.c: virtual sound cards (vsnd): their device type for the
 * generic machinery (defaults, devid, address, xenstore entries: the
 * card's parameters, then one nested directory per PCM device and, in
 * it, one per stream, each level with the same parameter entries), and
 * libxl_device_vsnd_add / _remove / _destroy / _list / _getinfo and
 * libxl_devid_to_device_vsnd, with libxl 4.17's results. As libxl, a
 * card is read back from its frontend, which the guest can write: every
 * value goes through the tables' codecs.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "ops/device.h"
#include "ops/device_devid.h"
#include "libxl_utils.h"

/* ------------------------------------------------------------ codecs */

/* The separators libxl splits a list on when it reads one back. */
#define LIST_SEPARATORS " ,"

/* The next item of a list being read back (NULL at its end): *len bytes
 * from the returned pointer; *p moves past it. */
static const char *list_next(const char **p, size_t *len)
{
    const char *item = *p + strspn(*p, LIST_SEPARATORS);

    if (!*item) return NULL;
    *len = strcspn(item, LIST_SEPARATORS);
    *p = item + *len;
    return item;
}

static size_t list_count(const char *text)
{
    size_t n = 0, len;

    while (list_next(&text, &len)) n++;
    return n;
}

/* sample-rates: "R1,R2,..." (left out when there is none); the field is
 * the libxl_vsnd_params. Read back as libxl reads it: each item a number
 * as strtoul reads it in base 0. */
static const char *rates_encode(libxl__gc *gc, const libxl__devent_src *src,
                                const void *field, const void *arg)
{
    const libxl_vsnd_params *params = field;
    const char *s = "";
    (void)src; (void)arg;

    if (!params->sample_rates || params->num_sample_rates <= 0) return NULL;
    for (int i = 0; i < params->num_sample_rates && s; i++)
        s = GCSPRINTF("%s%s%u", s, i ? "," : "",
                      (unsigned)params->sample_rates[i]);
    return s;
}

static int rates_decode(libxl__gc *gc, const char *text, void *field,
                        const void *arg)
{
    libxl_vsnd_params *params = field;
    size_t n = list_count(text), len, i = 0;
    uint32_t *rates = NULL;
    const char *item;
    (void)arg;

    if (n) {
        rates = calloc(n, sizeof(*rates));
        if (!rates) return ERROR_NOMEM;
        while ((item = list_next(&text, &len))) {
            char *one = libxl__gc_strdup(gc, item);

            if (!one) {
                free(rates);
                return ERROR_NOMEM;
            }
            one[len] = '\0';
            rates[i++] = (uint32_t)strtoul(one, NULL, 0);
        }
    }
    free(params->sample_rates);
    params->sample_rates = rates;
    params->num_sample_rates = (int)n;
    return 0;
}

static const libxl__dev_codec rates_codec = { rates_encode, rates_decode };

/* sample-formats: "F1,F2,..." by name (libxl prints a value it has no
 * name for as "(null)"); read back, a name it does not know fails. */
static const char *formats_encode(libxl__gc *gc, const libxl__devent_src *src,
                                  const void *field, const void *arg)
{
    const libxl_vsnd_params *params = field;
    const char *s = "";
    (void)src; (void)arg;

    if (!params->sample_formats || params->num_sample_formats <= 0)
        return NULL;
    for (int i = 0; i < params->num_sample_formats && s; i++) {
        const char *name =
            libxl_vsnd_pcm_format_to_string(params->sample_formats[i]);
        s = GCSPRINTF("%s%s%s", s, i ? "," : "", name ? name : "(null)");
    }
    return s;
}

static int formats_decode(libxl__gc *gc, const char *text, void *field,
                          const void *arg)
{
    libxl_vsnd_params *params = field;
    size_t n = list_count(text), len, i = 0;
    libxl_vsnd_pcm_format *formats = NULL;
    const char *item;
    (void)arg;

    if (n) {
        formats = calloc(n, sizeof(*formats));
        if (!formats) return ERROR_NOMEM;
        while ((item = list_next(&text, &len))) {
            char *one = libxl__gc_strdup(gc, item);

            if (one) one[len] = '\0';
            if (!one || libxl_vsnd_pcm_format_from_string(one,
                                                          &formats[i++])) {
                free(formats);
                return one ? ERROR_INVAL : ERROR_NOMEM;
            }
        }
    }
    free(params->sample_formats);
    params->sample_formats = formats;
    params->num_sample_formats = (int)n;
    return 0;
}

static const libxl__dev_codec formats_codec = { formats_encode,
                                                formats_decode };

/* ------------------------------------------------------------ entries */

#define BACK LIBXL__DEVENT_BACK
#define FRONT LIBXL__DEVENT_FRONT
#define OPT LIBXL__DEVENT_OPTIONAL
#define DEF LIBXL__DEVENT_DEFAULT
#define A(field) offsetof(libxl__devaddr, field)

/* The parameters, at the card's, a PCM device's and a stream's level. */
#define P(field) offsetof(libxl_vsnd_params, field)
static const libxl__dev_entry params_entries[] = {
    { "sample-rates", FRONT, 0, &rates_codec, NULL, OPT, NULL },
    { "sample-formats", FRONT, 0, &formats_codec, NULL, OPT, NULL },
    { "channels-min", FRONT, P(channels_min), &libxl__devc_u32_loose, NULL,
      OPT, NULL },
    { "channels-max", FRONT, P(channels_max), &libxl__devc_u32_loose, NULL,
      OPT, NULL },
    { "buffer-size", FRONT, P(buffer_size), &libxl__devc_u32_loose, NULL,
      OPT, NULL },
};
#undef P

static const libxl__dev_subtable params = {
    LIBXL__DEV_ENTRIES(params_entries), 0, 0, NULL, 0,
};

#define S(field) offsetof(libxl_vsnd_stream, field)
static const libxl__dev_entry stream_entries[] = {
    { "unique-id", FRONT, S(unique_id), &libxl__devc_string, NULL, OPT,
      NULL },
    { "type", FRONT, S(type), &libxl__devc_enum,
      LIBXL__DEVC_ENUM(libxl_vsnd_stream_type), OPT, NULL },
    { "", FRONT, S(params), &libxl__devc_nested, &params, 0, NULL },
};
#undef S

static const libxl__dev_subtable streams = {
    LIBXL__DEV_ENTRIES(stream_entries), sizeof(libxl_vsnd_stream),
    offsetof(libxl_vsnd_pcm, num_vsnd_streams),
    (void (*)(void *))libxl_vsnd_stream_init, 0,
};

#define M(field) offsetof(libxl_vsnd_pcm, field)
static const libxl__dev_entry pcm_entries[] = {
    { "name", FRONT, M(name), &libxl__devc_string, NULL, OPT, NULL },
    { "", FRONT, M(params), &libxl__devc_nested, &params, 0, NULL },
    { "%u", FRONT, M(streams), &libxl__devc_nested, &streams, 0, NULL },
};
#undef M

static const libxl__dev_subtable pcms = {
    LIBXL__DEV_ENTRIES(pcm_entries), sizeof(libxl_vsnd_pcm),
    offsetof(libxl_device_vsnd, num_vsnd_pcms),
    (void (*)(void *))libxl_vsnd_pcm_init, 0,
};

#define F(field) offsetof(libxl_device_vsnd, field)
static const libxl__dev_entry vsnd_entries[] = {
    { "frontend-id", BACK, A(domid), &libxl__devc_u32, NULL,
      LIBXL__DEVENT_ADDR, NULL },
    { "online", BACK, 0, &libxl__devc_fixed, "1", 0, NULL },
    { "state", BACK, 0, &libxl__devc_fixed, "1", 0, NULL },
    { "backend-id", FRONT, A(backend_domid), &libxl__devc_u32, NULL,
      LIBXL__DEVENT_ADDR, NULL },
    { "state", FRONT, 0, &libxl__devc_fixed, "1", 0, NULL },
    { "long-name", FRONT, F(long_name), &libxl__devc_string, NULL, OPT,
      NULL },
    { "short-name", FRONT, F(short_name), &libxl__devc_string, NULL, OPT,
      NULL },
    { "", FRONT, F(params), &libxl__devc_nested, &params, 0, NULL },
    { "%u", FRONT, F(pcms), &libxl__devc_nested, &pcms, 0, NULL },
};
#undef F

/* What getinfo reads of the frontend (libxl_vsndinfo): the ring of each
 * stream the card was given (the caller's struct, not the guest, says
 * how many). */
#define I(field) offsetof(libxl_streaminfo, field)
static const libxl__dev_entry streaminfo_entries[] = {
    { "ring-ref", FRONT, I(req_rref), &libxl__devc_int_loose, "-1", DEF,
      NULL },
    { "event-channel", FRONT, I(req_evtch), &libxl__devc_int_loose, "-1",
      DEF, NULL },
};
#undef I

static const libxl__dev_subtable streaminfos = {
    LIBXL__DEV_ENTRIES(streaminfo_entries), sizeof(libxl_streaminfo),
    offsetof(libxl_pcminfo, num_vsnd_streams), NULL, LIBXL__DEVSUB_SIZED,
};

static const libxl__dev_entry pcminfo_entries[] = {
    { "%u", FRONT, offsetof(libxl_pcminfo, streams), &libxl__devc_nested,
      &streaminfos, 0, NULL },
};

static const libxl__dev_subtable pcminfos = {
    LIBXL__DEV_ENTRIES(pcminfo_entries), sizeof(libxl_pcminfo),
    offsetof(libxl_vsndinfo, num_vsnd_pcms), NULL, LIBXL__DEVSUB_SIZED,
};

#define I(field) offsetof(libxl_vsndinfo, field)
static const libxl__dev_entry vsndinfo_entries[] = {
    { "state", FRONT, I(state), &libxl__devc_int_loose, "-1", DEF, NULL },
    { "%u", FRONT, I(pcms), &libxl__devc_nested, &pcminfos, 0, NULL },
};
#undef I
static const libxl__dev_entries vsndinfo_table =
    LIBXL__DEV_ENTRIES(vsndinfo_entries);

/* ------------------------------------------------------------ devtype */

static bool vsnd_same(const void *a, const void *b)
{
    return ((const libxl_device_vsnd *)a)->devid ==
           ((const libxl_device_vsnd *)b)->devid;
}

static int vsnd_setdefault(libxl__gc *gc, uint32_t domid,
                           libxl_domain_type type, void *dev, bool hotplug)
{
    libxl_device_vsnd *vsnd = dev;
    (void)domid; (void)type; (void)hotplug;

    if (!vsnd->backend_domname) return 0;
    return libxl_domain_qualifier_to_domid(gc->ctx, vsnd->backend_domname,
                                           &vsnd->backend_domid);
}

static int vsnd_update_devid(libxl__gc *gc, uint32_t domid, void *dev)
{
    libxl_device_vsnd *vsnd = dev;

    if (vsnd->devid == -1)
        vsnd->devid = libxl__device_nextid(gc, domid, LIBXL__DEVKIND_VSND);
    return vsnd->devid < 0 ? ERROR_FAIL : 0;
}

static void vsnd_update_config(libxl__gc *gc, void *saved, const void *dev)
{
    (void)gc;
    ((libxl_device_vsnd *)saved)->devid =
        ((const libxl_device_vsnd *)dev)->devid;
}

static int vsnd_from_record(libxl__gc *gc, const libxl__devaddr *addr,
                            const char *(*get)(const char *, void *),
                            void *user, void *dev)
{
    libxl_device_vsnd *vsnd = dev;

    vsnd->devid = addr->devid;
    return libxl__device_record_backend_domid(gc, addr, get, user,
                                              &vsnd->backend_domid);
}

const libxl__devtype libxl__vsnd_devtype = {
    .name = "vsnd",
    .kind = LIBXL__DEVKIND_VSND,
    .size = sizeof(libxl_device_vsnd),
    .cfg_array = offsetof(libxl_domain_config, vsnds),
    .cfg_num = offsetof(libxl_domain_config, num_vsnds),
    .init = (void (*)(void *))libxl_device_vsnd_init,
    .dispose = (void (*)(void *))libxl_device_vsnd_dispose,
    .copy = (void (*)(libxl_ctx *, void *, const void *))
            libxl_device_vsnd_copy,
    .same = vsnd_same,
    .setdefault = vsnd_setdefault,
    .update_devid = vsnd_update_devid,
    .update_config = vsnd_update_config,
    .backend_domid_off = offsetof(libxl_device_vsnd, backend_domid),
    .devid_off = offsetof(libxl_device_vsnd, devid),
    .entries = LIBXL__DEV_ENTRIES(vsnd_entries),
    .from_record = vsnd_from_record,
    .hotplug = LIBXL__HOTPLUG_NONE,
    .setdefault_untyped = true,
    .read_where = LIBXL__DEVENT_FRONT,
};
#define vsnd_type libxl__vsnd_devtype

/* --------------------------------------------------- public functions */

int libxl_device_vsnd_add(libxl_ctx *ctx, uint32_t domid,
                          libxl_device_vsnd *vsnd,
                          const libxl_asyncop_how *ao_how)
{
    return libxl__device_add(ctx, domid, &vsnd_type, vsnd, ao_how);
}

int libxl_device_vsnd_remove(libxl_ctx *ctx, uint32_t domid,
                             libxl_device_vsnd *vsnd,
                             const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &vsnd_type, vsnd,
                                LIBXL__FORCE_AUTO, ao_how);
}

int libxl_device_vsnd_destroy(libxl_ctx *ctx, uint32_t domid,
                              libxl_device_vsnd *vsnd,
                              const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &vsnd_type, vsnd,
                                LIBXL__FORCE_ON, ao_how);
}

libxl_device_vsnd *libxl_device_vsnd_list(libxl_ctx *ctx, uint32_t domid,
                                          int *num)
{
    GC_INIT(ctx);
    return libxl__device_list(gc, &vsnd_type, domid, num);
}

/* As libxl: the card of that devid among those listed, or
 * ERROR_NOTFOUND. */
int libxl_devid_to_device_vsnd(libxl_ctx *ctx, uint32_t domid, int devid,
                               libxl_device_vsnd *vsnd)
{
    GC_INIT(ctx);
    int num = 0, rc = ERROR_NOTFOUND;
    libxl_device_vsnd *list;

    libxl_device_vsnd_init(vsnd);
    list = libxl__device_list(gc, &vsnd_type, domid, &num);
    for (int i = 0; i < num; i++) {
        if (list[i].devid == devid) {
            libxl_device_vsnd_copy(ctx, vsnd, &list[i]);
            rc = 0;
            break;
        }
    }
    libxl__device_list_free(&vsnd_type, list, num);
    return rc;
}

/* info's PCM devices and their streams shaped as vsnd's (what getinfo
 * reports on). */
static int shape_info(const libxl_device_vsnd *vsnd, libxl_vsndinfo *info)
{
    int n = vsnd->pcms ? vsnd->num_vsnd_pcms : 0;

    if (n <= 0) return 0;
    info->pcms = calloc((size_t)n, sizeof(*info->pcms));
    if (!info->pcms) return ERROR_NOMEM;
    info->num_vsnd_pcms = n;
    for (int i = 0; i < n; i++) {
        const libxl_vsnd_pcm *pcm = &vsnd->pcms[i];
        libxl_pcminfo *pi = &info->pcms[i];
        int m = pcm->streams ? pcm->num_vsnd_streams : 0;

        libxl_pcminfo_init(pi);
        if (m <= 0) continue;
        pi->streams = calloc((size_t)m, sizeof(*pi->streams));
        if (!pi->streams) return ERROR_NOMEM;
        pi->num_vsnd_streams = m;
        for (int j = 0; j < m; j++) libxl_streaminfo_init(&pi->streams[j]);
    }
    return 0;
}

int libxl_device_vsnd_getinfo(libxl_ctx *ctx, uint32_t domid,
                              const libxl_device_vsnd *vsnd,
                              libxl_vsndinfo *info)
{
    GC_INIT(ctx);
    libxl__devaddr addr;
    const char *fe;
    int rc;

    libxl_vsndinfo_init(info);
    info->devid = vsnd->devid;
    libxl__device_addr_of(gc, &libxl__vsnd_devtype, domid, vsnd, &addr);
    fe = libxl__dev_frontend_path(gc, &addr);
    if (!fe) return ERROR_NOMEM;
    rc = libxl__device_info_paths(gc, &addr, &info->backend,
                                  &info->backend_id, &info->frontend);
    if (rc) return rc;
    info->frontend_id = domid;
    rc = shape_info(vsnd, info);
    if (rc) return rc;
    return libxl__device_read_entries(gc, &vsndinfo_table, FRONT, fe, info);
}
