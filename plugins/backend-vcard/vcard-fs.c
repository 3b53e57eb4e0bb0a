// SPDX-License-Identifier: GPL-2.0-or-later
#include "vcard-fs.h"

VcardFile *
vcard_file_new(VcardFileType type, guint16 fid)
{
	VcardFile *file = g_new0(VcardFile, 1);

	file->type = type;
	file->fid = fid;
	file->read_access = VCARD_ACCESS_ALWAYS;
	file->update_access = VCARD_ACCESS_PIN1;
	if (vcard_file_is_df(file))
		file->children = g_ptr_array_new_with_free_func((GDestroyNotify)vcard_file_free);
	return file;
}

void
vcard_file_free(VcardFile *file)
{
	if (file == NULL)
		return;
	g_clear_pointer(&file->children, g_ptr_array_unref);
	g_free(file->name);
	g_free(file);
}

void
vcard_file_add_child(VcardFile *parent, VcardFile *child)
{
	g_return_if_fail(parent->children != NULL);
	child->parent = parent;
	g_ptr_array_add(parent->children, child);
}

VcardFile *
vcard_file_find_child(const VcardFile *df, guint16 fid)
{
	if (df->children == NULL)
		return NULL;
	for (guint i = 0; i < df->children->len; i++) {
		VcardFile *child = g_ptr_array_index(df->children, i);
		if (child->fid == fid)
			return child;
	}
	return NULL;
}

VcardFile *
vcard_file_find_sfi(const VcardFile *df, guint8 sfi)
{
	if (df->children == NULL || sfi == 0)
		return NULL;
	for (guint i = 0; i < df->children->len; i++) {
		VcardFile *child = g_ptr_array_index(df->children, i);
		if (child->sfi == sfi && !vcard_file_is_df(child))
			return child;
	}
	return NULL;
}

guint
vcard_file_count_dfs(const VcardFile *df)
{
	guint n = 0;

	for (guint i = 0; df->children != NULL && i < df->children->len; i++)
		n += vcard_file_is_df(g_ptr_array_index(df->children, i)) ? 1 : 0;
	return n;
}

guint
vcard_file_count_efs(const VcardFile *df)
{
	return df->children == NULL ? 0 : df->children->len - vcard_file_count_dfs(df);
}

const gchar *
vcard_file_type_to_string(VcardFileType type)
{
	switch (type) {
	case VCARD_FILE_MF:
		return "mf";
	case VCARD_FILE_DF:
		return "df";
	case VCARD_FILE_ADF:
		return "adf";
	case VCARD_FILE_TRANSPARENT:
		return "transparent";
	case VCARD_FILE_LINEAR_FIXED:
		return "linear-fixed";
	}
	return "unknown";
}

static const gchar *const access_names[] = {"always", "pin1", "pin2", "adm1", "never"};

const gchar *
vcard_access_to_string(VcardAccess access)
{
	return (guint)access < G_N_ELEMENTS(access_names) ? access_names[access] : "unknown";
}

gboolean
vcard_access_from_string(const gchar *str, VcardAccess *out)
{
	for (guint i = 0; i < G_N_ELEMENTS(access_names); i++) {
		if (g_ascii_strcasecmp(str, access_names[i]) == 0) {
			*out = (VcardAccess)i;
			return TRUE;
		}
	}
	return FALSE;
}
