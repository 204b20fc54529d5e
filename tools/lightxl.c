/*
 * lightxl: an xl-style command-line tool built only on lightcore's public
 * API, linked exactly as an outside toolstack links libxenlight. It owns
 * argument parsing, output formats and exit codes; every Xen operation goes
 * through the library.
 *
 * Exit codes (distinct per failure class, documented in --help):
 *   0 success, 1 other failure, 2 bad arguments, 3 no such domain,
 *   4 timed out, 5 hypervisor or xenstored unreachable.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include <libxl.h>
#include <libxl_event.h>
#include <libxl_utils.h>

enum {
    EXIT_OK = 0,
    EXIT_FAILED = 1,
    EXIT_USAGE = 2,
    EXIT_NO_DOMAIN = 3,
    EXIT_TIMEDOUT = 4,
    EXIT_UNREACHABLE = 5,
};

static libxl_ctx *ctx;
static xentoollog_logger_stdiostream *logger;

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *args;
    const char *summary;
};

static const struct command *find_command(const char *name);
static void command_usage(FILE *f, const struct command *cmd);

/* ----------------------------------------------------------- helpers */

/* Map a library error to the tool's exit codes. */
static int exit_code_for(int rc)
{
    switch (rc) {
    case 0: return EXIT_OK;
    case ERROR_DOMAIN_NOTFOUND: return EXIT_NO_DOMAIN;
    case ERROR_TIMEDOUT: case ERROR_GUEST_TIMEDOUT: return EXIT_TIMEDOUT;
    case ERROR_INVAL: return EXIT_USAGE;
    default: return EXIT_FAILED;
    }
}

/* Handle --help / -h for a command with no options of its own; returns -1
 * to continue, or an exit code. */
static int simple_options(const struct command *cmd, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (opt == 'h') {
            command_usage(stdout, cmd);
            return EXIT_OK;
        }
        command_usage(stderr, cmd);
        return EXIT_USAGE;
    }
    return -1;
}

/* -------------------------------------------------------------- info */

static int cmd_info(int argc, char **argv)
{
    int r = simple_options(find_command("info"), argc, argv);
    if (r >= 0) return r;
    if (optind != argc) {
        command_usage(stderr, find_command("info"));
        return EXIT_USAGE;
    }

    const libxl_version_info *v = libxl_get_version_info(ctx);
    if (!v) {
        fprintf(stderr, "lightxl: cannot read the hypervisor version\n");
        return EXIT_FAILED;
    }
    printf("%-23s: %d\n", "xen_major", v->xen_version_major);
    printf("%-23s: %d\n", "xen_minor", v->xen_version_minor);
    printf("%-23s: %s\n", "xen_extra", v->xen_version_extra);
    printf("%-23s: %d.%d%s\n", "xen_version", v->xen_version_major,
           v->xen_version_minor, v->xen_version_extra);
    printf("%-23s: %s\n", "xen_caps", v->capabilities);
    printf("%-23s: %s\n", "xen_changeset", v->changeset);
    printf("%-23s: %s\n", "xen_commandline", v->commandline);
    printf("%-23s: %s\n", "cc_compiler", v->compiler);
    printf("%-23s: %s\n", "cc_compile_by", v->compile_by);
    printf("%-23s: %s\n", "cc_compile_domain", v->compile_domain);
    printf("%-23s: %s\n", "cc_compile_date", v->compile_date);
    printf("%-23s: %s\n", "build_id", v->build_id);

    /* The host, as xl info shows it (memory in MiB). */
    libxl_physinfo pi;
    libxl_physinfo_init(&pi);
    if (libxl_get_physinfo(ctx, &pi)) {
        fprintf(stderr, "lightxl: cannot read the host's physical information\n");
        libxl_physinfo_dispose(&pi);
        return EXIT_FAILED;
    }
    uint64_t per_mib = v->pagesize ? (1u << 20) / v->pagesize : 256;
    int sched = libxl_get_scheduler(ctx);
    printf("%-23s: %u\n", "nr_cpus", pi.nr_cpus);
    printf("%-23s: %u\n", "nr_nodes", pi.nr_nodes);
    printf("%-23s: %u\n", "cores_per_socket", pi.cores_per_socket);
    printf("%-23s: %u\n", "threads_per_core", pi.threads_per_core);
    printf("%-23s: %u.%03u\n", "cpu_mhz", pi.cpu_khz / 1000, pi.cpu_khz % 1000);
    printf("%-23s: %"PRIu64"\n", "total_memory", pi.total_pages / per_mib);
    printf("%-23s: %"PRIu64"\n", "free_memory",
           (pi.free_pages - pi.outstanding_pages) / per_mib);
    printf("%-23s: %s\n", "xen_scheduler",
           sched >= 0 ? libxl_scheduler_to_string(sched) : "unknown");
    libxl_physinfo_dispose(&pi);
    return EXIT_OK;
}

