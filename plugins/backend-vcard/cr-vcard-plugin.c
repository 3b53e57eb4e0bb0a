// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * backend "vcard": virtual UICC/SIM cards from a profile file. One instance
 * per [backend:NAME] section, with one slot (NAME) or `slots = N` identical
 * cards (NAME.0 .. NAME.N-1). The INI keys are in README.md.
 */
#include <cardroute/cardroute.h>

#include "vcard-profile.h"
#include "vcard-slot.h"

/* T=0 (TD1 = 80), global interface bytes (TD2 = 1F: T=15, TA3 = C7: clock
 * stop, 1.8/3/5 V), 15 historical bytes, TCK (present because of T=15). */
static const guint8 default_atr[] = {0x3B, 0x9F, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31,
                                     0xE0, 0x73, 0xFE, 0x21, 0x1B, 0x63, 0x3A, 0x20,
                                     0x4E, 0x83, 0x00, 0x90, 0x00, 0x93};

#define VCARD_TYPE_INSTANCE (vcard_instance_get_type())
G_DECLARE_FINAL_TYPE(VcardInstance, vcard_instance, VCARD, INSTANCE, CrInstance)

struct _VcardInstance {
	CrInstance parent_instance;
	gchar *profile_path;
	VcardProfile *profile;
	VcardKnobs knobs;
	guint n_slots;
};

G_DEFINE_TYPE(VcardInstance, vcard_instance, CR_TYPE_INSTANCE)

static gboolean
vcard_instance_start(CrInstance *instance, GError **error)
{
	GPtrArray *slots = cr_instance_get_backend_slots(instance);

	for (guint i = 0; i < slots->len; i++)
		vcard_slot_start(VCARD_SLOT(g_ptr_array_index(slots, i)));
	return TRUE;
}

static void
vcard_instance_stop(CrInstance *instance)
{
	GPtrArray *slots = cr_instance_get_backend_slots(instance);

	for (guint i = 0; i < slots->len; i++)
		vcard_slot_stop(VCARD_SLOT(g_ptr_array_index(slots, i)));
}

static void
vcard_instance_describe(CrInstance *instance, GVariantDict *dict)
{
	VcardInstance *self = VCARD_INSTANCE(instance);

	g_variant_dict_insert(dict, "profile", "s", self->profile_path);
	g_variant_dict_insert(dict, "slots", "u", self->n_slots);
	g_variant_dict_insert(dict, "latency-ms", "u", self->knobs.latency_ms);
	g_variant_dict_insert(dict, "fail-after", "u", self->knobs.fail_after);
	g_variant_dict_insert(dict, "remove-after", "u", self->knobs.remove_after);
}

static void
vcard_instance_finalize(GObject *obj)
{
	VcardInstance *self = VCARD_INSTANCE(obj);

	g_clear_pointer(&self->profile, vcard_profile_unref);
	g_free(self->profile_path);
	G_OBJECT_CLASS(vcard_instance_parent_class)->finalize(obj);
}

static void
vcard_instance_class_init(VcardInstanceClass *klass)
{
	CrInstanceClass *instance_class = CR_INSTANCE_CLASS(klass);

	G_OBJECT_CLASS(klass)->finalize = vcard_instance_finalize;
	instance_class->start = vcard_instance_start;
	instance_class->stop = vcard_instance_stop;
	instance_class->describe = vcard_instance_describe;
}

static void
vcard_instance_init(VcardInstance *self)
{
}

/* An integer key that must fit a guint. */
static gboolean
get_uint(CrConfigSection *section, const gchar *key, gint64 max, guint *out, GError **error)
{
	gint64 value;

	if (!cr_config_section_get_int(section, key, 0, 0, max, &value, error))
		return FALSE;
	*out = (guint)value;
	return TRUE;
}

