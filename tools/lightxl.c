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
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
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

/* ---------------------------------------------------------- dispatch */

static const struct command commands[] = {
    {"list", cmd_list, "[-l] [DOMAIN]",
     "list domains (xl's table; -l: JSON, one object per domain)"},
    {"info", cmd_info, "", "show the hypervisor's version information"},
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
        fprintf(f, "  %-8s %-16s %s\n", commands[i].name, commands[i].args,
                commands[i].summary);
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