/* -------------------------------------------------------------- list */

/* xl's six state letters: running, blocked, paused, shutdown, crashed,
 * dying; '-' where the flag is clear. */
static void state_letters(const libxl_dominfo *d, char out[7])
{
    bool crashed = d->shutdown &&
                   d->shutdown_reason == LIBXL_SHUTDOWN_REASON_CRASH;
    out[0] = d->running ? 'r' : '-';
    out[1] = d->blocked ? 'b' : '-';
    out[2] = d->paused ? 'p' : '-';
    out[3] = d->shutdown ? 's' : '-';
    out[4] = crashed ? 'c' : '-';
    out[5] = d->dying ? 'd' : '-';
    out[6] = '\0';
}

static void print_domain_row(const libxl_dominfo *d)
{
    char state[7];
    char *name = libxl_domid_to_name(ctx, d->domid);
    state_letters(d, state);
    printf("%-40s %5u %5lu %5d     %s  %8.1f\n",
           name ? name : "(null)", d->domid,
           (unsigned long)((d->current_memkb + d->outstanding_memkb) / 1024),
           d->vcpu_online, state, (double)d->cpu_time / 1e9);
    free(name);
}

static int cmd_list(int argc, char **argv)
{
    const struct command *self = find_command("list");
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"long", no_argument, NULL, 'l'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    int opt;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "hl", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h': command_usage(stdout, self); return EXIT_OK;
        case 'l': json = true; break;
        default: command_usage(stderr, self); return EXIT_USAGE;
        }
    }

    libxl_dominfo *list = NULL, single;
    int nb = 0, rc = EXIT_OK;
    bool one = optind < argc;

    if (one) {
        uint32_t domid;
        if (optind + 1 != argc) {
            command_usage(stderr, self);
            return EXIT_USAGE;
        }
        int lrc = libxl_domain_qualifier_to_domid(ctx, argv[optind], &domid);
        if (!lrc) lrc = libxl_domain_info(ctx, &single, domid);
        if (lrc == ERROR_INVAL) lrc = ERROR_DOMAIN_NOTFOUND; /* unknown name */
        if (lrc) {
            if (lrc == ERROR_DOMAIN_NOTFOUND)
                fprintf(stderr, "lightxl: no such domain: %s\n", argv[optind]);
            else
                fprintf(stderr, "lightxl: cannot look up %s\n", argv[optind]);
            return exit_code_for(lrc);
        }
        list = &single;
        nb = 1;
    } else {
        list = libxl_list_domain(ctx, &nb);
        if (!list) {
            fprintf(stderr, "lightxl: cannot list domains\n");
            return EXIT_FAILED;
        }
    }

    if (json) {
        printf("[\n");
        for (int i = 0; i < nb; i++) {
            char *text = libxl_dominfo_to_json(ctx, &list[i]);
            if (!text) { rc = EXIT_FAILED; break; }
            printf("%s%s\n", text, i + 1 < nb ? "," : "");
            free(text);
        }
        printf("]\n");
    } else {
        printf("%-40s %5s %5s %5s\t%s\t%s\n",
               "Name", "ID", "Mem", "VCPUs", "State", "Time(s)");
        for (int i = 0; i < nb; i++)
            print_domain_row(&list[i]);
    }

    if (one)
        libxl_dominfo_dispose(&single);
    else
        libxl_dominfo_list_free(list, nb);
    return rc;
}


