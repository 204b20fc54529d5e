/*
 * hostcmd.c: the `xensim` commands about the host as a whole (hc_host.c's
 * state): the hypervisor's console ring, its runtime parameters, the
 * PCI devices it knows and the host's memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xensim.h"

static int fail(const char *what, int rc)
{
    fprintf(stderr, "xensim %s: %s\n", what, strerror(-rc));
    return 1;
}

/* console: print what the ring holds; console-write TEXT...: append the
 * words, joined by spaces, as one line; console-reset: the boot lines. */
int cmd_console(int argc, char **argv)
{
    int r;

    if (!strcmp(argv[0], "console-reset")) {
        if (argc != 1)
            return cli_usage("console-reset");
        r = xensim_console_reset();
        return r < 0 ? fail(argv[0], r) : 0;
    }
    if (!strcmp(argv[0], "console-write")) {
        if (argc < 2)
            return cli_usage("console-write TEXT...");
        for (int i = 1; i < argc; i++) {
            r = xensim_console_write(argv[i]);
            if (!r)
                r = xensim_console_write(i + 1 < argc ? " " : "\n");
            if (r < 0)
                return fail(argv[0], r);
        }
        return 0;
    }
    if (argc != 1)
        return cli_usage("console");
    char *buf = malloc(SIM_CONSOLE_MAX + 1);
    if (!buf)
        return fail(argv[0], -ENOMEM);
    r = xensim_console_read(buf, SIM_CONSOLE_MAX + 1, NULL);
    if (r >= 0)
        fputs(buf, stdout);
    free(buf);
    return r < 0 ? fail(argv[0], r) : 0;
}

/* param NAME: a runtime parameter's value. */
int cmd_param(int argc, char **argv)
{
    char value[160];
    if (argc != 2)
        return cli_usage("param NAME");
    int r = xensim_param_get(argv[1], value, sizeof(value));
    if (r < 0)
        return fail(argv[0], r);
    printf("%s\n", value);
    return 0;
}

/* pci: "SEG:BUS:DEV.FN NODE|none" per device; pci SBDF NODE|none|forget. */
int cmd_pci(int argc, char **argv)
{
    static const char *syn = "pci [SEG:BUS:DEV.FN NODE|none|forget]";
    if (argc == 1) {
        uint16_t seg;
        uint8_t bus, devfn;
        int32_t node;
        for (unsigned i = 0; xensim_pci_get(i, &seg, &bus, &devfn, &node) == 0; i++) {
            printf("%04x:%02x:%02x.%u ", seg, bus, devfn >> 3, devfn & 7);
            if (node < 0)
                printf("none\n");
            else
                printf("%d\n", node);
        }
        return 0;
    }
    unsigned seg, bus, dev, fn;
    char tail;
    if (argc != 3 || sscanf(argv[1], "%x:%x:%x.%u%c", &seg, &bus, &dev, &fn,
                            &tail) != 4 || seg > 0xffff || bus > 0xff ||
        dev > 0x1f || fn > 7)
        return cli_usage(syn);
    int32_t node;
    if (!strcmp(argv[2], "none")) {
        node = -1;
    } else if (!strcmp(argv[2], "forget")) {
        node = XENSIM_PCI_FORGET;
    } else {
        char *end;
        long v = strtol(argv[2], &end, 0);
        if (*end || !*argv[2] || v < 0 || v > 0x7fffffff)
            return cli_usage(syn);
        node = (int32_t)v;
    }
    int r = xensim_pci_set((uint16_t)seg, (uint8_t)bus,
                           (uint8_t)((dev << 3) | fn), node);
    return r < 0 ? fail(argv[0], r) : 0;
}

/* host-memory MB: the host's RAM (0: the default). */
int cmd_host_memory(int argc, char **argv)
{
    char *end;
    if (argc != 2)
        return cli_usage("host-memory MB");
    unsigned long long mb = strtoull(argv[1], &end, 0);
    if (*end || !*argv[1] || mb > (1ull << 40))
        return cli_usage("host-memory MB");
    int r = xensim_host_set_memory_kb(mb * 1024);
    return r < 0 ? fail(argv[0], r) : 0;
}
