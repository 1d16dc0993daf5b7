/*
 * Pure transformations of the cloud_directory_settings plugin (unit
 * tested by tests/unit/test_plugin_cloud_directory_settings.c): template
 * iteration and paths, and the bodies written back to the target.
 */
#ifndef AMGP_CDS_MAP_H
#define AMGP_CDS_MAP_H

#include <stddef.h>
#include <jansson.h>

#ifndef AMGP_HIDDEN
#define AMGP_HIDDEN __attribute__((visibility("hidden")))
#endif

/* The five template names (reference 8.2.2) and the two action URL
 * names (8.2.4); NULL-terminated. */
AMGP_HIDDEN extern const char *const amgp_cds_template_names[];
AMGP_HIDDEN extern const char *const amgp_cds_actions[];

/* 1 when `s` is in the NULL-terminated `list`. */
AMGP_HIDDEN int amgp_cds_in_list(const char *const *list, const char *s);

/* 1 when `lang` can be put in a path unescaped: 1..35 characters of
 * [A-Za-z0-9-], the RFC 5646 tag alphabet. */
AMGP_HIDDEN int amgp_cds_lang_valid(const char *lang);

/*
 * Templates come as every name x every configured language. `langs` is
 * the languages array (borrowed); items that are not valid languages
 * are not counted. amgp_cds_template_at() gives pair `i` (0 <= i <
 * count), language-major within each name: names[0] x all languages,
 * then names[1] ... Returns 0, or AMG_EINVAL when i is out of range.
 */
AMGP_HIDDEN size_t amgp_cds_template_count(json_t *langs);
AMGP_HIDDEN int amgp_cds_template_at(json_t *langs, size_t i, const char **name,
                                     const char **lang);

/* "/config/cloud_directory/templates/NAME/LANG" into `buf`; AMG_EINVAL
 * for an unknown name, an invalid language or a short buffer. */
AMGP_HIDDEN int amgp_cds_template_path(const char *name, const char *lang, char *buf,
                                       size_t len);

/*
 * The PUT body of a template from an object as GET returns it (borrowed):
 * subject, base64_encoded_html_body and plain_text_body (when present).
 * The HTML is always sent base64-encoded (Cloudflare in front of App ID
 * filters raw HTML, reference 8.2.2): encoded from html_body when that is
 * present, else taken from base64_encoded_html_body. New reference; NULL
 * when `obj` has no string subject or on allocation failure.
 */
AMGP_HIDDEN json_t *amgp_cds_template_body(json_t *obj);

/* The PUT body of the password regex: base64_encoded_regex (encoded from
 * regex when that is present) and error_message when present. New
 * reference, NULL on allocation failure or when `obj` is not an object. */
AMGP_HIDDEN json_t *amgp_cds_regex_body(json_t *obj);

/* Standard base64 with padding of `len` bytes; a new string to free(), or
 * NULL on allocation failure. */
AMGP_HIDDEN char *amgp_b64_encode(const void *data, size_t len);

#endif