/* ------------------------------------------------------ event loop */

/*
 * The event-driven commands run one loop over the library's single
 * pollable fd (libxl_osevent_fd) and a signalfd for SIGINT/SIGTERM: poll,
 * libxl_osevent_dispatch, then drain the queue with libxl_event_check.
 */
struct event_loop {
    int lib_fd;
    int sig_fd;
};

static int event_loop_open(struct event_loop *loop)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &mask, NULL)) return -1;
    loop->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (loop->sig_fd < 0) return -1;
    if (libxl_osevent_fd(ctx, &loop->lib_fd)) {
        close(loop->sig_fd);
        return -1;
    }
    return 0;
}

static void event_loop_close(struct event_loop *loop)
{
    close(loop->sig_fd);
}

/* Wait up to timeout_ms (-1: forever) and dispatch. 1 if interrupted by a
 * signal, 0 otherwise, -1 on error. */
static int event_loop_step(struct event_loop *loop, int timeout_ms)
{
    struct pollfd pfd[2] = {{loop->lib_fd, POLLIN, 0}, {loop->sig_fd, POLLIN, 0}};
    int r = poll(pfd, 2, timeout_ms);
    if (r < 0) return errno == EINTR ? 0 : -1;
    if (pfd[1].revents) return 1;
    if (pfd[0].revents && libxl_osevent_dispatch(ctx)) return -1;
    return 0;
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) +
           (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* One JSON line from the library's (indented) JSON text: drop each newline
 * and the indentation after it. Strings never hold a raw newline. */
static void print_json_line(const char *json)
{
    for (const char *p = json; *p; p++) {
        if (*p == '\n') {
            while (p[1] == ' ') p++;
            continue;
        }
        putchar(*p);
    }
    putchar('\n');
}

/* known_name: the domain's name as it was when watching began (a
 * destroyed domain's name is gone from xenstore by the time its death is
 * printed); NULL to look it up now. */
static void print_event(const libxl_event *ev, bool json, const char *known_name)
{
    if (json) {
        char *text = libxl_event_to_json(ctx, (libxl_event *)ev);
        if (text) print_json_line(text);
        free(text);
    } else {
        char *name = known_name ? NULL : libxl_domid_to_name(ctx, ev->domid);
        const char *shown = known_name ? known_name : name;
        printf("domain %u (%s): ", ev->domid, shown ? shown : "?");
        switch (ev->type) {
        case LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN:
            printf("shutdown, reason %s\n", libxl_shutdown_reason_to_string(
                       ev->u.domain_shutdown.shutdown_reason) ?: "unknown");
            break;
        case LIBXL_EVENT_TYPE_DOMAIN_DEATH:
            printf("death\n");
            break;
        case LIBXL_EVENT_TYPE_DISK_EJECT:
            printf("disk eject, vdev %s\n",
                   ev->u.disk_eject.vdev ? ev->u.disk_eject.vdev : "?");
            break;
        default:
            printf("%s\n", libxl_event_type_to_string(ev->type) ?: "event");
            break;
        }
        free(name);
    }
    fflush(stdout);
}

/* ------------------------------------------------------------ events */

static int cmd_events(int argc, char **argv)
{
    const struct command *self = find_command("events");
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"json", no_argument, NULL, 'j'},
        {"eject", required_argument, NULL, 'e'},
        {NULL, 0, NULL, 0},
    };
    enum { MAX_EJECT = 64 };
    struct { uint32_t domid; char *vdev; } ejects[MAX_EJECT];
    int nejects = 0, opt, rc = EXIT_OK;
    bool json = false;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "hje:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h': command_usage(stdout, self); return EXIT_OK;
        case 'j': json = true; break;
        case 'e': {
            char *colon = strchr(optarg, ':');
            uint32_t domid;
            if (!colon || nejects == MAX_EJECT) {
                command_usage(stderr, self);
                return EXIT_USAGE;
            }
            *colon = '\0';
            if (libxl_domain_qualifier_to_domid(ctx, optarg, &domid)) {
                fprintf(stderr, "lightxl: no such domain: %s\n", optarg);
                return EXIT_NO_DOMAIN;
            }
            ejects[nejects].domid = domid;
            ejects[nejects].vdev = colon + 1;
            nejects++;
            break;
        }
        default: command_usage(stderr, self); return EXIT_USAGE;
        }
    }

    /* The domains to watch: those named, or every domain but dom0. */
    uint32_t *domids = NULL;
    int ndomids = 0;
    if (optind < argc) {
        domids = calloc((size_t)(argc - optind), sizeof(*domids));
        for (int i = optind; domids && i < argc; i++) {
            if (libxl_domain_qualifier_to_domid(ctx, argv[i], &domids[ndomids])) {
                fprintf(stderr, "lightxl: no such domain: %s\n", argv[i]);
                free(domids);
                return EXIT_NO_DOMAIN;
            }
            ndomids++;
        }
    } else {
        int nb = 0;
        libxl_dominfo *list = libxl_list_domain(ctx, &nb);
        if (!list) return EXIT_FAILED;
        domids = calloc((size_t)nb + 1, sizeof(*domids));
        for (int i = 0; domids && i < nb; i++)
            if (list[i].domid != 0) domids[ndomids++] = list[i].domid;
        libxl_dominfo_list_free(list, nb);
    }
    if (!domids) return EXIT_FAILED;

    char **names = calloc((size_t)ndomids + 1, sizeof(*names));
    for (int i = 0; names && i < ndomids; i++)
        names[i] = libxl_domid_to_name(ctx, domids[i]);
    libxl_evgen_domain_death **deaths = calloc((size_t)ndomids + 1, sizeof(*deaths));
    libxl_evgen_disk_eject **ejectgens = calloc((size_t)nejects + 1, sizeof(*ejectgens));
    struct event_loop loop;
    if (!names || !deaths || !ejectgens || event_loop_open(&loop)) {
        rc = EXIT_FAILED;
        goto out;
    }
    for (int i = 0; i < ndomids; i++) {
        if (libxl_evenable_domain_death(ctx, domids[i], 0, &deaths[i])) {
            fprintf(stderr, "lightxl: cannot watch domain %u\n", domids[i]);
            rc = EXIT_FAILED;
            goto out_loop;
        }
    }
    for (int i = 0; i < nejects; i++) {
        if (libxl_evenable_disk_eject(ctx, ejects[i].domid, ejects[i].vdev, 0,
                                      &ejectgens[i])) {
            fprintf(stderr, "lightxl: cannot watch disk %s of domain %u\n",
                    ejects[i].vdev, ejects[i].domid);
            rc = EXIT_FAILED;
            goto out_loop;
        }
    }
    /* Always said (on stderr), so a script knows when the watches are in
     * place and no later event can be missed. */
    fprintf(stderr, "lightxl: watching %d domain(s) and %d disk(s); "
            "Ctrl-C stops\n", ndomids, nejects);

    for (;;) {
        libxl_event *ev;
        while (!libxl_event_check(ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL)) {
            const char *name = NULL;
            for (int i = 0; names && i < ndomids && !name; i++)
                if (domids[i] == ev->domid) name = names[i];
            print_event(ev, json, name);
            libxl_event_free(ctx, ev);
        }
        int r = event_loop_step(&loop, -1);
        if (r > 0) break;       /* interrupted: a normal end */
        if (r < 0) {
            fprintf(stderr, "lightxl: event loop failed\n");
            rc = EXIT_FAILED;
            break;
        }
    }

