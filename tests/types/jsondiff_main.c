/*
 * jsondiff_main.c: the program of the JSON differential test, built from
 * one source against Debian's libxenlight 4.17 and against lightcore
 * (tests/types/jsondiff.mk); tests/types/jsondiff-check and
 * tests/types/fuzz-run drive both builds and compare what they print.
 *
 *   gen SEED N        to_json of every type's _init value and of N random
 *                     values per type ("=== TYPE I" sections)
 *   yajl SEED N       the same values' text written by libxl_<type>_gen_json
 *                     into a generator configured as libxl's
 *   check SEED N      reads gen's output (of either library): from_json of
 *                     each text, compared member by member with the value
 *                     that produced it, directly and through _copy, and
 *                     to_json of the result compared with the text
 *   parse [FROM]      reads cases ("TYPE CATEGORY LENGTH\n" + text + "\n"),
 *                     prints each one's rc and, if 0, to_json of the value
 *   fuzz SEED N [--fork] [--type T] [--save DIR] [--corpus DIR]
 *                     N mutated inputs per type through from_json (and
 *                     to_json, dispose); --fork runs each in a process;
 *                     --corpus: up to N files of DIR instead (with --type)
 *   depth TYPE FIELD [REPS [MAX]]
 *                     from_json cost at nesting depths 1,000 to 100,000
 *                     (arrays in an unknown member and in FIELD), and of
 *                     25,000 to 400,000 array elements and unknown members
 *                     (best of REPS; sizes above MAX left out)
 *   seeds DIR N       writes gen's texts as files DIR/TYPE/I
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jsondiff.h"

static void section(const char *type, const char *tag, char *text)
{
    printf("=== %s %s\n%s", type, tag, text ? text : "(NULL)\n");
    free(text);
}

/* ------------------------------------------------------------ gen */

static int samples(const jd_type *t, int n)
{
    if (t->is_enum)
        return t->nsel;
    return n > t->nsel ? n : t->nsel;
}

/* yajl: the same values through libxl_<type>_gen_json instead. */
static int mode_gen(uint64_t seed, int n, int yajl)
{
    for (int ti = 0; jd_types[ti].name; ti++) {
        const jd_type *t = &jd_types[ti];
        char *(*text)(void *) = yajl ? t->gen_text : t->to_json;

        if (!t->is_enum) {
            void *p = t->alloc();

            section(t->name, "init", text(p));
            t->release(p);
        }
        for (int i = 0; i < samples(t, n); i++) {
            void *p = jd_sample(t, ti, seed, i);
            char tag[16];

            snprintf(tag, sizeof(tag), "%d", i);
            section(t->name, tag, text(p));
            t->release(p);
        }
    }
    return 0;
}

/* ------------------------------------------------------------ check */

static char *read_all(FILE *f, size_t *lenp)
{
    size_t len = 0, cap = 1 << 16;
    char *buf = jd_calloc(cap, 1);
    size_t got;

    while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len < 2) {
            buf = realloc(buf, cap *= 2);
            if (!buf)
                exit(2);
        }
    }
    buf[len] = '\0';
    if (lenp)
        *lenp = len;
    return buf;
}

static int find_type(const char *name)
{
    for (int ti = 0; jd_types[ti].name; ti++)
        if (!strcmp(jd_types[ti].name, name))
            return ti;
    return -1;
}

