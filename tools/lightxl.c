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

static void print_event(const libxl_event *ev, bool json)
{
    if (json) {
        char *text = libxl_event_to_json(ctx, (libxl_event *)ev);
        if (text) print_json_line(text);
        free(text);
    } else {
        char *name = libxl_domid_to_name(ctx, ev->domid);
        printf("domain %u (%s): ", ev->domid, name ? name : "?");
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

    libxl_evgen_domain_death **deaths = calloc((size_t)ndomids + 1, sizeof(*deaths));
    libxl_evgen_disk_eject **ejectgens = calloc((size_t)nejects + 1, sizeof(*ejectgens));
    struct event_loop loop;
    if (!deaths || !ejectgens || event_loop_open(&loop)) {
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
            print_event(ev, json);
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
    free(deaths);
    free(ejectgens);
    free(domids);
    return rc;
}

/* -------------------------------------------------------------- wait */

static int cmd_wait(int argc, char **argv)
{
    const struct command *self = find_command("wait");
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"timeout", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    double timeout_s = 0; /* 0: forever */
    int opt;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "ht:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h': command_usage(stdout, self); return EXIT_OK;
        case 't': timeout_s = atof(optarg); break;
        default: command_usage(stderr, self); return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        command_usage(stderr, self);
        return EXIT_USAGE;
    }

    uint32_t domid;
    if (libxl_domain_qualifier_to_domid(ctx, argv[optind], &domid) ||
        libxl_domain_info(ctx, NULL, domid) == ERROR_DOMAIN_NOTFOUND) {
        fprintf(stderr, "lightxl: no such domain: %s\n", argv[optind]);
        return EXIT_NO_DOMAIN;
    }

    libxl_evgen_domain_death *death = NULL;
    struct event_loop loop;
    struct timespec start;
    bool progress = isatty(STDOUT_FILENO);
    int rc = EXIT_OK;

    if (event_loop_open(&loop)) return EXIT_FAILED;
    if (libxl_evenable_domain_death(ctx, domid, 0, &death)) {
        event_loop_close(&loop);
        return EXIT_FAILED;
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (!progress) /* a script may wait for this before it acts */
        fprintf(stderr, "lightxl: waiting for domain %u to be gone\n", domid);

    for (bool gone = false; !gone;) {
        libxl_event *ev;
        while (!libxl_event_check(ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL)) {
            if (ev->type == LIBXL_EVENT_TYPE_DOMAIN_DEATH) gone = true;
            libxl_event_free(ctx, ev);
        }
        if (gone) break;
        double elapsed = seconds_since(&start);
        if (timeout_s > 0 && elapsed >= timeout_s) {
            rc = EXIT_TIMEDOUT;
            break;
        }
        if (progress) {
            printf("\rwaiting for domain %u to be gone ... %.0fs", domid, elapsed);
            fflush(stdout);
        }
        int r = event_loop_step(&loop, 1000);
        if (r != 0) {
            rc = EXIT_FAILED;
            break;
        }
    }
    if (progress) printf("\r\033[K");
    if (rc == EXIT_TIMEDOUT)
        fprintf(stderr, "lightxl: timed out waiting for domain %u\n", domid);
    else if (rc == EXIT_OK)
        printf("domain %u is gone\n", domid);

    libxl_evdisable_domain_death(ctx, death);
    event_loop_close(&loop);
    return rc;
}

/* ---------------------------------------------------------- dispatch */

static const struct command commands[] = {
    {"list", cmd_list, "[-l] [DOMAIN]",
     "list domains (xl's table; -l: JSON, one object per domain)"},
    {"info", cmd_info, "", "show the hypervisor's version information"},
    {"events", cmd_events, "[--json] [--eject DOM:VDEV] [DOMAIN...]",
     "print domain shutdown/death and disk eject events until interrupted"},
    {"wait", cmd_wait, "[--timeout SECONDS] DOMAIN",
     "block until the domain is gone"},
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
