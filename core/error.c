#include "error.h"

const char *amg_strerror(int status)
{
    switch (status) {
    case AMG_OK: return "success";
    case AMG_ENOMEM: return "out of memory";
    case AMG_EINVAL: return "invalid argument";
    case AMG_EIO: return "input/output error";
    case AMG_ECONFIG: return "configuration error";
    case AMG_EPLUGIN: return "plugin error";
    case AMG_EHTTP: return "HTTP transport error";
    case AMG_EAUTH: return "authentication error";
    case AMG_ESNAPSHOT: return "invalid snapshot";
    case AMG_ENOTFOUND: return "not found";
    case AMG_ECYCLE: return "dependency cycle";
    case AMG_EDEP: return "missing dependency";
    case AMG_EABI: return "plugin ABI mismatch";
    case AMG_EPARTIAL: return "some records failed";
    case AMG_EPROTO: return "unexpected server answer";
    case AMG_EEXIST: return "already exists";
    case AMG_EUSAGE: return "usage error";
    default: return "unknown error";
    }
}

int amg_exit_code(int status)
{
    switch (status) {
    case AMG_OK:
        return AMG_EXIT_OK;
    case AMG_EUSAGE:
    case AMG_ECONFIG:
        return AMG_EXIT_USAGE;
    case AMG_EAUTH:
        return AMG_EXIT_AUTH;
    case AMG_ESNAPSHOT:
        return AMG_EXIT_SNAPSHOT;
    case AMG_EPLUGIN:
    case AMG_EABI:
    case AMG_ECYCLE:
    case AMG_EDEP:
        return AMG_EXIT_PLUGIN;
    default:
        /* Partial failures and anything that left work undone. */
        return AMG_EXIT_PARTIAL;
    }
}
