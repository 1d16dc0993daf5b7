/*
 * Cloud Directory email templates (reference section 8.2.2): the five
 * template names and the English content a new instance sends until a
 * template is customised.
 */
#ifndef SIM_CD_TEMPLATES_H
#define SIM_CD_TEMPLATES_H

#include <jansson.h>

/* NULL-terminated: USER_VERIFICATION, WELCOME, PASSWORD_CHANGED,
 * RESET_PASSWORD, MFA_VERIFICATION. */
extern const char *const sim_template_names[];

/* 1 when `name` is one of sim_template_names. */
int sim_template_name_valid(const char *name);

/*
 * The default content of template `name` as GET shows it: a new object
 * {"subject","html_body","base64_encoded_html_body","plain_text_body"}
 * (new reference), NULL for an unknown name or on allocation failure.
 */
json_t *sim_template_default(const char *name);

/*
 * Build the stored form of a validated PUT body `body` (borrowed): the
 * HTML from a non-empty base64_encoded_html_body (which wins) or from
 * html_body, both forms kept, plain_text_body "" when absent, other
 * properties dropped. On 0 *out is a new reference. AMG_EINVAL with a
 * message in `msg` when the base64 is malformed or does not decode to
 * UTF-8 text without NUL bytes; AMG_ENOMEM.
 */
int sim_template_normalize(const json_t *body, json_t **out, char *msg, size_t msg_len);

#endif
