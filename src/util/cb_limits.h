/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cb_limits.h - every limit on untrusted input, in one place.  Each can be
 * overridden at build time (-DCB_MAX_...); docs/limits.md explains them.
 */
#ifndef CB_UTIL_LIMITS_H
#define CB_UTIL_LIMITS_H

#ifndef CB_MAX_CODESET_BYTES
# define CB_MAX_CODESET_BYTES   (64u << 20)  /* a code-set file */
#endif
#ifndef CB_MAX_JSON_DEPTH
# define CB_MAX_JSON_DEPTH      32
#endif
#ifndef CB_MAX_ENTRIES
# define CB_MAX_ENTRIES         100000       /* entries in one set */
#endif
#ifndef CB_MAX_CATEGORIES
# define CB_MAX_CATEGORIES      1024
#endif
#ifndef CB_MAX_DIMS
# define CB_MAX_DIMS            8            /* context dimensions per set */
#endif
#define CB_MAX_DIM_VALUES       64           /* values per dimension: one uint64_t bitmask */
#ifndef CB_MAX_HANDLING
# define CB_MAX_HANDLING        32
#endif
#ifndef CB_MAX_CODE_LEN
# define CB_MAX_CODE_LEN        256          /* bytes in one code */
#endif
#ifndef CB_MAX_ATTRS
# define CB_MAX_ATTRS           32           /* free attributes per entry */
#endif
#ifndef CB_MAX_STRING
# define CB_MAX_STRING          (64u << 10)  /* one string value in a code-set file */
#endif
#ifndef CB_MAX_SETS
# define CB_MAX_SETS            256          /* sets in one catalog directory */
#endif
#ifndef CB_MAX_MAPPINGS
# define CB_MAX_MAPPINGS        256          /* mapping files in one directory */
#endif
#ifndef CB_MAX_MAPPING_LINKS
# define CB_MAX_MAPPING_LINKS   100000       /* links in one mapping */
#endif

/* marketplace client (src/market) and its simulator (tools/tiktok-sim) */
#ifndef CB_MAX_MARKET_RESPONSE
# define CB_MAX_MARKET_RESPONSE (8u << 20)   /* default cap on a marketplace reply body */
#endif
#ifndef CB_MAX_MARKET_REQUEST
# define CB_MAX_MARKET_REQUEST  (1u << 20)   /* a request body the simulator accepts */
#endif
#ifndef CB_MAX_MARKET_ITEMS
# define CB_MAX_MARKET_ITEMS    10000        /* elements of one list in a reply */
#endif
#ifndef CB_MAX_MARKET_STRING
# define CB_MAX_MARKET_STRING   4096         /* one string kept from a reply */
#endif
#ifndef CB_MAX_MARKET_PARAMS
# define CB_MAX_MARKET_PARAMS   32           /* query parameters of one signed request */
#endif
#ifndef CB_MAX_MARKET_CONFIG
# define CB_MAX_MARKET_CONFIG   (64u << 10)  /* a marketplace configuration file */
#endif

/* bulk validation of NDJSON streams (codebook validate) */
#ifndef CB_MAX_EVENT_BYTES
# define CB_MAX_EVENT_BYTES     (64u << 20)  /* one line (event); longer ones are "too-long" */
#endif
#ifndef CB_MAX_EVENT_DEPTH
# define CB_MAX_EVENT_DEPTH     64           /* nesting in one event; deeper is "too-deep" */
#endif
#ifndef CB_MAX_FIELD_KEYS
# define CB_MAX_FIELD_KEYS      16           /* keys in a dotted --field / --context path */
#endif
#ifndef CB_MAX_FIELD_PATH
# define CB_MAX_FIELD_PATH      1024         /* bytes in such a path */
#endif
#ifndef CB_MAX_VALIDATE_THREADS
# define CB_MAX_VALIDATE_THREADS 256
#endif
#ifndef CB_MAX_TOP_CODES
# define CB_MAX_TOP_CODES       65536        /* distinct invalid codes tallied; others are "(other)" */
#endif

#if CB_MAX_DIMS > 16
# error "CB_MAX_DIMS is unreasonably large"
#endif
#if CB_MAX_CODESET_BYTES > (1u << 30)
# error "CB_MAX_CODESET_BYTES is unreasonably large"
#endif
#if CB_MAX_EVENT_BYTES > (1u << 30)
# error "CB_MAX_EVENT_BYTES is unreasonably large"
#endif
#if CB_MAX_MARKET_RESPONSE > (1u << 30)
# error "CB_MAX_MARKET_RESPONSE is unreasonably large"
#endif

#endif