static gboolean
read_knobs(CrConfigSection *section, VcardKnobs *knobs, GError **error)
{
	static const gchar *const fail_modes[] = {"mute", "remove", NULL};
	guint fail_mode;

	if (!get_uint(section, "latency-ms", 600000, &knobs->latency_ms, error) ||
	    !get_uint(section, "fail-after", G_MAXINT32, &knobs->fail_after, error) ||
	    !cr_config_section_get_choice(section, "fail-mode", fail_modes, 0, &fail_mode, error) ||
	    !get_uint(section, "remove-after", G_MAXINT32, &knobs->remove_after, error) ||
	    !get_uint(section, "reinsert-after-ms", 86400000, &knobs->reinsert_after_ms, error) ||
	    !cr_config_section_get_bool(section, "present", TRUE, &knobs->present, error) ||
	    !get_uint(section, "insert-after-ms", 86400000, &knobs->insert_after_ms, error))
		return FALSE;
	knobs->fail_mode = fail_mode == 1 ? VCARD_FAIL_REMOVE : VCARD_FAIL_MUTE;
	return TRUE;
}

static gchar *
resolve_profile_path(CrConfigSection *section, const gchar *path)
{
	const gchar *ini = cr_config_section_get_file(section);
	g_autofree gchar *dir = NULL;

	if (g_path_is_absolute(path) || ini == NULL)
		return g_strdup(path);
	dir = g_path_get_dirname(ini);
	return g_build_filename(dir, path, NULL);
}

/* Without a profile key: the shipped test SIM (installed, or in the source
 * tree when the plugin runs from the build tree). */
static gchar *
default_profile_path(void)
{
	if (!g_file_test(VCARD_DEFAULT_PROFILE, G_FILE_TEST_EXISTS) &&
	    g_file_test(VCARD_SOURCE_PROFILE, G_FILE_TEST_EXISTS))
		return g_strdup(VCARD_SOURCE_PROFILE);
	return g_strdup(VCARD_DEFAULT_PROFILE);
}

static CrInstance *
vcard_create(CrRouter *router, CrConfigSection *section, GError **error)
{
	g_autoptr(VcardInstance) self = g_object_new(VCARD_TYPE_INSTANCE, NULL);
	g_autofree gchar *profile = NULL;
	g_autoptr(GBytes) atr = NULL;
	g_autoptr(GError) local_error = NULL;
	const gchar *name = cr_config_section_get_name(section);
	gint64 n_slots;

	profile = cr_config_section_get_string(section, "profile", NULL);
	if (profile == NULL || profile[0] == '\0')
		self->profile_path = default_profile_path();
	else
		self->profile_path = resolve_profile_path(section, profile);
	self->profile = vcard_profile_load_file(self->profile_path, &local_error);
	if (self->profile == NULL) {
		cr_config_section_set_error(section, error, "profile", "%s", local_error->message);
		return NULL;
	}
	if (!cr_config_section_get_hex(section, "atr", 2, CR_ATR_MAX, &atr, error))
		return NULL;
	/* the core's check, its reason after the INI location like every bad key's */
	if (atr != NULL && !cr_atr_check(g_bytes_get_data(atr, NULL), g_bytes_get_size(atr),
	                                 CR_ERROR, CR_ERROR_CONFIG, &local_error)) {
		cr_config_section_set_error(section, error, "atr", "%s", local_error->message);
		return NULL;
	}
	if (atr == NULL && self->profile->atr != NULL)
		atr = g_bytes_ref(self->profile->atr);
	if (atr == NULL)
		atr = g_bytes_new_static(default_atr, sizeof(default_atr));
	if (!read_knobs(section, &self->knobs, error))
		return NULL;
	if (!cr_config_section_get_int(section, "slots", 1, 1, 4096, &n_slots, error))
		return NULL;
	self->n_slots = (guint)n_slots;

	for (guint i = 0; i < self->n_slots; i++) {
		g_autofree gchar *slot_name =
		        self->n_slots == 1 ? g_strdup(name) : g_strdup_printf("%s.%u", name, i);
		g_autoptr(VcardSlot) slot =
		        vcard_slot_new(slot_name, self->profile, atr, &self->knobs);
		if (!cr_instance_add_backend_slot(CR_INSTANCE(self), CR_BACKEND_SLOT(slot), error))
			return NULL;
	}
	return CR_INSTANCE(g_steal_pointer(&self));
}

CR_PLUGIN_DEFINE("vcard", CR_PLUGIN_KIND_BACKEND, "virtual UICC/SIM from a profile file",
                 vcard_create)