/* One section of gen's output: the value it came from must come back. */
static int check_one(uint64_t seed, const char *type, const char *tag,
                     const char *text)
{
    int ti = find_type(type);
    const jd_type *t;
    void *want, *got, *copy = NULL;
    char *again;
    int rc, bad = 0, invalid;

    if (ti < 0) {
        printf("%s %s: FAIL unknown type\n", type, tag);
        return 1;
    }
    t = &jd_types[ti];
    invalid = t->is_enum && atoi(tag) == t->nsel - 1; /* printed as null */
    want = strcmp(tag, "init") ? jd_sample(t, ti, seed, atoi(tag)) : t->alloc();
    got = t->alloc();
    rc = t->from_json(got, text);
    if (invalid) {
        printf("%s %s: %s (no such value: must be rejected)\n", type, tag,
               rc ? "ok" : "FAIL accepted");
        bad = !rc;
        goto out;
    }
    if (rc) {
        printf("%s %s: FAIL from_json rc %d\n", type, tag, rc);
        bad = 1;
        goto out;
    }
    if (t->cmp(want, got)) {
        printf("%s %s: FAIL parsed value differs\n", type, tag);
        bad = 1;
    }
    if (t->copy) {
        copy = t->alloc();
        t->copy(copy, got);
        if (t->cmp(want, copy)) {
            printf("%s %s: FAIL copied value differs\n", type, tag);
            bad = 1;
        }
    }
    again = t->to_json(got);
    if (!again || strcmp(again, text)) {
        printf("%s %s: FAIL to_json of the parsed value differs:\n%s", type, tag,
               again ? again : "(NULL)\n");
        bad = 1;
    }
    free(again);
    if (!bad)
        printf("%s %s: ok\n", type, tag);
out:
    t->release(want);
    t->release(got);
    if (copy)
        t->release(copy);
    return bad;
}

