/*
 * The little XML the S3 client reads: ListObjectsV2 pages and <Error>
 * bodies. A small scanner instead of an XML library: S3 answers are flat,
 * attribute-free (but for the root's xmlns) and never use CDATA, so an
 * element is found by its literal "<Name>" start tag (a '<' in text is
 * always escaped) and its text is entity-decoded: &amp; &lt; &gt; &quot;
 * &apos; and numeric references (&#NN; &#xHH;) to UTF-8. Anything else,
 * a missing required element, or text that is not a plain value is
 * AMG_EPROTO, so a malformed answer is never half-understood.
 */
#ifndef AMG_S3_XML_H
#define AMG_S3_XML_H

#include <stddef.h>

/* Called for each <Contents> of a page; `key` is the full decoded key,
 * borrowed for the call. Non-zero stops the scan and is returned. */
typedef int (*amg_s3_xml_object_fn)(void *ud, const char *key, long long size);

/*
 * Scan one ListObjectsV2 page (`xml`, `len` bytes, need not be
 * NUL-terminated). Calls fn per object, then sets *truncated from
 * <IsTruncated> and, when it is true, *next_token to the decoded
 * <NextContinuationToken> (new string the caller frees; NULL otherwise).
 */
int amg_s3_xml_list_page(const char *xml, size_t len, amg_s3_xml_object_fn fn, void *ud,
                         int *truncated, char **next_token);

/* <Code> and <Message> of an <Error> body as new strings (caller frees),
 * each NULL when absent or undecodable. Never fails otherwise. */
void amg_s3_xml_error(const char *xml, size_t len, char **code, char **message);

/* Decode the entities of `len` bytes of element text into a new string;
 * NULL on a malformed or unknown entity, a raw '<', or out of memory. */
char *amg_s3_xml_decode(const char *text, size_t len);

#endif
