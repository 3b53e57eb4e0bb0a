// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A card profile: the file tree with its initial contents, the PINs and the
 * authentication keys, loaded from an INI file (see README.md). Immutable
 * once loaded and shared by every card made from it.
 */
#pragma once

#include <glib.h>

#include <cardroute/cr-atr.h>

#include "milenage.h"
#include "vcard-fs.h"

G_BEGIN_DECLS

#define VCARD_ERROR (vcard_error_quark())

/* The largest profile file read (a profile is a few kilobytes). */
#define VCARD_PROFILE_MAX_SIZE (1024u * 1024u)

typedef enum {
	VCARD_ERROR_PROFILE, /* the profile file is wrong: section, key, reason */
	VCARD_ERROR_IO,      /* it cannot be read */
} VcardErrorCode;

GQuark vcard_error_quark(void);

typedef enum { VCARD_PIN1, VCARD_PIN2, VCARD_ADM1, VCARD_PIN_COUNT } VcardPinId;

typedef struct {
	gboolean present;
	gboolean enabled; /* FALSE: disabled, its access condition always holds */
	guint8 value[8];  /* ASCII, padded with FF */
	guint retries;    /* attempts before it blocks */
	gboolean has_puk;
	guint8 puk[8];
	guint puk_retries;
} VcardPinConfig;

typedef struct {
	gint ref_count;
	gchar *source; /* file name (for messages) */
	VcardFile *mf;
	GPtrArray *adfs; /* borrowed VcardFile pointers (children of the MF) */
	guint8 *image;   /* initial contents of every EF */
	gsize image_len;
	GBytes *atr; /* [card] atr, or NULL */
	gboolean extended;     /* [card] extended-length: extended Lc/Le and chaining */
	guint protocol;        /* [card] protocol: VCARD_PROTOCOL_T0 or _T1 */
	VcardPinConfig pins[VCARD_PIN_COUNT];
	gboolean has_auth;
	guint8 k[16];
	guint8 opc[16];
	guint8 sqn[6]; /* SQN_MS at start */
	gboolean sqn_check;
	gboolean kc_in_3g;
	VcardSresMode sres_mode;
} VcardProfile;

/* Transmission protocols, as bits (an ATR can offer both): the core's. */
#define VCARD_PROTOCOL_T0 ((guint)CR_PROTOCOL_T0)
#define VCARD_PROTOCOL_T1 ((guint)CR_PROTOCOL_T1)

VcardProfile *vcard_profile_load_file(const gchar *path, GError **error);
/* @source names the data in messages. */
VcardProfile *vcard_profile_load_data(const gchar *data, gsize len, const gchar *source,
                                      GError **error);
VcardProfile *vcard_profile_ref(VcardProfile *profile);
void vcard_profile_unref(VcardProfile *profile);

/* Looks a file up by its profile path ("3F00/7F20/6F07", "ADF.usim/6F07"). */
VcardFile *vcard_profile_lookup(VcardProfile *profile, const gchar *path);

/* Parses hex ("3B 9F", "3b9f", "3B:9F") into @out (at most @max bytes);
 * returns the length or -1. */
gssize vcard_parse_hex(const gchar *text, guint8 *out, gsize max);

/* Is @atr a well-formed ATR? cr_atr_check() with a VCARD_ERROR_PROFILE. */
gboolean vcard_atr_is_valid(const guint8 *atr, gsize len, GError **error);
/* The protocols a well-formed ATR offers (its TDi bytes; none: T=0), as
 * VCARD_PROTOCOL_* bits: cr_atr_protocols(). */
guint vcard_atr_protocols(const guint8 *atr, gsize len);
/* The built-in ATR of a T=1 card with extended length fields. */
GBytes *vcard_atr_t1_default(void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VcardProfile, vcard_profile_unref)

G_END_DECLS
