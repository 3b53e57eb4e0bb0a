// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * frontend "vpcd": cardroute plays the card in a reader slot of vsmartcard's
 * vpcd driver inside pcscd, so PC/SC applications reach the routed card.
 * One instance = one vpcd slot; keys in README.md.
 */

#include <cardroute/cardroute.h>

#include "vpcd-slot.h"

#define VPCD_DEFAULT_PORT 35963

#define VPCD_TYPE_INSTANCE (vpcd_instance_get_type())
G_DECLARE_FINAL_TYPE(VpcdInstance, vpcd_instance, VPCD, INSTANCE, CrInstance)

struct _VpcdInstance {
	CrInstance parent_instance;
};

G_DEFINE_TYPE(VpcdInstance, vpcd_instance, CR_TYPE_INSTANCE)

static gboolean
vpcd_instance_start(CrInstance *inst, GError **error)
{
	GPtrArray *slots = cr_instance_get_frontend_slots(inst);
	for (guint i = 0; i < slots->len; i++)
		vpcd_slot_start(VPCD_SLOT(slots->pdata[i]));
	return TRUE;
}

static void
vpcd_instance_stop(CrInstance *inst)
{
	GPtrArray *slots = cr_instance_get_frontend_slots(inst);
	for (guint i = 0; i < slots->len; i++)
		vpcd_slot_stop(VPCD_SLOT(slots->pdata[i]));
}

static void
vpcd_instance_describe(CrInstance *inst, GVariantDict *dict)
{
	GPtrArray *slots = cr_instance_get_frontend_slots(inst);
	if (slots->len > 0)
		vpcd_slot_describe(VPCD_SLOT(slots->pdata[0]), dict);
}

static void
vpcd_instance_class_init(VpcdInstanceClass *klass)
{
	CrInstanceClass *ic = CR_INSTANCE_CLASS(klass);
	ic->start = vpcd_instance_start;
	ic->stop = vpcd_instance_stop;
	ic->describe = vpcd_instance_describe;
}

static void
vpcd_instance_init(VpcdInstance *self)
{
}

static CrInstance *
vpcd_create(CrRouter *router, CrConfigSection *section, GError **error)
{
	static const gchar *const modes[] = {"connect", "listen", NULL};
	g_autoptr(VpcdInstance) inst = g_object_new(VPCD_TYPE_INSTANCE, NULL);
	g_autoptr(VpcdSlot) slot = NULL;
	g_autofree gchar *host = cr_config_section_get_string(section, "host", "127.0.0.1");
	gint64 port, slot_index;
	guint mode;

	if (!cr_config_section_get_int(section, "port", VPCD_DEFAULT_PORT, 1, 65535, &port,
	                               error) ||
	    !cr_config_section_get_int(section, "slot", 0, 0, 15, &slot_index, error) ||
	    !cr_config_section_get_choice(section, "mode", modes, 0, &mode, error))
		return NULL;
	if (host[0] == '\0') {
		cr_config_section_set_error(section, error, "host", "must not be empty");
		return NULL;
	}
	if (port + slot_index > 65535) {
		cr_config_section_set_error(section, error, "slot",
		                            "port %" G_GINT64_FORMAT " + slot %" G_GINT64_FORMAT
		                            " is above 65535",
		                            port, slot_index);
		return NULL;
	}
	slot = vpcd_slot_new(cr_config_section_get_name(section), host,
	                     (guint16)(port + slot_index),
	                     mode == 1 ? VPCD_MODE_LISTEN : VPCD_MODE_CONNECT);
	if (!cr_instance_add_frontend_slot(CR_INSTANCE(inst), CR_FRONTEND_SLOT(slot), error))
		return NULL;
	return CR_INSTANCE(g_steal_pointer(&inst));
}

CR_PLUGIN_DEFINE("vpcd", CR_PLUGIN_KIND_FRONTEND, "card in a vsmartcard vpcd reader slot",
                 vpcd_create)