out_loop:
    for (int i = 0; i < ndomids; i++)
        if (deaths[i]) libxl_evdisable_domain_death(ctx, deaths[i]);
    for (int i = 0; i < nejects; i++)
        if (ejectgens[i]) libxl_evdisable_disk_eject(ctx, ejectgens[i]);
    event_loop_close(&loop);
out:
    for (int i = 0; names && i < ndomids; i++)
        free(names[i]);
    free(names);
    free(deaths);
    free(ejectgens);
    free(domids);
    return rc;
}

/* ------------------------------------------------ waiting on a domain */

enum wait_until { UNTIL_GONE, UNTIL_SHUTDOWN };

/*
 * Block until domain domid is gone (or has shut down, for UNTIL_SHUTDOWN;
 * a domain that is gone counts too), with death events from evgen (already
 * enabled by the caller, so nothing between the caller's action and this
 * wait can be missed). timeout_s 0 waits forever. On a terminal, one
 * updating line shows what is awaited and for how long. Returns an exit
 * code; *reason_r gets the shutdown reason when there was one.
 */
static int wait_for_domain(uint32_t domid, enum wait_until until,
                           double timeout_s, int *reason_r)
{
    const char *what = until == UNTIL_GONE ? "to be gone" : "to shut down";
    bool progress = isatty(STDOUT_FILENO);
    struct event_loop loop;
    struct timespec start;
    int rc = EXIT_OK;

    if (event_loop_open(&loop)) return EXIT_FAILED;
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (!progress) /* a script may wait for this line before it acts */
        fprintf(stderr, "lightxl: waiting for domain %u %s\n", domid, what);

    for (bool done = false; !done;) {
        libxl_event *ev;
        while (!libxl_event_check(ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL)) {
            if (ev->domid == domid) {
                if (ev->type == LIBXL_EVENT_TYPE_DOMAIN_DEATH) done = true;
                if (ev->type == LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN) {
                    if (reason_r)
                        *reason_r = ev->u.domain_shutdown.shutdown_reason;
                    if (until == UNTIL_SHUTDOWN) done = true;
                }
            }
            libxl_event_free(ctx, ev);
        }
        if (done) break;
        double elapsed = seconds_since(&start);
        if (timeout_s > 0 && elapsed >= timeout_s) {
            rc = EXIT_TIMEDOUT;
            break;
        }
        if (progress) {
            printf("\rwaiting for domain %u %s ... %.0fs", domid, what, elapsed);
            fflush(stdout);
        }
        int step_ms = 1000; /* the progress line's refresh */
        if (timeout_s > 0 && (timeout_s - elapsed) * 1000 < step_ms)
            step_ms = (int)((timeout_s - elapsed) * 1000) + 1;
        if (event_loop_step(&loop, step_ms) != 0) {
            rc = EXIT_FAILED;
            break;
        }
    }
    if (progress) {
        printf("\r\033[K");
        fflush(stdout);
    }
    if (rc == EXIT_TIMEDOUT)
        fprintf(stderr, "lightxl: timed out waiting for domain %u %s\n",
                domid, what);
    event_loop_close(&loop);
    return rc;
}

