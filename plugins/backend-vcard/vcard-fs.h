// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The file tree of a virtual card (TS 102 221 §8 / GSM 11.11 §6): MF, DFs,
 * ADFs, transparent and linear-fixed EFs. A tree describes the files; their
 * contents live in one byte image (the profile keeps the initial image, each
 * card its own copy), at VcardFile.offset.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
	VCARD_FILE_MF,
	VCARD_FILE_DF,
	VCARD_FILE_ADF,
	VCARD_FILE_TRANSPARENT,
	VCARD_FILE_LINEAR_FIXED,
} VcardFileType;

/* Access conditions of an EF operation. */
typedef enum {
	VCARD_ACCESS_ALWAYS,
	VCARD_ACCESS_PIN1,
	VCARD_ACCESS_PIN2,
	VCARD_ACCESS_ADM1,
	VCARD_ACCESS_NEVER,
} VcardAccess;

typedef struct _VcardFile VcardFile;

struct _VcardFile {
	VcardFileType type;
	guint16 fid;
	guint8 sfi; /* 1..30, 0 = none */
	VcardAccess read_access;
	VcardAccess update_access;
	VcardFile *parent;   /* NULL for the MF */
	GPtrArray *children; /* MF/DF/ADF: owned VcardFile pointers; NULL for EFs */
	guint8 aid[16];      /* ADF */
	guint8 aid_len;
	gchar *name;      /* "EF.IMSI", for logs and descriptions; may be NULL */
	gsize offset;     /* EF: where its body starts in the image */
	gsize size;       /* EF: body size (record_len * n_records for records) */
	guint record_len; /* linear fixed */
	guint n_records;  /* linear fixed */
};

static inline gboolean
vcard_file_is_df(const VcardFile *file)
{
	return file->type == VCARD_FILE_MF || file->type == VCARD_FILE_DF ||
	       file->type == VCARD_FILE_ADF;
}

VcardFile *vcard_file_new(VcardFileType type, guint16 fid);
void vcard_file_free(VcardFile *file);
/* Takes ownership of @child. */
void vcard_file_add_child(VcardFile *parent, VcardFile *child);
/* Direct child with this FID, or NULL. */
VcardFile *vcard_file_find_child(const VcardFile *df, guint16 fid);
/* Direct child EF with this SFI, or NULL. */
VcardFile *vcard_file_find_sfi(const VcardFile *df, guint8 sfi);
/* Number of direct children that are DFs / EFs. */
guint vcard_file_count_dfs(const VcardFile *df);
guint vcard_file_count_efs(const VcardFile *df);

const gchar *vcard_file_type_to_string(VcardFileType type);
const gchar *vcard_access_to_string(VcardAccess access);
gboolean vcard_access_from_string(const gchar *str, VcardAccess *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VcardFile, vcard_file_free)

G_END_DECLS
