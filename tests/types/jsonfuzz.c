/*
 * jsonfuzz.c: libFuzzer entry for lightcore's <type>_from_json (make fuzz;
 * tests/types/fuzz-run). One type per run, named by JD_FUZZ_TYPE; the
 * input is the document (a NUL ends it early, as it would for any C
 * caller). An accepted document is printed again and released, so to_json,
 * _dispose and the leak checker see every value the parser builds.
 */
#include <stdio.h>
#include <string.h>

#include "jsondiff.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const jd_type *fuzzed;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *name = getenv("JD_FUZZ_TYPE");

    (void)argc;
    (void)argv;
    jd_setup();
    for (int ti = 0; name && jd_types[ti].name; ti++)
        if (!strcmp(jd_types[ti].name, name))
            fuzzed = &jd_types[ti];
    if (!fuzzed) {
        fprintf(stderr, "jsonfuzz: set JD_FUZZ_TYPE to a type of libxl_types.idl\n");
        exit(2);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    void *v;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    v = fuzzed->alloc();
    if (!fuzzed->from_json(v, text))
        free(fuzzed->to_json(v));
    fuzzed->release(v);
    free(text);
    return 0;
}
