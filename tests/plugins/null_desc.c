/* amg_plugin_entry() exists but returns no descriptor. */
#include "test_plugin.h"

const struct amg_plugin *amg_plugin_entry(void)
{
    return NULL;
}