/* Resolve a DOMAIN argument; prints the error. 0 or an exit code. */
static int resolve_domain(const char *arg, uint32_t *domid)
{
    int rc = libxl_domain_qualifier_to_domid(ctx, arg, domid);
    if (!rc) rc = libxl_domain_info(ctx, NULL, *domid);
    if (rc == ERROR_INVAL || rc == ERROR_DOMAIN_NOTFOUND) {
        fprintf(stderr, "lightxl: no such domain: %s\n", arg);
        return EXIT_NO_DOMAIN;
    }
    if (rc) {
        fprintf(stderr, "lightxl: cannot look up domain %s\n", arg);
        return exit_code_for(rc);
    }
    return 0;
}

/* Parse "[-w] [-F] [--timeout S] DOMAIN"-style options shared by several
 * commands. Returns -1 to go on, or an exit code. */
struct domain_args {
    bool wait, fallback;
    double timeout_s;
    uint32_t domid;
};

static int parse_domain_args(const struct command *self, int argc, char **argv,
                             const char *shortopts, struct domain_args *a)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"wait", no_argument, NULL, 'w'},
        {"timeout", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    memset(a, 0, sizeof(*a));
    optind = 1;
    while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        switch (opt) {
        case 'h': command_usage(stdout, self); return EXIT_OK;
        case 'w': a->wait = true; break;
        case 'F': a->fallback = true; break;
        case 't':
            a->timeout_s = atof(optarg);
            if (a->timeout_s <= 0) {
                command_usage(stderr, self);
                return EXIT_USAGE;
            }
            break;
        default: command_usage(stderr, self); return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        command_usage(stderr, self);
        return EXIT_USAGE;
    }
    int rc = resolve_domain(argv[optind], &a->domid);
    return rc ? rc : -1;
}

