/*
 * Configuration text through libconfig and the whole validation of
 * amg_config_load_string(). Inputs with @include are skipped: an include
 * reads the file system, not the input (it could name /dev/zero).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "fuzz_common.h"

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
    struct amg_config *cfg = NULL;
    char *text = malloc(size + 1);
    size_t i;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (strstr(text, "@include")) {
        free(text);
        return 0;
    }
    if (amg_config_load_string(text, "fuzz.conf", &cfg) == AMG_OK) {
        /* Touch what a command reads from a loaded config. */
        for (i = 0; i < cfg->n_instances; i++) {
            const struct amg_instance_conf *inst = &cfg->instances[i];

            if (amg_config_instance(cfg, inst->name) != inst || !inst->endpoint ||
                !inst->tenant_id || !inst->api_key_env || !inst->iam_endpoint)
                abort();
        }
        amg_config_plugin_option(cfg, "users", "page_size");
        amg_config_free(cfg);
    } else if (cfg) {
        abort();
    }
    free(text);
    return 0;
}
