/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codebook.h - libcodebook, the reason-code authority.
 *
 * Include this one header.  Conventions: functions return 0 (CB_OK) or a
 * negative cb_err and explain failures through cb_errmsg(); outputs come
 * first and are named out; strings returned by getters are borrowed from
 * the object they came from; memory a call hands over is freed with the
 * matching *_free() or cb_free().
 */
#ifndef CODEBOOK_H
#define CODEBOOK_H

#include "codebook/common.h"
#include "codebook/codeset.h"
#include "codebook/builder.h"
#include "codebook/catalog.h"
#include "codebook/check.h"
#include "codebook/report.h"
#include "codebook/govern.h"
#include "codebook/lint.h"
#include "codebook/policy.h"
#include "codebook/export.h"
#include "codebook/validate.h"
#include "codebook/mapping.h"

#endif
