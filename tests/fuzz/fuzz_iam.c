/*
 * IAM answers: the token parser and the error-message extractor of
 * core/iam.c, on the same body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_common.h"
#include "iam.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct amg_iam_token tok = { 0 };
    const double now = 1795473600.0;
    char *msg;
    int rc;

    rc = amg_iam_token_parse((const char *)data, size, now, &tok);
    if (rc == AMG_OK) {
        if (!tok.access_token || !*tok.access_token || tok.generation != 1)
            abort();
        amg_iam_token_usable(&tok, now);
        amg_iam_token_usable(&tok, now + tok.expires_in);
    } else if (tok.access_token || tok.generation != 0) {
        /* A failed parse must leave the token alone. */
        abort();
    }
    amg_iam_token_clear(&tok);
    msg = amg_iam_error_message((const char *)data, size);
    if (msg && !*msg)
        abort();
    free(msg);
    return 0;
}
