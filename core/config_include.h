/*
 * Check of a configuration's @include directives before libconfig reads
 * it, private to config.c. libconfig 1.5 reads an included file with its
 * flex scanner, which calls exit() when read() fails ("input in flex
 * scanner failed": a directory, hyperrealm/libconfig#292) and never
 * finishes on an endless file such as /dev/zero. So every file an
 * @include names (and every file those include) must be a regular file.
 */
#ifndef AMG_CONFIG_INCLUDE_H
#define AMG_CONFIG_INCLUDE_H

/*
 * Check the @include lines of `text` (text standing for the file `name`;
 * NULL: read the file `name`), relative names resolved against `dir` as libconfig does with
 * its include directory. Each bad include is logged as
 * "FILE:LINE: @include \"x\": is a directory" and counted in *errors.
 * Includes that cannot be opened, and lines this simple scan does not
 * understand (escapes in the name), are left to libconfig, which reports
 * them itself. Returns AMG_OK or AMG_ENOMEM.
 */
int amg_config_check_includes(const char *name, const char *text, const char *dir,
                              int *errors);

#endif
