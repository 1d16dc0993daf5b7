/*
 * The login widget logo (reference section 8.6):
 *   GET  /management/v4/{tenant}/config/ui/media   {"image": URL}
 *   POST /management/v4/{tenant}/config/ui/media?mediaType=logo
 *        multipart/form-data, part "file": PNG or JPEG, at most 100 KB
 * and the image itself, served without authentication like a CDN would:
 *   GET  /media/{tenant}/logo         the uploaded logo
 *   GET  /media/default-logo.png      the built-in logo of a new instance
 * The logo is kept per tenant under "logo" as {"content_type", "data"
 * (base64)}; {} until one is uploaded.
 */
#ifndef SIM_MEDIA_H
#define SIM_MEDIA_H

#include "request.h"

#define SIM_MEDIA_PREFIX "/media/"
#define SIM_LOGO_MAX (100 * 1024)

/* Same contract as sim_config_handle(). */
int sim_media_handle(const struct sim_env *env, const char *tenant, const char *subpath,
                     const struct sim_request *req, struct sim_reply *rep);

/* Answer a request below SIM_MEDIA_PREFIX (no authentication). */
void sim_media_serve(const struct sim_env *env, const struct sim_request *req,
                     struct sim_reply *rep);

#endif