/* -------------------------------------------------------------- wait */

static int cmd_wait(int argc, char **argv)
{
    struct domain_args a;
    int r = parse_domain_args(find_command("wait"), argc, argv, "ht:", &a);
    if (r >= 0) return r;

    libxl_evgen_domain_death *death = NULL;
    if (libxl_evenable_domain_death(ctx, a.domid, 0, &death))
        return EXIT_FAILED;
    int rc = wait_for_domain(a.domid, UNTIL_GONE, a.timeout_s, NULL);
    if (rc == EXIT_OK)
        printf("domain %u is gone\n", a.domid);
    libxl_evdisable_domain_death(ctx, death);
    return rc;
}

/* --------------------------------------------- pause, unpause, destroy */

static int report_op(const char *what, uint32_t domid, int rc)
{
    if (rc) {
        fprintf(stderr, "lightxl: %s of domain %u failed: %s\n", what, domid,
                libxl_error_to_string(rc) ?: "error");
        if (rc == ERROR_FAIL && libxl_domain_info(ctx, NULL, domid) ==
                                ERROR_DOMAIN_NOTFOUND)
            return EXIT_NO_DOMAIN;
    }
    return exit_code_for(rc);
}

static int cmd_pause(int argc, char **argv)
{
    struct domain_args a;
    int r = parse_domain_args(find_command("pause"), argc, argv, "h", &a);
    if (r >= 0) return r;
    return report_op("pause", a.domid, libxl_domain_pause(ctx, a.domid, NULL));
}

static int cmd_unpause(int argc, char **argv)
{
    struct domain_args a;
    int r = parse_domain_args(find_command("unpause"), argc, argv, "h", &a);
    if (r >= 0) return r;
    return report_op("unpause", a.domid,
                     libxl_domain_unpause(ctx, a.domid, NULL));
}

static int cmd_destroy(int argc, char **argv)
{
    struct domain_args a;
    int r = parse_domain_args(find_command("destroy"), argc, argv, "h", &a);
    if (r >= 0) return r;
    return report_op("destroy", a.domid,
                     libxl_domain_destroy(ctx, a.domid, NULL));
}

/* ------------------------------------------------- shutdown, reboot */

struct op_state {
    bool done;
    int rc;
};

static void op_completed(libxl_ctx *c, int rc, void *for_callback)
{
    struct op_state *op = for_callback;
    (void)c;
    op->rc = rc;
    op->done = true;
}