static int mode_check(uint64_t seed)
{
    char *all = read_all(stdin, NULL);
    char *p = all;
    int failed = 0, passed = 0;

    while ((p = strstr(p, "=== "))) {
        char type[128], tag[32];
        char *text, *end;

        char line[200];
        char *nl = strchr(p, '\n');

        if (!nl || nl - p >= (long)sizeof(line))
            break;
        memcpy(line, p, (size_t)(nl - p));
        line[nl - p] = '\0';
        if (sscanf(line, "=== %127s %31s", type, tag) != 2)
            break;
        text = nl + 1;
        end = strstr(text, "\n=== ");
        end = end ? end + 1 : text + strlen(text);
        p = end;
        {
            char save = *end;

            *end = '\0';
            if (check_one(seed, type, tag, text))
                failed++;
            else
                passed++;
            *end = save;
        }
    }
    free(all);
    printf("check: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}

/* ------------------------------------------------------------ parse */

static int mode_parse(int from)
{
    size_t len;
    char *all = read_all(stdin, &len);
    char *p = all, *lim = all + len;

    for (int idx = 0; p < lim; idx++) {
        char type[128], cat[128];
        size_t n;
        int hdr, ti;
        char *text;

        char line[300];
        char *nl = memchr(p, '\n', (size_t)(lim - p));

        /* the header alone: sscanf on the whole rest would scan it all */
        if (!nl || nl - p >= (long)sizeof(line))
            break;
        memcpy(line, p, (size_t)(nl - p));
        line[nl - p] = '\0';
        if (sscanf(line, "%127s %127s %zu%n", type, cat, &n, &hdr) != 3 ||
            n > (size_t)(lim - nl - 1))
            break;
        text = nl + 1;
        p = text + n + 1;
        if (idx < from)
            continue;
        text[n] = '\0';
        ti = find_type(type);
        printf("=== %d %s %s\n", idx, type, cat);
        fflush(stdout);
        if (ti < 0) {
            printf("unknown type\n");
            continue;
        }
        {
            const jd_type *t = &jd_types[ti];
            void *v = t->alloc();
            int rc = t->from_json(v, text);

            printf("rc %d\n", rc);
            if (!rc) {
                char *out = t->to_json(v);

                printf("%s", out ? out : "(NULL)\n");
                free(out);
            }
            t->release(v);
        }
        fflush(stdout);
    }
    free(all);
    return 0;
}

/* ------------------------------------------------------------ fuzz */

static const char *const tokens[] = {
    "{", "}", "[", "]", ",", ":", "\"", "null", "true", "false", "0", "-1",
    "18446744073709551616", "-9223372036854775809", "1e400", "0.5", "\\u0000",
    "\\ud800", "\"type.", "\"<default>\"", "\"True\"", "[[[[[[[[", "]]]]]]]]",
    "{\"a\":{\"b\":", "\xff", "\xc3", " ", "\"\"",
};

/* One input derived from the seed texts. */
static size_t mutate(jd_rng *r, char *const *seeds, int nseeds, char *out,
                     size_t cap)
{
    const char *s = seeds[jd_below(r, (unsigned)nseeds)];
    size_t len = strlen(s);
    int ops = 1 + (int)jd_below(r, 6);

    if (len > cap - 1)
        len = cap - 1;
    memcpy(out, s, len);
    for (int k = 0; k < ops; k++) {
        size_t at = len ? jd_below(r, (unsigned)len + 1) : 0;

        switch (jd_below(r, 7)) {
        case 0: /* flip a byte */
            if (len && at < len)
                out[at] = (char)(out[at] ^ (1 << jd_below(r, 8)));
            break;
        case 1: /* a random byte */
            if (len && at < len)
                out[at] = (char)jd_below(r, 256);
            break;
        case 2: { /* delete a range */
            size_t n = jd_below(r, 32);

            if (at + n > len)
                n = len - at;
            memmove(out + at, out + at + n, len - at - n);
            len -= n;
            break;
        }
        case 3: case 4: { /* insert a token */
            const char *tok = tokens[jd_below(r, sizeof(tokens) / sizeof(tokens[0]))];
            size_t n = strlen(tok);

            if (len + n < cap) {
                memmove(out + at + n, out + at, len - at);
                memcpy(out + at, tok, n);
                len += n;
            }
            break;
        }
        case 5: { /* splice a piece of another seed */
            const char *o = seeds[jd_below(r, (unsigned)nseeds)];
            size_t olen = strlen(o), from = jd_below(r, (unsigned)olen + 1);
            size_t n = jd_below(r, 64);

            if (from + n > olen)
                n = olen - from;
            if (len + n < cap) {
                memmove(out + at + n, out + at, len - at);
                memcpy(out + at, o + from, n);
                len += n;
            }
            break;
        }
        default: /* truncate */
            len = at;
            break;
        }
    }
    out[len] = '\0';
    return len;
}

static void one_input(const jd_type *t, const char *text, int *accepted)
{
    void *v = t->alloc();
    int rc = t->from_json(v, text);

    if (!rc) {
        char *again = t->to_json(v);

        free(again);
        (*accepted)++;
    }
    t->release(v);
}

static void save_input(const char *dir, const char *type, int i,
                       const char *text, const char *why)
{
    char path[512];
    FILE *f;

    if (!dir)
        return;
    mkdir(dir, 0777);
    snprintf(path, sizeof(path), "%s/%s-%d-%s", dir, type, i, why);
    f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* The next input from a corpus directory (a file each, as libFuzzer keeps
   them): its length, or -1 when the directory is done. */
static long corpus_next(DIR *d, const char *dir, char *out, size_t cap)
{
    struct dirent *e;

    while ((e = readdir(d))) {
        char path[4096];
        FILE *f;
        size_t len;

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        f = fopen(path, "rb");
        if (!f)
            continue;
        len = fread(out, 1, cap - 1, f);
        fclose(f);
        out[len] = '\0';
        return (long)len;
    }
    return -1;
}

static int mode_fuzz(uint64_t seed, int n, int forking, const char *only,
                     const char *save, const char *corpus)
{
    enum { NSEEDS = 8, CAP = 1 << 16 };
    char *buf = jd_calloc(CAP, 1);
    long total = 0, crashes_all = 0;
    DIR *cd = corpus ? opendir(corpus) : NULL;

    if (corpus && !cd) {
        perror(corpus);
        return 2;
    }

    for (int ti = 0; jd_types[ti].name; ti++) {
        const jd_type *t = &jd_types[ti];
        char *seeds[NSEEDS + 1];
        int nseeds = 0, accepted = 0, crashes = 0, errors = 0, leaks = 0;
        jd_rng r;

        if (only && strcmp(only, t->name))
            continue;
        for (int i = 0; i < NSEEDS && i < samples(t, NSEEDS); i++) {
            void *p = jd_sample(t, ti, seed, i);

            seeds[nseeds] = t->to_json(p);
            if (seeds[nseeds])
                nseeds++;
            t->release(p);
        }
        if (!t->is_enum) {
            void *p = t->alloc();

            seeds[nseeds] = t->to_json(p);
            if (seeds[nseeds])
                nseeds++;
            t->release(p);
        }
        jd_seed(&r, seed ^ 0xf22ull, (uint64_t)ti, 0);
        int i;

        for (i = 0; i < n; i++) {
            if (cd) {
                if (corpus_next(cd, corpus, buf, CAP) < 0)
                    break;
            } else {
                mutate(&r, seeds, nseeds, buf, CAP);
            }
            if (!forking) {
                one_input(t, buf, &accepted);
                continue;
            }
            fflush(stdout);
            {
                int pfd[2], st;
                char res = 0;
                pid_t pid;

                if (pipe(pfd))
                    exit(2);
                pid = fork();
                if (pid < 0)
                    exit(2);
                if (pid == 0) {
                    int acc = 0;

                    close(pfd[0]);
                    one_input(t, buf, &acc);
                    res = acc ? 'A' : 'R';
                    if (write(pfd[1], &res, 1) != 1)
                        _exit(3);
                    exit(0); /* leak checkers run at exit */
                }
                close(pfd[1]);
                if (read(pfd[0], &res, 1) != 1)
                    res = 0;
                close(pfd[0]);
                while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                    ;
                if (res == 'A')
                    accepted++;
                if (WIFSIGNALED(st)) {
                    crashes++;
                    save_input(save, t->name, i, buf, "signal");
                } else if (WEXITSTATUS(st) == 23 && res) {
                    leaks++; /* LeakSanitizer's exit code */
                    save_input(save, t->name, i, buf, "leak");
                } else if (WEXITSTATUS(st) != 0) {
                    errors++; /* a sanitizer report */
                    save_input(save, t->name, i, buf, "report");
                }
            }
        }
        printf("fuzz %s: inputs %d accepted %d crashes %d reports %d leaks %d\n",
               t->name, i, accepted, crashes, errors, leaks);
        total += i;
        crashes_all += crashes + errors + leaks;
        for (int i = 0; i < nseeds; i++)
            free(seeds[i]);
    }
    free(buf);
    if (cd)
        closedir(cd);
    printf("fuzz: %ld inputs, %ld crashes/reports/leaks\n", total, crashes_all);
    return crashes_all != 0;
}

/* ------------------------------------------------------------ depth */

/* CPU time: the machine may be shared, and wall-clock time would count
   the other processes' turns. */
static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* {"KEY": [[[...]]]} with depth arrays; NULL key: a bare array. */
static char *nested(const char *key, int depth)
{
    size_t cap = (size_t)depth * 2 + 64 + (key ? strlen(key) : 0);
    char *s = jd_calloc(cap, 1);
    size_t len = 0;

    if (key)
        len += (size_t)snprintf(s, cap, "{\"%s\": ", key);
    memset(s + len, '[', (size_t)depth);
    len += (size_t)depth;
    memset(s + len, ']', (size_t)depth);
    len += (size_t)depth;
    if (key)
        s[len++] = '}';
    s[len] = '\0';
    return s;
}

/* {"KEY": [0, 0, ...]} with n elements, or (KEY NULL) an object with n
   distinct unknown members. */
static char *wide(const char *key, int n)
{
    size_t cap = (size_t)n * 24 + 64 + (key ? strlen(key) : 0);
    char *s = jd_calloc(cap, 1);
    size_t len = 0;

    if (key)
        len += (size_t)snprintf(s, cap, "{\"%s\": [", key);
    else
        s[len++] = '{';
    for (int i = 0; i < n; i++) {
        if (key)
            len += (size_t)snprintf(s + len, cap - len, "%s0", i ? "," : "");
        else
            len += (size_t)snprintf(s + len, cap - len, "%s\"u%d\": 0",
                                    i ? "," : "", i);
    }
    len += (size_t)snprintf(s + len, cap - len, key ? "]}" : "}");
    return s;
}

static int mode_depth(const char *type, const char *known, int reps, int cap)
{
    /* nesting: 10x steps (a quadratic parser shows 100x); width: 4x steps
       from where the data outgrows the caches (a quadratic parser: 16x) */
    static const int depths[] = { 1000, 10000, 100000 };
    static const int widths[] = { 25000, 100000, 400000 };
    int ti = find_type(type);
    const char *keys[] = { "no_such_field", known };
    const char *what[] = { "unknown", "known", "wide-array", "wide-object" };

    if (ti < 0)
        return 2;
    for (int k = 0; k < 4; k++) {
        for (size_t d = 0; d < 3; d++) {
            int size = k < 2 ? depths[d] : widths[d];
            char *doc;
            double best = 1e9;
            int rc = 0;

            if (cap && size > cap)
                continue;
            doc = k < 2 ? nested(keys[k], size)
                        : wide(k == 2 ? keys[0] : NULL, size);
            for (int rep = 0; rep < reps; rep++) {
                void *v = jd_types[ti].alloc();
                double t0 = now_s();

                rc = jd_types[ti].from_json(v, doc);
                t0 = now_s() - t0;
                if (t0 < best)
                    best = t0;
                jd_types[ti].release(v);
            }
            printf("depth %s %s %d rc %d seconds %.6f\n", type,
                   what[k], size, rc, best);
            fflush(stdout);
            free(doc);
        }
    }
    return 0;
}

/* ------------------------------------------------------------ seeds */

static int mode_seeds(const char *dir, uint64_t seed, int n)
{
    mkdir(dir, 0777);
    for (int ti = 0; jd_types[ti].name; ti++) {
        const jd_type *t = &jd_types[ti];
        char path[512];

        snprintf(path, sizeof(path), "%s/%s", dir, t->name);
        mkdir(path, 0777);
        for (int i = -1; i < samples(t, n); i++) {
            void *p;
            char *text;
            FILE *f;

            if (i < 0 && t->is_enum)
                continue;
            p = i < 0 ? t->alloc() : jd_sample(t, ti, seed, i);
            text = t->to_json(p);
            t->release(p);
            snprintf(path, sizeof(path), "%s/%s/%d", dir, t->name, i + 1);
            f = fopen(path, "w");
            if (!f || !text)
                return 2;
            fputs(text, f);
            fclose(f);
            free(text);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";

    jd_setup();
    if ((!strcmp(mode, "gen") || !strcmp(mode, "yajl")) && argc == 4)
        return mode_gen(strtoull(argv[2], NULL, 0), atoi(argv[3]),
                        !strcmp(mode, "yajl"));
    if (!strcmp(mode, "check") && argc == 4)
        return mode_check(strtoull(argv[2], NULL, 0));
    if (!strcmp(mode, "parse"))
        return mode_parse(argc > 2 ? atoi(argv[2]) : 0);
    if (!strcmp(mode, "fuzz") && argc >= 4) {
        int forking = 0;
        const char *only = NULL, *save = NULL, *corpus = NULL;

        for (int i = 4; i < argc; i++) {
            if (!strcmp(argv[i], "--fork"))
                forking = 1;
            else if (!strcmp(argv[i], "--corpus") && i + 1 < argc)
                corpus = argv[++i];
            else if (!strcmp(argv[i], "--type") && i + 1 < argc)
                only = argv[++i];
            else if (!strcmp(argv[i], "--save") && i + 1 < argc)
                save = argv[++i];
        }
        if (corpus && !only) {
            fprintf(stderr, "--corpus needs --type\n");
            return 2;
        }
        return mode_fuzz(strtoull(argv[2], NULL, 0), atoi(argv[3]), forking,
                         only, save, corpus);
    }
    if (!strcmp(mode, "depth") && argc >= 4 && argc <= 6)
        return mode_depth(argv[2], argv[3], argc >= 5 ? atoi(argv[4]) : 3,
                          argc == 6 ? atoi(argv[5]) : 0);
    if (!strcmp(mode, "seeds") && argc == 5)
        return mode_seeds(argv[2], strtoull(argv[3], NULL, 0), atoi(argv[4]));
    fprintf(stderr, "usage: %s gen|yajl|check SEED N | parse [FROM] |\n"
            "    fuzz SEED N [--fork] [--type T] [--save DIR] [--corpus DIR] |\n"
            "    depth TYPE FIELD [REPS [MAX]] | seeds DIR SEED N\n", argv[0]);
    return 2;
}
