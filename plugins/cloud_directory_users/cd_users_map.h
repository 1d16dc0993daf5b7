/*
 * Pure helpers of the cloud_directory_users plugin, kept apart so that
 * unit tests can reach them without a server.
 */
#ifndef CD_USERS_MAP_H
#define CD_USERS_MAP_H

#include <jansson.h>
#include "pluginutil.h"

/* Lower-cased primary e-mail of an export item (scimUser.emails: the one
 * marked primary, else the first), or NULL. Written into buf[size]. */
AMGP_HIDDEN const char *cdu_email(json_t *item, char *buf, size_t size);

/* scimUser.userName of an export item, or NULL. Borrowed. */
AMGP_HIDDEN const char *cdu_user_name(json_t *item);

/* scimUser.originalId (or scimUser.id) of an export item, or NULL. */
AMGP_HIDDEN const char *cdu_original_id(json_t *item);

/* The record-filter view {"email": ..., "userName": ..., "id": ...} of an
 * export item; new reference. */
AMGP_HIDDEN json_t *cdu_view(json_t *item);

/*
 * The identity keys App ID keeps unique among Cloud Directory users, of a
 * bare SCIM user `scim` (as GET /cloud_directory/Users lists it, or an
 * export item's scimUser): "e:<e-mail>" (the primary e-mail, else the
 * first) and "u:<userName>", both lower-cased, into ekey/ukey; "" for a
 * key the user lacks or that does not fit. Returns how many were set.
 */
AMGP_HIDDEN int cdu_keys(json_t *scim, char *ekey, size_t esize, char *ukey, size_t usize);

/*
 * Walk the elements of a top-level JSON array in buf[len] without parsing
 * the whole document: on each call finds the next element starting at or
 * after *pos and sets [*start, *end) to its bytes. Returns 1 for an
 * element, 0 at the closing bracket, -1 when the text is not an array of
 * well-bracketed values. *pos starts at 0.
 */
AMGP_HIDDEN int cdu_array_next(const char *buf, size_t len, size_t *pos, size_t *start,
                               size_t *end);

#endif
