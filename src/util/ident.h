/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ident.h - ids that name resources in URLs (an order's /v1/orders/{id}, the
 * idempotency ids of incidents and events), and the percent-encoding of
 * every link the service writes.  Pure; unit-tested in
 * tests/svc/unit/test_framing.c, fuzzed by fuzz/fuzz_framing.c.
 *
 * An id is 1 to N bytes of the characters a URL path segment may hold
 * without encoding (RFC 3986 pchar less pct-encoded), and is neither "."
 * nor "..", which clients remove from paths.  So an id accepted once can
 * always be read back at its URL.
 */
#ifndef CB_UTIL_IDENT_H
#define CB_UTIL_IDENT_H

#include <stddef.h>

/* The characters of an id, as the documentation and the problems say them. */
#define CB_ID_CHARSET "A-Z a-z 0-9 and - . _ ~ ! $ & ' ( ) * + , ; = : @"

/*
 * 1 when @s (@n bytes) is an id of at most @max bytes; else 0 with *why
 * ("is empty", "has more than N bytes", "has the character '/' ...").
 * @why_buf (@why_size bytes) holds the text when it names a character.
 */
int cb_id_check(const char *s, size_t n, size_t max, char *why_buf, size_t why_size);

/*
 * Percent-encode @s (@n bytes) as one path segment into @out (@size
 * bytes): every byte outside RFC 3986's pchar becomes %XX (upper case).
 * Returns the length written, or -1 when it does not fit (@out is then "").
 */
int cb_path_segment(char *out, size_t size, const char *s, size_t n);

/*
 * Code-set names (docs/codeset-format.md): BASE, or BASE@MARKET for a set
 * that belongs to one market (a marketplace's list mirrored per market:
 * tiktok-reverse-reason@GB).  BASE is 1 to 63 of a-z 0-9 '-', not starting
 * with '-'; MARKET is a market code, two letters A-Z (TikTok Shop's
 * seller_base_region, ISO 3166-1 alpha-2).  The same string is the set's
 * file name (NAME.json), its URL segment ('@' is a pchar) and its key in
 * the database.
 */
#define CB_SET_BASE_MAX   63
#define CB_MARKET_LEN     2
#define CB_SET_NAME_MAX   (CB_SET_BASE_MAX + 1 + CB_MARKET_LEN)

/* 1 when @s (@n bytes) is a market code (two letters A-Z), else 0. */
int cb_market_check(const char *s, size_t n);

/*
 * 1 when @s (@n bytes) is a set name; *base_len (may be NULL) is then the
 * length of its BASE (@n when it names no market).  0 otherwise.
 */
int cb_set_name_check(const char *s, size_t n, size_t *base_len);

#endif