/*
 * xl's shutdown and reboot: ask the guest through its PV control node and
 * wait for its acknowledgement, then with -w until it has shut down. The
 * request runs asynchronously (callback style) on the event loop, so
 * --timeout bounds the whole command: when it passes, the request is
 * aborted with libxl_ao_abort. -F asks for xl's fallback when the guest
 * has no PV drivers (an HVM guest): the ACPI power button for shutdown
 * (libxl_send_trigger), a reset for reboot (which Xen refuses on x86, as
 * xl's fallback meets it too).
 */
static int shutdown_or_reboot(const char *name, bool reboot, int argc,
                              char **argv)
{
    struct domain_args a;
    int r = parse_domain_args(find_command(name), argc, argv, "hwFt:", &a);
    if (r >= 0) return r;

    libxl_evgen_domain_death *death = NULL;
    struct event_loop loop;
    struct timespec start;
    struct op_state op = {false, 0};
    libxl_asyncop_how how = {.callback = op_completed};
    how.u.for_callback = &op;
    int exit_rc = EXIT_OK;

    if (event_loop_open(&loop)) return EXIT_FAILED;
    if (a.wait && libxl_evenable_domain_death(ctx, a.domid, 0, &death)) {
        event_loop_close(&loop);
        return EXIT_FAILED;
    }
    clock_gettime(CLOCK_MONOTONIC, &start);

    int rc = reboot ? libxl_domain_reboot(ctx, a.domid, &how)
                    : libxl_domain_shutdown(ctx, a.domid, &how);
    if (rc == ERROR_NOPARAVIRT && a.fallback) {
        /* xl's fallback: the ACPI power button, or a reset */
        fprintf(stderr, "lightxl: domain %u has no PV control interface: "
                "sending the ACPI %s\n", a.domid,
                reboot ? "reset" : "power button event");
        rc = libxl_send_trigger(ctx, a.domid, reboot ? LIBXL_TRIGGER_RESET
                                                     : LIBXL_TRIGGER_POWER,
                                0, NULL);
        if (rc) {
            exit_rc = report_op(name, a.domid, rc);
            goto out;
        }
        op.done = true;   /* no acknowledgement to wait for */
    } else if (rc == ERROR_NOPARAVIRT) {
        fprintf(stderr, "lightxl: domain %u has no PV control interface "
                "(-F: use the ACPI fallback)\n", a.domid);
        exit_rc = EXIT_FAILED;
        goto out;
    } else if (rc) {
        exit_rc = report_op(name, a.domid, rc);
        goto out;
    }

    /* The guest's acknowledgement (the operation's completion). */
    bool aborted = false;
    while (!op.done) {
        if (a.timeout_s > 0 && !aborted && seconds_since(&start) >= a.timeout_s) {
            libxl_ao_abort(ctx, &how);
            aborted = true;
        }
        if (event_loop_step(&loop, 200) < 0) {
            exit_rc = EXIT_FAILED;
            goto out;
        }
    }
    if (op.rc == ERROR_ABORTED && aborted) {
        fprintf(stderr, "lightxl: timed out waiting for domain %u to "
                "acknowledge the %s request\n", a.domid, name);
        exit_rc = EXIT_TIMEDOUT;
        goto out;
    }
    if (op.rc) {
        exit_rc = report_op(name, a.domid, op.rc);
        goto out;
    }

    if (a.wait) {
        double left = 0;
        if (a.timeout_s > 0) {
            left = a.timeout_s - seconds_since(&start);
            if (left <= 0) left = 0.001;
        }
        int reason = -1;
        exit_rc = wait_for_domain(a.domid, UNTIL_SHUTDOWN, left, &reason);
        if (exit_rc == EXIT_OK)
            printf("domain %u has shut down, reason %s\n", a.domid,
                   reason >= 0 ? libxl_shutdown_reason_to_string(reason)
                               : "unknown (destroyed)");
    }
out:
    if (death) libxl_evdisable_domain_death(ctx, death);
    event_loop_close(&loop);
    return exit_rc;
}

