/*
 * dropin.c: the ABI drop-in probe. Compiled against Debian's Xen 4.17
 * headers and linked against Debian's libxenlight; run once as it is and
 * once with LD_LIBRARY_PATH pointing at lightcore's build, against the same
 * simulated host. It prints everything it learns through the API in a
 * stable text form; the two runs must print the same thing.
 *
 * Usage: dropin [DOMID...]   (domids expected to exist; 0 is always asked)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
#include <libxl_utils.h>

static void print_dominfo(libxl_ctx *ctx, const libxl_dominfo *d)
{
    char *json = libxl_dominfo_to_json(ctx, (libxl_dominfo *)d);
    char *name = libxl_domid_to_name(ctx, d->domid);
    /* cpu_time grows between the two runs: print only that it is set. */
    printf("domain %u name=%s running=%d blocked=%d paused=%d shutdown=%d "
           "dying=%d reason=%d cur=%lu max=%lu vcpus=%d/%u type=%s "
           "cpu_time_set=%d\n",
           d->domid, name ? name : "(none)", d->running, d->blocked,
           d->paused, d->shutdown, d->dying, d->shutdown_reason,
           (unsigned long)d->current_memkb, (unsigned long)d->max_memkb,
           d->vcpu_online, d->vcpu_max_id,
           libxl_domain_type_to_string(d->domain_type), d->cpu_time > 0);
    free(name);
    /* The JSON minus the cpu_time line. */
    for (char *line = json ? strtok(json, "\n") : NULL; line;
         line = strtok(NULL, "\n"))
        if (!strstr(line, "\"cpu_time\""))
            printf("  %s\n", line);
    free(json);
}

int main(int argc, char **argv)
{
    xentoollog_logger_stdiostream *lg =
        xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    libxl_ctx *ctx = NULL;
    int rc;

    rc = libxl_ctx_alloc(&ctx, LIBXL_VERSION + 1, 0, (xentoollog_logger *)lg);
    printf("ctx_alloc(bad version) = %d\n", rc);
    rc = libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, (xentoollog_logger *)lg);
    printf("ctx_alloc = %d\n", rc);
    if (rc) return 1;

    const libxl_version_info *v = libxl_get_version_info(ctx);
    printf("version %d.%d%s caps=%s changeset=%s pagesize=%d virt_start=%#lx\n",
           v->xen_version_major, v->xen_version_minor, v->xen_version_extra,
           v->capabilities, v->changeset, v->pagesize,
           (unsigned long)v->virt_start);
    printf("compiler=%s by=%s domain=%s date=%s\n", v->compiler,
           v->compile_by, v->compile_domain, v->compile_date);
    printf("commandline=%s build_id=%s\n", v->commandline,
           v->build_id ? v->build_id : "(null)");
    char *vjson = libxl_version_info_to_json(ctx, (libxl_version_info *)v);
    printf("%s\n", vjson ? vjson : "(null)");
    free(vjson);

    int nb = 0;
    libxl_dominfo *list = libxl_list_domain(ctx, &nb);
    printf("list_domain: %d domains\n", list ? nb : -1);
    for (int i = 0; list && i < nb; i++)
        print_dominfo(ctx, &list[i]);
    libxl_dominfo_list_free(list, nb);

    for (int i = 0; i <= argc - 1; i++) {
        uint32_t domid = i == 0 ? 0 : (uint32_t)strtoul(argv[i], NULL, 0);
        libxl_dominfo info;
        libxl_dominfo_init(&info);
        rc = libxl_domain_info(ctx, &info, domid);
        printf("domain_info(%u) = %d\n", domid, rc);
        if (!rc) print_dominfo(ctx, &info);
        libxl_dominfo_dispose(&info);
    }
    printf("domain_info(31999, NULL) = %d\n",
           libxl_domain_info(ctx, NULL, 31999));

    uint32_t found = 0;
    rc = libxl_name_to_domid(ctx, "Domain-0", &found);
    printf("name_to_domid(Domain-0) = %d -> %u\n", rc, found);
    rc = libxl_name_to_domid(ctx, "no-such-domain", &found);
    printf("name_to_domid(no-such-domain) = %d\n", rc);
    rc = libxl_domain_qualifier_to_domid(ctx, "7", &found);
    printf("qualifier(7) = %d -> %u\n", rc, found);

    /* Type functions through the library. */
    libxl_event *ev = calloc(1, sizeof(*ev));
    libxl_event_init(ev);
    libxl_event_init_type(ev, LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN);
    ev->domid = 3;
    ev->for_user = 0x1234;
    ev->u.domain_shutdown.shutdown_reason = LIBXL_SHUTDOWN_REASON_REBOOT;
    char *ejson = libxl_event_to_json(ctx, ev);
    printf("event: %s\n", ejson ? ejson : "(null)");
    libxl_event *back = calloc(1, sizeof(*back));
    libxl_event_init(back);
    rc = libxl_event_from_json(ctx, back, ejson);
    printf("event_from_json = %d type=%s reason=%d\n", rc,
           libxl_event_type_to_string(back->type),
           back->u.domain_shutdown.shutdown_reason);
    free(ejson);
    libxl_event_free(ctx, back);
    libxl_event_free(ctx, ev);

    libxl_error e;
    rc = libxl_error_from_string("domain_notfound", &e);
    printf("error_from_string = %d -> %d (%s)\n", rc, e,
           libxl_error_to_string(e));

    printf("ctx_free = %d\n", libxl_ctx_free(ctx));
    xtl_logger_destroy((xentoollog_logger *)lg);
    return 0;
}
