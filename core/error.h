/*
 * Status codes and their text. The codes themselves live in the SDK header
 * because plugins return them too.
 */
#ifndef AMG_ERROR_H
#define AMG_ERROR_H

#include "appid-migrate/plugin.h"

/* Process exit codes, documented in appid-migrate(1). */
enum amg_exit {
    AMG_EXIT_OK = 0,
    AMG_EXIT_PARTIAL = 1,   /* some records or resources failed */
    AMG_EXIT_USAGE = 2,     /* usage or configuration error */
    AMG_EXIT_AUTH = 3,      /* authentication error */
    AMG_EXIT_SNAPSHOT = 4,  /* invalid snapshot */
    AMG_EXIT_PLUGIN = 5     /* plugin error */
};

/* Static text for a status code; never NULL. */
const char *amg_strerror(int status);

/* The exit code a command returns for a final status. */
int amg_exit_code(int status);

#endif