static int cmd_shutdown(int argc, char **argv)
{
    return shutdown_or_reboot("shutdown", false, argc, argv);
}

static int cmd_reboot(int argc, char **argv)
{
    return shutdown_or_reboot("reboot", true, argc, argv);
}

/* ---------------------------------------------------------- dispatch */

static const struct command commands[] = {
    {"list", cmd_list, "[-l] [DOMAIN]",
     "list domains (xl's table; -l: JSON, one object per domain)"},
    {"info", cmd_info, "", "show the hypervisor's version and the host's resources"},
    {"events", cmd_events, "[--json] [--eject DOM:VDEV] [DOMAIN...]",
     "print domain shutdown/death and disk eject events until interrupted"},
    {"wait", cmd_wait, "[--timeout SECONDS] DOMAIN",
     "block until the domain is gone"},
    {"pause", cmd_pause, "DOMAIN", "pause a domain"},
    {"unpause", cmd_unpause, "DOMAIN", "unpause a domain"},
    {"shutdown", cmd_shutdown, "[-w] [-F] [--timeout SECONDS] DOMAIN",
     "ask the guest to power off (-w: wait until it has shut down)"},
    {"reboot", cmd_reboot, "[-w] [-F] [--timeout SECONDS] DOMAIN",
     "ask the guest to reboot (-w: wait until it has shut down)"},
    {"destroy", cmd_destroy, "DOMAIN",
     "destroy a domain and remove its xenstore entries"},
};

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(commands[i].name, name)) return &commands[i];
    return NULL;
}

static void command_usage(FILE *f, const struct command *cmd)
{
    fprintf(f, "Usage: lightxl %s %s\n  %s\n", cmd->name, cmd->args,
            cmd->summary);
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: lightxl [-v] COMMAND [ARGS]\n"
            "An xl-style tool built on lightcore's libxenlight.\n\n"
            "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-8s %s\n  %-8s   %s\n", commands[i].name, commands[i].args,
                "", commands[i].summary);
    fprintf(f,
            "\n'lightxl COMMAND --help' describes one command.\n"
            "Exit codes: 0 success, 1 failure, 2 bad arguments, 3 no such domain,\n"
            "            4 timed out, 5 hypervisor or xenstored unreachable.\n");
}

int main(int argc, char **argv)
{
    xentoollog_level level = XTL_ERROR;
    int argi = 1, rc;

    while (argi < argc && argv[argi][0] == '-') {
        if (!strcmp(argv[argi], "-v")) {
            level = level > XTL_DEBUG ? level - 1 : XTL_DEBUG;
        } else if (!strcmp(argv[argi], "-h") || !strcmp(argv[argi], "--help")) {
            usage(stdout);
            return EXIT_OK;
        } else {
            usage(stderr);
            return EXIT_USAGE;
        }
        argi++;
    }
    if (argi >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }

    const struct command *cmd = find_command(argv[argi]);
    if (!cmd) {
        fprintf(stderr, "lightxl: unknown command '%s'\n", argv[argi]);
        usage(stderr);
        return EXIT_USAGE;
    }
    /* Help needs no Xen host. */
    for (int i = argi + 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            command_usage(stdout, cmd);
            return EXIT_OK;
        }
    }

    logger = xtl_createlogger_stdiostream(stderr, level, 0);
    if (!logger) return EXIT_FAILED;
    rc = libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, (xentoollog_logger *)logger);
    if (rc) {
        fprintf(stderr, "lightxl: cannot reach the hypervisor or xenstored\n");
        xtl_logger_destroy((xentoollog_logger *)logger);
        return EXIT_UNREACHABLE;
    }

    rc = cmd->run(argc - argi, argv + argi);

    libxl_ctx_free(ctx);
    xtl_logger_destroy((xentoollog_logger *)logger);
    return rc;
}
